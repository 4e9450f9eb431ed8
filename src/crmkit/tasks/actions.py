"""What automation acts with: the idempotency key of an action, the day's context, the
contact dates rules read, and the actions they yield (create a task, queue a message)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

import attrs

from crmkit._types import (
    JSONValue,
    ensure_aware,
    ensure_date,
    ensure_day,
    new_id,
)
from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.identity.normalize import normalize_channel
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.task import Priority, Task
from crmkit.tasks.transitions import create_task
from crmkit.tasks.users import UserDirectory, zone

__all__ = [
    "Action",
    "AutomationContext",
    "Committable",
    "ContactDates",
    "CreateTask",
    "Grant",
    "MakeTask",
    "QueueMessage",
    "SendMessage",
    "Then",
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
            contact.id,
            contact.birthday,
            None if first_purchase is None else ensure_date(first_purchase, "first_purchase"),
            None if last_contact is None else ensure_date(last_contact, "last_contact"),
            contact.owner,
            contact.name,
        )


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
        cls,
        on: Any,
        *,
        now: Any = None,
        timezone: str = "UTC",
        directory: UserDirectory | None = None,
        assign: Assign | None = None,
    ) -> AutomationContext:
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
    """Queue *message*, if its contact consents to *purpose* on the message's channel."""

    key: str
    rule: str
    message: QueuedMessage
    purpose: str = "marketing_email"


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


@attrs.frozen
class Grant:
    """Give *contact_id* something another capability keeps (loyalty points, a coupon):
    ``kind`` names what, ``data`` the details. Nothing is sent, so no consent is asked; the
    key store writes it in the transaction that records its key (``crm.automation`` hands
    it to the capability that knows the kind, :class:`InMemoryKeyStore` keeps it in
    ``grants``)."""

    key: str
    rule: str
    contact_id: str
    kind: str
    data: Mapping[str, JSONValue] = attrs.field(factory=dict)


Action = CreateTask | QueueMessage | Unassigned | Grant
#: What a key store commits: an action ready to be done.
Committable = CreateTask | QueueMessage | Grant


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# The channel a purpose names; other purposes (messaging apps, your own) need one given.
_OWN_CHANNEL = {
    "marketing_email": "email",
    "marketing_sms": "sms",
    "marketing_phone": "phone",
    "marketing_post": "post",
}


def _purpose(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError("purpose", value, "expected a consent purpose name")
    return value


def _own_channel(message: SendMessage) -> str:
    own = _OWN_CHANNEL.get(message.purpose)
    if own is None:
        reason = f"purpose {message.purpose!r} has no channel of its own; name one"
        raise ValidationError("channel", None, reason)
    return own


@attrs.frozen
class SendMessage:
    """Then: queue *template* for the contact in the outbox, on *channel*, if the contact
    consents to *purpose* on that channel at the run's ``now`` (and has not withdrawn since).

    *channel* defaults to the purpose's own (``email`` for ``marketing_email``, ``sms``,
    ``phone``, ``post``); other purposes need one.

    >>> SendMessage("birthday").channel, SendMessage("birthday", purpose="marketing_sms").channel
    ('email', 'sms')
    >>> SendMessage("birthday", purpose="marketing_messaging")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid channel None: purpose 'marketing_messaging' has no...
    """

    template: str
    # Before the channel, whose default it decides (keyword-only, so still given by name).
    purpose: str = attrs.field(default="marketing_email", converter=_purpose, kw_only=True)
    channel: str = attrs.field(
        default=attrs.Factory(_own_channel, takes_self=True), converter=normalize_channel
    )

    def build(
        self,
        ctx: AutomationContext,
        *,
        rule: str,
        key: str,
        contact_id: str,
        owner: str | None,
        fields: Mapping[str, Any],
    ) -> QueueMessage:
        data: dict[str, JSONValue] = {k: v for k, v in fields.items() if _json_scalar(v)}
        msg = QueuedMessage(
            new_id(), key, rule, contact_id, self.template, ctx.on, self.channel, data
        )
        return QueueMessage(key, rule, msg, self.purpose)


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

    def build(
        self,
        ctx: AutomationContext,
        *,
        rule: str,
        key: str,
        contact_id: str | None,
        owner: str | None,
        fields: Mapping[str, Any],
        deal_id: str | None = None,
    ) -> CreateTask | Unassigned:
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
                self.title.format_map(_Fields(fields)),
                assignee=who,
                at=ctx.now,
                due=due,
                created_by=f"automation:{rule}",
                priority=self.priority,
                kind=self.kind,
                contact_id=contact_id,
                deal_id=deal_id,
                directory=directory,
                team=self.team,
            )
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
        return Unassigned(
            key, rule, self.team, contact_id, fallback, make if ctx.assign is not None else None
        )


Then = SendMessage | MakeTask
