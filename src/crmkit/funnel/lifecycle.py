"""Contact lifecycle stages: from subscriber to loyal customer, with every change and its reason.

A marketing list enters as subscribers; each qualification step, disqualification ("bounced",
"not our market") and churn is a :class:`LifecycleChange`, so the cleaning of a list can be
measured with the same funnel report as deals (:func:`crmkit.funnel.lifecycle_report`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import ensure_aware, new_id
from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError
from crmkit.funnel.facts import FunnelFacts, Tally, month_of

__all__ = ["LifecycleChange", "LifecycleStages", "change_lifecycle", "lifecycle_facts"]

DEFAULT_STAGES = (
    "subscriber",
    "lead",
    "marketing-qualified",
    "sales-qualified",
    "opportunity",
    "customer",
    "loyal",
)
DEFAULT_EXITS = ("churned", "disqualified")


def _names(field: str, values: Iterable[Any]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ValidationError(field, values, "a list of stage names, not one string")
    out = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise ValidationError(field, v, "stage names are non-empty strings")
        out.append(" ".join(v.split()).casefold())
    return tuple(out)


@attrs.frozen
class LifecycleStages:
    """The ordered lifecycle of a workspace, its exit stages, and the stage that counts as won.

    >>> s = LifecycleStages.default()
    >>> s.stages[:3], s.exits, s.customer
    (('subscriber', 'lead', 'marketing-qualified'), ('churned', 'disqualified'), 'customer')
    >>> LifecycleStages.of(["visitor", "lead", "customer"]).index("Lead")
    1
    """

    stages: tuple[str, ...] = DEFAULT_STAGES
    exits: tuple[str, ...] = DEFAULT_EXITS
    customer: str = "customer"

    @classmethod
    def default(cls) -> LifecycleStages:
        return cls()

    @classmethod
    def of(
        cls,
        stages: Iterable[str],
        *,
        exits: Iterable[str] = DEFAULT_EXITS,
        customer: str | None = None,
    ) -> LifecycleStages:
        """Validated stages (case-insensitive, stored lower-case); ``customer`` defaults to
        ``"customer"`` when present, else the last stage."""
        ordered, out = _names("stages", stages), _names("exits", exits)
        if not ordered:
            raise ValidationError("stages", [], "a lifecycle needs at least one stage")
        every = ordered + out
        if len(set(every)) != len(every):
            raise ValidationError("stages", list(every), "stage names repeat")
        if customer is None:
            goal = "customer" if "customer" in ordered else ordered[-1]
        else:
            goal = _names("customer", [customer])[0]
            if goal not in ordered:
                raise ValidationError("customer", customer, "not one of the ordered stages")
        return cls(ordered, out, goal)

    def canonical(self, stage: Any) -> str:
        """The stored spelling of *stage*; ``ValidationError`` when it is not a stage."""
        name = " ".join(stage.split()).casefold() if isinstance(stage, str) else None
        if name is None or (name not in self.stages and name not in self.exits):
            raise ValidationError(
                "lifecycle_stage", stage, f"not one of {self.stages + self.exits}"
            )
        return name

    def index(self, stage: str) -> int:
        """Position of an ordered stage (exit stages have none)."""
        name = self.canonical(stage)
        if name in self.exits:
            raise ValidationError("lifecycle_stage", stage, "an exit stage has no position")
        return self.stages.index(name)


@attrs.frozen
class LifecycleChange:
    """One lifecycle step of a contact; ``from_stage`` is None for the first one."""

    id: str
    contact_id: str
    from_stage: str | None
    to_stage: str
    at: datetime
    by: str | None = None
    reason: str | None = None


def change_lifecycle(
    contact: Contact,
    to: str,
    *,
    at: Any,
    stages: LifecycleStages | None = None,
    previous: LifecycleChange | None = None,
    by: str | None = None,
    reason: str | None = None,
) -> tuple[Contact, LifecycleChange]:
    """Move *contact* to lifecycle stage *to*; returns the next contact version and the change.

    Backward steps are allowed and recorded; exit stages (churned, disqualified) need a reason;
    *at* may not precede the contact's *previous* change.

    >>> from datetime import UTC
    >>> c = Contact.new(name="Besa", now=datetime(2026, 1, 5, tzinfo=UTC))
    >>> c, first = change_lifecycle(c, "subscriber", at=datetime(2026, 1, 5, tzinfo=UTC))
    >>> c, step = change_lifecycle(c, "disqualified", at=datetime(2026, 1, 9, tzinfo=UTC),
    ...                            previous=first, reason="bounced")
    >>> c.lifecycle_stage, step.from_stage, step.reason
    ('disqualified', 'subscriber', 'bounced')
    """
    stages = stages or LifecycleStages.default()
    target = stages.canonical(to)
    when = ensure_aware(at, "at")
    current = contact.lifecycle_stage
    if current is not None:
        # A value from before these stages were configured (an import) is recorded as it
        # was, so the contact can still be moved onto the configured lifecycle.
        current = " ".join(current.split()).casefold()
    if previous is not None:
        if previous.contact_id != contact.id:
            raise ValidationError("previous", previous.id, "a change of another contact")
        if when < previous.at:
            raise InvalidDatetimeError(
                "at", at, f"earlier than the contact's last change ({previous.at.isoformat()})"
            )
    if target == current:
        raise InvalidTransitionError("lifecycle_stage", to, "the contact is already there")
    cause = reason.strip() if isinstance(reason, str) and reason.strip() else None
    if reason is not None and not isinstance(reason, str):
        raise ValidationError("reason", reason, "a reason is text")
    if target in stages.exits and cause is None:
        raise ValidationError("reason", reason, f"moving a contact to {target} needs a reason")
    new = contact.changed(lifecycle_stage=target, now=when)
    return new, LifecycleChange(new_id(), contact.id, current, target, when, by, cause)


def lifecycle_facts(
    stages: LifecycleStages,
    changes: Iterable[LifecycleChange],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cohort: str | None = None,
) -> FunnelFacts:
    """Funnel facts of the contacts whose first change falls in ``[since, until)``.

    A contact covers the ordered stages between the lowest and highest it stood in; it is
    *won* once it reached ``stages.customer`` (its cycle ends there), *lost* when it now stands
    in an exit stage without having been won. Exits count in ``lost_here`` of the stage they
    left, whatever came before.
    """
    index = {n: i for i, n in enumerate(stages.stages)}
    goal = index[stages.customer]
    by_contact: dict[str, list[LifecycleChange]] = defaultdict(list)
    for c in changes:
        by_contact[c.contact_id].append(c)
    tally = Tally(stages.stages)
    for history in by_contact.values():
        history.sort(key=lambda c: (c.at, c.id))
        first = history[0]
        if (since is not None and first.at < since) or (until is not None and first.at >= until):
            continue
        if cohort is not None and month_of(first.at) != cohort:
            continue
        visited = [index[c.to_stage] for c in history if c.to_stage in index]
        if first.from_stage in index:
            visited.append(index[first.from_stage])
        if not visited:
            continue
        reached = None
        exit_stage = None
        for before, after in itertools.pairwise(history):
            if before.to_stage in index:
                tally.stays[index[before.to_stage]].append(after.at - before.at)
        for c in history:
            if reached is None and index.get(c.to_stage, -1) >= goal:
                reached = c.at
        end = history[-1]
        if end.to_stage in stages.exits:
            exit_stage = index.get(end.from_stage or "", max(visited))
        tally.add(
            min(visited),
            max(visited),
            moved_past_hi=False,
            won=reached is not None,
            lost=exit_stage is not None,
            exit_stage=exit_stage,
            reason=end.reason,
            created_at=first.at,
            closed_at=reached,
            value=None,
        )
    return tally.facts()
