"""Date-driven automation rules: birthdays, purchase anniversaries, silence, rotting deals and
overdue tasks. Each rule, evaluated for one day over plain inputs, yields actions (create a
task, queue a message) carrying an idempotency key ``rule:subject:date``; the runner in
:mod:`crmkit.tasks.runner` commits each action once.

Contact rules see one :class:`ContactDates` at a time, so a pass streams contacts without
holding them all.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any, Protocol

import attrs

from crmkit._types import (
    LONGEST_DAYS,
    check_duration,
)
from crmkit.errors import ValidationError
from crmkit.funnel.deal import Deal
from crmkit.tasks.actions import (
    Action,
    AutomationContext,
    Committable,
    ContactDates,
    CreateTask,
    Grant,
    MakeTask,
    QueueMessage,
    SendMessage,
    Then,
    Unassigned,
    automation_key,
    subject_of,
)
from crmkit.tasks.task import Priority, Task

__all__ = [
    "Action",
    "AutomationContext",
    "BirthdayGreeting",
    "Committable",
    "ContactDates",
    "ContactRule",
    "CreateTask",
    "DealRotting",
    "Grant",
    "MakeTask",
    "NoContactFor",
    "OverdueEscalation",
    "PurchaseAnniversary",
    "QueueMessage",
    "SendMessage",
    "Unassigned",
    "automation_key",
    "subject_of",
]


class ContactRule(Protocol):
    """A rule over contacts: ``prepare`` returns a per-contact function for the day."""

    @property
    def name(self) -> str: ...

    def prepare(self, ctx: AutomationContext) -> Callable[[ContactDates], Action | None]: ...


def _same_day_targets(on: date, leap_day: str) -> frozenset[tuple[int, int]]:
    # 29 February celebrates on 28 February (or 1 March) in common years.
    targets = {(on.month, on.day)}
    stand_in = (2, 28) if leap_day == "feb28" else (3, 1)
    if not calendar.isleap(on.year) and (on.month, on.day) == stand_in:
        targets.add((2, 29))
    return frozenset(targets)


def _leap_day(value: Any) -> str:
    if value not in ("feb28", "mar1"):
        raise ValidationError("leap_day", value, "expected 'feb28' or 'mar1'")
    return str(value)


def _then(
    rule: str, then: Then, ctx: AutomationContext, c: ContactDates, fields: dict[str, Any]
) -> Action | None:
    key = automation_key(rule, c.contact_id, fields.pop("_on", ctx.on))
    fields.update(name=c.name or "", contact_id=c.contact_id)
    return then.build(
        ctx, rule=rule, key=key, contact_id=c.contact_id, owner=c.owner, fields=fields
    )


@attrs.frozen
class BirthdayGreeting:
    """On a contact's birthday (29 February: on 28 February in common years, or 1 March
    with ``leap_day="mar1"``).

    >>> ctx = AutomationContext.for_day(date(2027, 2, 28))
    >>> check = BirthdayGreeting().prepare(ctx)
    >>> check(ContactDates("c1", birthday=date(2000, 2, 29))).key
    'birthday:c1:2027-02-28'
    """

    then: Then = SendMessage("birthday")
    name: str = "birthday"
    leap_day: str = attrs.field(default="feb28", converter=_leap_day)

    def prepare(self, ctx: AutomationContext) -> Callable[[ContactDates], Action | None]:
        targets = _same_day_targets(ctx.on, self.leap_day)
        on_year = ctx.on.year

        def check(c: ContactDates) -> Action | None:
            b = c.birthday
            if b is None or (b.month, b.day) not in targets or b.year > on_year:
                return None
            return _then(self.name, self.then, ctx, c, {"age": on_year - b.year})

        return check


def _years(value: Iterable[int]) -> frozenset[int]:
    years = frozenset(value)
    if not years or not all(isinstance(n, int) and n >= 1 for n in years):
        raise ValidationError("years", value, "expected whole numbers of years >= 1")
    return years


@attrs.frozen
class PurchaseAnniversary:
    """On the N-th anniversary of a contact's first purchase, for N in ``years``."""

    then: Then = SendMessage("purchase_anniversary")
    years: frozenset[int] = attrs.field(default=frozenset({1}), converter=_years)
    name: str = "purchase_anniversary"
    leap_day: str = attrs.field(default="feb28", converter=_leap_day)

    def prepare(self, ctx: AutomationContext) -> Callable[[ContactDates], Action | None]:
        targets = _same_day_targets(ctx.on, self.leap_day)
        wanted = frozenset(ctx.on.year - n for n in self.years)

        def check(c: ContactDates) -> Action | None:
            f = c.first_purchase
            if f is None or f.year not in wanted or (f.month, f.day) not in targets:
                return None
            return _then(self.name, self.then, ctx, c, {"years": ctx.on.year - f.year})

        return check


def _day_count(field: str, value: Any, *, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValidationError(field, value, f"expected a whole number of days >= {least}")
    if value > LONGEST_DAYS:
        raise ValidationError(field, value, f"at most {LONGEST_DAYS} days (a hundred years)")
    return value


def _silence_days(value: Any) -> int:
    return _day_count("days", value, least=1)


def _catch_up_days(value: Any) -> int:
    return _day_count("catch_up_days", value)


@attrs.frozen
class NoContactFor:
    """When a contact has not been contacted for ``days`` days. The key's date is the day the
    silence reached ``days``, so the rule fires once per silence; it still fires on the
    following ``catch_up_days`` days, in case a daily run was missed."""

    days: int = attrs.field(converter=_silence_days)
    then: Then = MakeTask("Get back in touch with {name}")
    name: str = "no_contact"
    catch_up_days: int = attrs.field(default=7, converter=_catch_up_days)

    def prepare(self, ctx: AutomationContext) -> Callable[[ContactDates], Action | None]:
        latest = ctx.on - timedelta(days=self.days)
        earliest = latest - timedelta(days=self.catch_up_days)

        def check(c: ContactDates) -> Action | None:
            last = c.last_contact
            if last is None or not earliest <= last <= latest:
                return None
            anchor = last + timedelta(days=self.days)
            return _then(self.name, self.then, ctx, c, {"days": self.days, "_on": anchor})

        return check


@attrs.frozen
class DealRotting:
    """A task for the owner of each rotting deal (pass the output of
    :func:`crmkit.funnel.rotting_deals`); keyed by the day the deal entered its stage, so a
    deal rots once per stage."""

    then: MakeTask = MakeTask("Revive the deal '{title}'")
    name: str = "deal_rotting"

    def evaluate(self, ctx: AutomationContext, deals: Iterable[Deal]) -> Iterable[Action]:
        for d in deals:
            key = automation_key(self.name, d.id, d.changed_at.date())
            fields = {"title": d.title, "stage": d.stage, "contact_id": d.contact_id}
            action = self.then.build(
                ctx,
                rule=self.name,
                key=key,
                contact_id=d.contact_id,
                owner=d.owner,
                fields=fields,
                deal_id=d.id,
            )
            yield action


def _escalation_delay(value: Any) -> timedelta:
    return check_duration(value, "after")


@attrs.frozen
class OverdueEscalation:
    """Tell the team lead about open tasks overdue by more than ``after``; keyed by the
    task and its due day, so rescheduling and missing again escalates again."""

    then: MakeTask = MakeTask("Overdue: {title} ({assignee})", priority=Priority.HIGH)
    after: timedelta = attrs.field(default=timedelta(0), converter=_escalation_delay)
    name: str = "overdue_escalation"

    def evaluate(self, ctx: AutomationContext, tasks: Iterable[Task]) -> Iterable[Action]:
        directory = ctx.directory
        for t in tasks:
            if not t.is_open or t.due is None or t.due + self.after >= ctx.now:
                continue
            lead = None if directory is None else directory.lead_of(t.team)
            if lead is None and directory is not None and t.assignee in directory:
                lead = directory.lead_of(directory.get(t.assignee).team)
            if lead == t.assignee:
                lead = None
            key = automation_key(self.name, t.id, t.due.date())
            fields = {"title": t.title, "assignee": t.assignee, "task_id": t.id}
            action = self.then.build(
                ctx,
                rule=self.name,
                key=key,
                contact_id=t.contact_id,
                owner=lead,
                fields=fields,
                deal_id=t.deal_id,
            )
            yield action
