"""Date-driven automation rules: birthdays, purchase anniversaries, silence, rotting deals and
overdue tasks. Each rule, evaluated for one day over plain inputs, yields actions (create a
task, queue a message) carrying an idempotency key ``rule:subject:date``; the runner in
:mod:`crmkit.tasks.runner` commits each action once.

Contact rules see one :class:`ContactDates` at a time, so a pass streams contacts without
holding them all.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import attrs

from crmkit._types import (
    LONGEST_DAYS,
    JSONValue,
    check_duration,
    ensure_aware,
    ensure_date,
    ensure_day,
    new_id,
)
from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.funnel.deal import Deal
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.task import Priority, Task
from crmkit.tasks.transitions import create_task
from crmkit.tasks.users import UserDirectory, zone

__all__ = [
    "Action",
    "AutomationContext",
    "BirthdayGreeting",
    "ContactDates",
    "ContactRule",
    "CreateTask",
    "DealRotting",
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


def automation_key(rule: str, subject: str, on: date) -> str:
    """The idempotency key of one action: the same rule, subject and day never act twice.

    >>> automation_key("birthday", "c1", date(2028, 2, 29))
    'birthday:c1:2028-02-29'
    """
    return f"{rule}:{subject}:{on.isoformat()}"


def subject_of(key: str) -> str | None:
    """The subject of an :func:`automation_key` (rule names may hold ``:``, subjects not).

    >>> subject_of("birthday:c1:2028-02-29"), subject_of("not a key")
    ('c1', None)
    """
    head, sep, day = key.rpartition(":")
    if not sep or len(day) != 10:
        return None
    rule, sep, subject = head.rpartition(":")
    return subject if sep and rule else None


@attrs.frozen(slots=True)
class ContactDates:
    """The dates automation needs about one contact (cheap to build for millions)."""

    contact_id: str
    birthday: date | None = None
    first_purchase: date | None = None
    last_contact: date | None = None
    owner: str | None = None
    name: str | None = None

    @classmethod
    def from_contact(
        cls, contact: Contact, *, first_purchase: Any = None, last_contact: Any = None
    ) -> ContactDates:
        """From a :class:`~crmkit.contacts.Contact` plus its ledger and timeline dates."""
        return cls(
            contact.id, contact.birthday,
            None if first_purchase is None else ensure_date(first_purchase, "first_purchase"),
            None if last_contact is None else ensure_date(last_contact, "last_contact"),
            contact.owner, contact.name,
        )  # fmt: skip


Assign = Callable[[str | None, str | None], str | None]
"""``assign(team, contact_id)``: a routing decision for a task nobody owns, or ``None``."""


@attrs.frozen
class AutomationContext:
    """The day being evaluated, the moment "now" (for overdue checks), the zone in which
    created tasks fall due when their assignee's zone is unknown, the user directory, and
    ``assign``, which routes task actions that have no assignee, owner or fallback."""

    on: date
    now: datetime
    timezone: str = "UTC"
    directory: UserDirectory | None = None
    assign: Assign | None = attrs.field(default=None, eq=False)

    @classmethod
    def for_day(
        cls, on: Any, *, now: Any = None, timezone: str = "UTC",
        directory: UserDirectory | None = None, assign: Assign | None = None,
    ) -> AutomationContext:  # fmt: skip
        """*now* defaults to the start of *on* in *timezone* (midnight), so a morning run
        escalates only what was already late when the day began; pass the real clock to
        count the day's own hours.

        >>> AutomationContext.for_day("2026-03-10", timezone="Europe/Tirane").now.isoformat()
        '2026-03-09T23:00:00+00:00'
        """
        day = ensure_day(on, "on")
        tz = zone(timezone)
        if now is None:
            try:
                at = ensure_aware(datetime.combine(day, time(0), tzinfo=tz), "now")
            except InvalidDatetimeError as exc:
                raise InvalidDatetimeError("on", on, exc.reason) from None
        else:
            at = ensure_aware(now, "now")
        return cls(day, at, tz.key, directory, assign)


@attrs.frozen
class CreateTask:
    key: str
    rule: str
    task: Task


@attrs.frozen
class QueueMessage:
    key: str
    rule: str
    message: QueuedMessage


@attrs.frozen
class Unassigned:
    """A task action with nobody to give it to (no assignee, owner or fallback).

    When the day has an ``AutomationContext.assign``, the runner calls :meth:`route` once it
    knows the key is not done yet, and creates the task if someone is chosen.
    """

    key: str
    rule: str
    team: str | None = None
    contact_id: str | None = None
    fallback: str | None = None
    build: Callable[[str], CreateTask] | None = attrs.field(default=None, eq=False, repr=False)

    def route(self, ctx: AutomationContext) -> CreateTask | None:
        """The task for whoever ``ctx.assign`` picks (else the fallback), or ``None``."""
        if self.build is None:
            return None
        who = ctx.assign(self.team, self.contact_id) if ctx.assign is not None else None
        who = who or self.fallback
        return None if who is None else self.build(who)


Action = CreateTask | QueueMessage | Unassigned


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@attrs.frozen
class SendMessage:
    """Then: queue *template* for the contact in the outbox."""

    template: str
    channel: str | None = None

    def build(self, ctx: AutomationContext, *, rule: str, key: str, contact_id: str,
              owner: str | None, fields: Mapping[str, Any]) -> QueueMessage:  # fmt: skip
        data: dict[str, JSONValue] = {k: v for k, v in fields.items() if _json_scalar(v)}
        msg = QueuedMessage(new_id(), key, rule, contact_id, self.template, ctx.on,
                            self.channel, data)  # fmt: skip
        return QueueMessage(key, rule, msg)


def _json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


@attrs.frozen
class MakeTask:
    """Then: create a task titled *title* (``str.format`` fields: ``name``, ``contact_id``,
    ``title``, ``years``, ``days``...), due *due_time* on the day in the assignee's zone.

    The assignee is *assignee* if given, else the subject's owner (contact owner, deal owner,
    the overdue task's team lead), else whoever ``AutomationContext.assign`` routes to within
    *team*, else *fallback*. With a user directory, unknown or inactive people are passed
    over. With nobody left, the action is reported as :class:`Unassigned` instead of created.
    """

    title: str
    assignee: str | None = None
    fallback: str | None = None
    due_time: time = time(10)
    priority: Priority = Priority.NORMAL
    kind: str | None = None
    team: str | None = None

    def build(self, ctx: AutomationContext, *, rule: str, key: str, contact_id: str | None,
              owner: str | None, fields: Mapping[str, Any],
              deal_id: str | None = None) -> CreateTask | Unassigned:  # fmt: skip
        directory = ctx.directory

        def may(who: str | None) -> bool:
            if who is None or directory is None:
                return who is not None
            return who in directory and directory.get(who).active

        def make(who: str) -> CreateTask:
            tzname = ctx.timezone
            if directory is not None and who in directory:
                tzname = directory.get(who).timezone
            due = datetime.combine(ctx.on, self.due_time, tzinfo=zone(tzname))
            task = create_task(
                self.title.format_map(_Fields(fields)), assignee=who, at=ctx.now, due=due,
                created_by=f"automation:{rule}", priority=self.priority, kind=self.kind,
                contact_id=contact_id, deal_id=deal_id, directory=directory, team=self.team,
            )  # fmt: skip
            return CreateTask(key, rule, task)

        for who in (self.assignee, owner):
            if may(who):
                assert who is not None
                return make(who)
        fallback = self.fallback if may(self.fallback) else None
        if ctx.assign is None and fallback is not None:
            return make(fallback)
        # Routing comes before the fallback, and only once the runner knows the key is new
        # (a round robin turn must not be spent on an action that is already done).
        return Unassigned(key, rule, self.team, contact_id, fallback,
                          make if ctx.assign is not None else None)  # fmt: skip


Then = SendMessage | MakeTask


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


def _then(rule: str, then: Then, ctx: AutomationContext, c: ContactDates,
          fields: dict[str, Any]) -> Action | None:  # fmt: skip
    key = automation_key(rule, c.contact_id, fields.pop("_on", ctx.on))
    fields.update(name=c.name or "", contact_id=c.contact_id)
    return then.build(ctx, rule=rule, key=key, contact_id=c.contact_id, owner=c.owner,
                      fields=fields)  # fmt: skip


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
            action = self.then.build(ctx, rule=self.name, key=key, contact_id=d.contact_id,
                                     owner=d.owner, fields=fields, deal_id=d.id)  # fmt: skip
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
            action = self.then.build(ctx, rule=self.name, key=key, contact_id=t.contact_id,
                                     owner=lead, fields=fields, deal_id=t.deal_id)  # fmt: skip
            yield action
