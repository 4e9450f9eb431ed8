"""Pure moves of a case: each takes a case and returns its next version, or raises and
changes nothing.

``at`` is when the change happened: timezone-aware, and not earlier than the case's last
change (a case cannot be resolved before it was opened). After every move the due times
are recomputed from the history (:mod:`crmkit.service.clocks`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import attrs

from crmkit._normalize import normalize_channel
from crmkit._text_limits import LONG_TEXT, clean_text
from crmkit._types import ensure_aware, new_id
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError
from crmkit.service.case import Case, CaseStatus, Rating, StatusChange, check_move
from crmkit.service.clocks import due_time
from crmkit.service.policy import SlaPolicy
from crmkit.service.reasons import check_reason_name
from crmkit.tasks.task import Priority

__all__ = [
    "anonymised",
    "assign",
    "close",
    "open_case",
    "rate",
    "reopen",
    "resolve",
    "respond",
    "set_status",
]


def _note(field: str, value: Any) -> str | None:
    return clean_text(field, value, limit=LONG_TEXT)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _settle(case: Case) -> Case:
    # Due times in UTC, as every other time of a case, so a case reads the same whether it
    # was just computed or read back from storage.
    return attrs.evolve(
        case,
        first_response_due=_utc(due_time(case, "first_response")),
        resolution_due=_utc(due_time(case, "resolution")),
    )


def _not_before(at: Any, earliest: datetime, what: str) -> datetime:
    """*at* as an aware UTC datetime, refused when earlier than *earliest* (*what* says)."""
    when = ensure_aware(at, "at")
    if when < earliest:
        raise InvalidDatetimeError("at", at, f"{what} ({earliest.isoformat()})")
    return when


def _when(case: Case, at: Any) -> datetime:
    return _not_before(at, case.updated_at, "earlier than the case's last change")


def _move(case: Case, to: CaseStatus, at: Any, by: Any, note: Any, **changes: Any) -> Case:
    check_move(case.status, to)
    when = _when(case, at)
    change = StatusChange(to, when, clean_text("by", by), _note("note", note))
    return _settle(
        attrs.evolve(
            case,
            status=to,
            history=(*case.history, change),
            updated_at=when,
            version=case.version + 1,
            **changes,
        )
    )


def open_case(
    contact_id: str,
    *,
    subject: Any,
    reason: Any,
    reasons: Collection[str],
    at: Any,
    sla: SlaPolicy | None,
    priority: Any = Priority.NORMAL,
    channel: Any = "other",
    by: Any = None,
    assignee: Any = None,
    deal_id: Any = None,
    asset_id: Any = None,
    contract_id: Any = None,
) -> Case:
    """A ``new`` case opened at *at*; *reason* must be one of *reasons*.

    >>> from datetime import UTC, datetime
    >>> case = open_case("c-1", subject="No signal", reason="question", reasons=["question"],
    ...                  at=datetime(2026, 11, 2, 9, tzinfo=UTC), sla=None)
    >>> case.status.value, case.first_response_due
    ('new', None)
    >>> open_case("c-1", subject="No signal", reason="warranty", reasons=["question"],
    ...           at=datetime(2026, 11, 2, 9, tzinfo=UTC), sla=None)
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid reason 'warranty': not a contact reason of this \
workspace (question); add it first
    """
    name = check_reason_name(reason)
    if name not in reasons:
        known = ", ".join(sorted(reasons))
        raise ValidationError(
            "reason", reason, f"not a contact reason of this workspace ({known}); add it first"
        )
    when = ensure_aware(at, "at")
    case = Case(
        id=new_id(),
        contact_id=clean_text("contact_id", contact_id, required=True),
        version=1,
        subject=clean_text("subject", subject, required=True, limit=LONG_TEXT) or "",
        reason=name,
        priority=Priority.parse(priority),
        channel=normalize_channel(channel),
        opened_at=when,
        updated_at=when,
        status=CaseStatus.NEW,
        history=(StatusChange(CaseStatus.NEW, when, clean_text("by", by)),),
        sla=sla,
        assignee=clean_text("assignee", assignee),
        deal_id=clean_text("deal_id", deal_id),
        asset_id=clean_text("asset_id", asset_id),
        contract_id=clean_text("contract_id", contract_id),
    )
    return _settle(case)


def respond(case: Case, *, at: Any, by: Any = None) -> Case:
    """The case after a reply at *at*. The first reply stops the first-response clock and
    moves a ``new`` case to ``open``; a later one changes nothing (the same case back)."""
    when = _not_before(at, case.opened_at, "before the case was opened")
    if case.first_responded_at is not None:
        return case
    who = clean_text("by", by)
    if case.status == CaseStatus.NEW:
        return _move(
            case, CaseStatus.OPEN, when, who, None, first_responded_at=when, first_responded_by=who
        )
    _when(case, when)
    return _settle(
        attrs.evolve(
            case,
            first_responded_at=when,
            first_responded_by=who,
            updated_at=when,
            version=case.version + 1,
        )
    )


def resolve(case: Case, *, at: Any, by: Any = None, resolution: Any = None) -> Case:
    """Resolved at *at*: the resolution clock stops. A case resolved before any reply counts
    the resolution as its first response (the customer got an answer)."""
    text = _note("resolution", resolution)
    changes: dict[str, Any] = {"resolved_at": ensure_aware(at, "at"), "resolution": text}
    if case.first_responded_at is None:
        who = clean_text("by", by)
        changes |= {"first_responded_at": changes["resolved_at"], "first_responded_by": who}
    return _move(case, CaseStatus.RESOLVED, at, by, text, **changes)


def reopen(case: Case, *, at: Any, by: Any = None, reason: Any = None) -> Case:
    """A resolved or closed case back to ``open``: the resolution clock resumes, and the
    time it spent resolved does not count. The last resolution stays in the history."""
    if not case.status.is_done:
        raise InvalidTransitionError(
            "status", case.status.value, "only a resolved or closed case can be reopened"
        )
    return _move(
        case, CaseStatus.OPEN, at, by, reason, resolved_at=None, resolution=None, closed_at=None
    )


def close(case: Case, *, at: Any, by: Any = None) -> Case:
    """A resolved case closed: final until a reopen."""
    return _move(case, CaseStatus.CLOSED, at, by, None, closed_at=ensure_aware(at, "at"))


def set_status(case: Case, status: Any, *, at: Any, by: Any = None, note: Any = None) -> Case:
    """Move to *status* by name (``"waiting_on_customer"`` pauses both clocks, ``"open"``
    resumes them); ``"resolved"``, ``"closed"`` and ``"open"`` from a resolved case are
    :func:`resolve`, :func:`close` and :func:`reopen`.

    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
    >>> case = open_case("c-1", subject="Bill", reason="billing", reasons=["billing"], at=t0,
    ...                  sla=None)
    >>> set_status(case, "closed", at=t0)
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidTransitionError: invalid status 'closed': a new case can go to open or \
resolved or waiting_on_customer only
    """
    to = CaseStatus.parse(status)
    if to == CaseStatus.RESOLVED:
        return resolve(case, at=at, by=by, resolution=note)
    if to == CaseStatus.CLOSED:
        check_move(case.status, to)
        return close(case, at=at, by=by)
    if to == CaseStatus.OPEN and case.status.is_done:
        return reopen(case, at=at, by=by, reason=note)
    if to == case.status:
        raise InvalidTransitionError("status", to.value, f"the case is {to.value} already")
    return _move(case, to, at, by, note)


def assign(case: Case, *, to: Any, at: Any) -> Case:
    """The case handed to user *to* at *at*."""
    who = clean_text("to", to, required=True)
    when = _when(case, at)
    return attrs.evolve(case, assignee=who, updated_at=when, version=case.version + 1)


def rate(case: Case, *, score: Any, at: Any, comment: Any = None) -> Case:
    """The customer's satisfaction score (1 to 5) for a resolved or closed case; a second
    rating replaces the first.

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
    >>> case = open_case("c-1", subject="Bill", reason="billing", reasons=["billing"], at=t0,
    ...                  sla=None)
    >>> rate(resolve(case, at=t0), score=6, at=t0)
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid score 6: expected a whole number from 1 to 5
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError("score", score, "expected a whole number from 1 to 5")
    if not case.status.is_done or case.resolved_at is None:
        raise InvalidTransitionError(
            "status", case.status.value, "only a resolved or closed case can be rated"
        )
    when = _not_before(at, case.resolved_at, "before the case was resolved")
    rating = Rating(score, when, _note("comment", comment))
    return attrs.evolve(case, rating=rating, version=case.version + 1)


def anonymised(case: Case) -> Case:
    """What stays of a case when its person is erased: counts and times for the service
    statistics; the subject, notes, resolution, comment and links to their records go."""
    return attrs.evolve(
        case,
        subject="",
        resolution=None,
        history=tuple(attrs.evolve(c, note=None) for c in case.history),
        rating=None if case.rating is None else attrs.evolve(case.rating, comment=None),
        deal_id=None,
        asset_id=None,
        contract_id=None,
    )
