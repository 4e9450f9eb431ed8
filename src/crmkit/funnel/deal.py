"""Deals and their history. Every transition is a :class:`StageChange`; the deal value is
the latest state, the changes are the truth reports are computed from."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import attrs

from crmkit._text_limits import LONG_TEXT, clean_text
from crmkit._types import Money, ensure_aware, ensure_date, new_id
from crmkit.errors import (
    InvalidDatetimeError,
    InvalidMoneyError,
    InvalidTransitionError,
    ValidationError,
)
from crmkit.funnel.pipeline import Pipeline

__all__ = ["Deal", "DealStatus", "StageChange", "lose", "move", "open_deal", "reopen", "win"]


class DealStatus(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@attrs.frozen
class StageChange:
    """One transition: ``from_stage`` is None when the deal was created; ``to_stage`` is
    ``"won"`` or ``"lost"`` when it closed, and ``from_stage`` is ``"won"``/``"lost"`` when a
    closed deal was reopened."""

    id: str
    deal_id: str
    pipeline_id: str
    from_stage: str | None
    to_stage: str
    at: datetime
    by: str | None = None


@attrs.frozen
class Deal:
    """A sales opportunity moving through a pipeline.

    >>> from datetime import UTC, datetime, timedelta
    >>> p = Pipeline.new("Sales", ["New", "Qualified", "Proposal"])
    >>> t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> d, _ = open_deal(p, title="Gold package", value=Money("1200", "EUR"), contact_id="c1",
    ...                  at=t0)
    >>> d, change = move(d, p, "Proposal", at=t0 + timedelta(days=3), by="arta")
    >>> d.stage, change.from_stage, change.to_stage
    ('Proposal', 'New', 'Proposal')
    >>> d, _ = win(d, at=t0 + timedelta(days=10))
    >>> d.status, d.closed_at == t0 + timedelta(days=10)
    (<DealStatus.WON: 'won'>, True)
    """

    id: str
    pipeline_id: str
    title: str
    value: Money
    stage: str
    status: DealStatus
    created_at: datetime
    changed_at: datetime
    contact_id: str | None = None
    organization_id: str | None = None
    owner: str | None = None
    expected_close: date | None = None
    closed_at: datetime | None = None
    lost_reason: str | None = None
    version: int = 1


def _when(deal: Deal | None, at: Any) -> datetime:
    when = ensure_aware(at, "at")
    if deal is not None and when < deal.changed_at:
        raise InvalidDatetimeError(
            "at", at, f"earlier than the deal's last change ({deal.changed_at.isoformat()})"
        )
    return when


def _change(
    deal: Deal, from_stage: str | None, to_stage: str, at: datetime, by: Any
) -> StageChange:
    who = clean_text("by", by)
    return StageChange(new_id(), deal.id, deal.pipeline_id, from_stage, to_stage, at, who)


def _step(
    deal: Deal, from_stage: str, to_stage: str, at: datetime, by: Any, **changes: Any
) -> tuple[Deal, StageChange]:
    """The deal after a transition at *at* (one version on, *changes* applied) and the stage
    change that records it."""
    new = attrs.evolve(deal, changed_at=at, version=deal.version + 1, **changes)
    return new, _change(deal, from_stage, to_stage, at, by)


def open_deal(
    pipeline: Pipeline,
    *,
    title: str,
    value: Money,
    at: Any,
    contact_id: str | None = None,
    organization_id: str | None = None,
    owner: str | None = None,
    expected_close: Any = None,
    stage: str | None = None,
    by: str | None = None,
    id: str | None = None,
) -> tuple[Deal, StageChange]:
    """A new open deal in its first (or the given) stage, and the change that records it.

    >>> from datetime import UTC, datetime
    >>> p = Pipeline.new("Sales", ["New", "Qualified"])
    >>> open_deal(p, title="X", value=Money("-1", "EUR"), contact_id="c",
    ...           at=datetime(2026, 1, 1, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidMoneyError: invalid value Money('-1', 'EUR'): a deal's value cannot \
be negative
    """
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title", title, "a deal needs a title")
    name = clean_text("title", title, required=True)
    who = clean_text("owner", owner)
    if not isinstance(value, Money):
        raise InvalidMoneyError("value", value, "pass crmkit.Money(amount, currency)")
    if value.amount < 0:
        raise InvalidMoneyError("value", value, "a deal's value cannot be negative")
    if contact_id is None and organization_id is None:
        raise ValidationError("contact_id", None, "a deal belongs to a contact or organization")
    contact_id = clean_text("contact_id", contact_id)
    organization_id = clean_text("organization_id", organization_id)
    first = (
        pipeline.stages[0].name if stage is None else pipeline.stages[pipeline.index(stage)].name
    )
    when = _when(None, at)
    close = None if expected_close is None else ensure_date(expected_close, "expected_close")
    deal = Deal(
        id=id or new_id(),
        pipeline_id=pipeline.id,
        title=name or "",
        value=value,
        stage=first,
        status=DealStatus.OPEN,
        created_at=when,
        changed_at=when,
        contact_id=contact_id,
        organization_id=organization_id,
        owner=who,
        expected_close=close,
    )
    return deal, _change(deal, None, first, when, by)


def _same_pipeline(deal: Deal, pipeline: Pipeline) -> None:
    if deal.pipeline_id != pipeline.id:
        raise ValidationError(
            "pipeline_id", pipeline.id, f"deal {deal.id!r} belongs to {deal.pipeline_id!r}"
        )


def _require_open(deal: Deal, action: str) -> None:
    if deal.status is not DealStatus.OPEN:
        raise InvalidTransitionError(
            "status",
            deal.status.value,
            f"a {deal.status.value} deal cannot {action}; reopen it first",
        )


def move(
    deal: Deal, pipeline: Pipeline, stage: str, *, at: Any, by: str | None = None
) -> tuple[Deal, StageChange]:
    """Move an open deal to *stage* (forward skips count as passing through; backward is
    allowed and recorded)."""
    _require_open(deal, "move")
    _same_pipeline(deal, pipeline)
    target = pipeline.stages[pipeline.index(stage)].name
    if target == deal.stage:
        raise InvalidTransitionError("stage", stage, "the deal is already in that stage")
    when = _when(deal, at)
    return _step(deal, deal.stage, target, when, by, stage=target)


def win(deal: Deal, *, at: Any, by: str | None = None) -> tuple[Deal, StageChange]:
    """Close an open deal as won (from whatever stage it stands in)."""
    _require_open(deal, "be won")
    when = _when(deal, at)
    return _step(deal, deal.stage, "won", when, by, status=DealStatus.WON, closed_at=when)


def lose(deal: Deal, *, reason: str, at: Any, by: str | None = None) -> tuple[Deal, StageChange]:
    """Close an open deal as lost; the *reason* is required (it feeds the lost-reasons
    report), and the deal keeps the stage it was lost from."""
    _require_open(deal, "be lost")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", reason, "losing a deal needs a reason")
    why = clean_text("reason", reason, required=True, limit=LONG_TEXT)
    when = _when(deal, at)
    return _step(
        deal, deal.stage, "lost", when, by, status=DealStatus.LOST, closed_at=when, lost_reason=why
    )


def reopen(
    deal: Deal, pipeline: Pipeline, *, at: Any, stage: str | None = None, by: str | None = None
) -> tuple[Deal, StageChange]:
    """Reopen a closed deal, in the stage it closed from unless another is given."""
    if deal.status is DealStatus.OPEN:
        raise InvalidTransitionError("status", "open", "the deal is already open")
    _same_pipeline(deal, pipeline)
    target = deal.stage if stage is None else pipeline.stages[pipeline.index(stage)].name
    when = _when(deal, at)
    return _step(
        deal,
        deal.status.value,
        target,
        when,
        by,
        status=DealStatus.OPEN,
        stage=target,
        closed_at=None,
        lost_reason=None,
    )
