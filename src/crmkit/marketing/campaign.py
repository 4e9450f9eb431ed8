"""A campaign: a message on one channel for one consent purpose to a segment's members,
with a randomised holdout who are never messaged.

Everything here is pure. :class:`Campaign` is the definition (draft, then launched);
:class:`CampaignMember` records, per audience member, the group the seeded draw put them in
and whether they consented at send time; :class:`CampaignEvent` is what the provider said
happened afterwards (delivered, opened, ...). ``crm.campaigns`` stores them.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from crmkit._normalize import normalize_channel
from crmkit._text_limits import clean_text
from crmkit._types import JSONValue, Money, ensure_aware, new_id
from crmkit.errors import InvalidMoneyError, ValidationError
from crmkit.marketing._uplift import holdout_split
from crmkit.privacy.consent import DEFAULT_PURPOSES, check_purpose
from crmkit.tasks.automation import automation_key
from crmkit.tasks.outbox import QueuedMessage

__all__ = [
    "Campaign",
    "CampaignEvent",
    "CampaignMember",
    "CampaignStatus",
    "EventType",
    "Group",
    "LaunchRun",
    "anonymised_event",
    "campaign_message",
    "draw",
    "message_key",
]

_MAX_SEED = 2**63


class CampaignStatus(enum.Enum):
    DRAFT = "draft"
    #: The launch began; a rerun (after a crash) finishes it.
    LAUNCHING = "launching"
    LAUNCHED = "launched"


class Group(enum.Enum):
    TREATED = "treated"
    HELD_OUT = "held_out"


class EventType(enum.Enum):
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    CONVERTED = "converted"

    @classmethod
    def parse(cls, value: Any) -> EventType:
        """An event type from its name, or :class:`ValidationError` naming ``type``.

        >>> EventType.parse("opened")
        <EventType.OPENED: 'opened'>
        >>> EventType.parse("liked")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        crmkit.errors.ValidationError: invalid type 'liked': one of delivered, opened, ...
        """
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise ValidationError("type", value, f"one of {names}") from None


def _holdout(value: Any) -> Decimal:
    # holdout_split checks the share; an empty draw checks it without drawing anyone.
    holdout_split((), value, 0)
    return Decimal(value)


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _MAX_SEED:
        raise ValidationError("seed", value, "a whole number from 0 below 2**63")
    return value


@attrs.frozen
class Campaign:
    """A campaign's definition. ``audience`` is the segment's definition
    (:meth:`crmkit.segments.Segment.to_dict`), evaluated at launch time."""

    id: str
    name: str
    channel: str
    purpose: str
    audience: Mapping[str, JSONValue]
    holdout: Decimal
    seed: int
    created_at: datetime
    status: CampaignStatus = CampaignStatus.DRAFT
    launched_at: datetime | None = None

    @classmethod
    def new(
        cls,
        name: Any,
        *,
        channel: Any,
        audience: Mapping[str, JSONValue],
        purpose: Any,
        holdout: Any,
        seed: Any,
        at: datetime,
        purposes: Collection[str] = DEFAULT_PURPOSES,
    ) -> Campaign:
        """Validate every field: a blank name, an unknown purpose, a malformed channel, a
        holdout outside 0..0.5 or a bad seed raise an error naming the field.

        >>> from datetime import UTC
        >>> c = Campaign.new("Spring Gold", channel="Email", audience={"type": "everyone"},
        ...                  purpose="marketing_email", holdout=Decimal("0.1"), seed=7,
        ...                  at=datetime(2027, 3, 1, tzinfo=UTC))
        >>> c.channel, c.status.value
        ('email', 'draft')
        """
        return cls(
            id=new_id(),
            name=clean_text("name", name, required=True) or "",
            channel=normalize_channel(channel),
            purpose=check_purpose(purpose, purposes),
            audience=audience,
            holdout=_holdout(holdout),
            seed=_seed(seed),
            created_at=ensure_aware(at, "at"),
        )


@attrs.frozen
class CampaignMember:
    """One audience member of a launched campaign: the group the draw put them in, and
    whether they consented to the purpose on the channel at send time (checked for both
    groups, so the measured groups can be compared). ``contact_id`` is ``None`` once the
    person is erased; the record stays for the campaign's counts."""

    id: str
    campaign_id: str
    contact_id: str | None
    group: Group
    consented: bool
    at: datetime

    @property
    def messaged(self) -> bool:
        return self.group is Group.TREATED and self.consented


@attrs.frozen
class CampaignEvent:
    """Something that happened to a member's message, reported by the application.
    ``revenue`` and ``transaction_id`` only on ``converted`` events."""

    id: str
    campaign_id: str
    contact_id: str | None
    type: EventType
    at: datetime
    revenue: Money | None = None
    transaction_id: str | None = None

    @classmethod
    def new(
        cls,
        campaign_id: str,
        contact_id: str,
        type: Any,
        *,
        at: Any,
        revenue: Any = None,
        transaction_id: Any = None,
    ) -> CampaignEvent:
        kind = EventType.parse(type)
        when = ensure_aware(at, "at")
        if kind is not EventType.CONVERTED and (revenue, transaction_id) != (None, None):
            field, value = (
                ("revenue", revenue) if revenue is not None else ("transaction_id", transaction_id)
            )
            raise ValidationError(field, value, "only a converted event carries revenue")
        if revenue is not None and (not isinstance(revenue, Money) or revenue.amount < 0):
            raise InvalidMoneyError("revenue", revenue, "a Money amount of 0 or more")
        tid = clean_text("transaction_id", transaction_id)
        return cls(new_id(), campaign_id, contact_id, kind, when, revenue, tid)


@attrs.frozen
class LaunchRun:
    """What a campaign's launch did, in members: ``sent`` (treated and consenting: one
    outbox message each), ``held_out`` (never messaged) and ``skipped_no_consent`` (treated
    but without consent at send time). These are the launch's totals, the same however
    often it is called; ``queued`` counts the messages this call put in the outbox (0 when
    the campaign was launched already)."""

    campaign_id: str
    sent: int
    held_out: int
    skipped_no_consent: int
    queued: int


def anonymised_event(event: CampaignEvent) -> CampaignEvent:
    """What an erasure keeps of an event: its type, time and revenue, not the transaction
    (erased with the person)."""
    return attrs.evolve(event, transaction_id=None)


def draw(
    campaign: Campaign, contact_ids: Collection[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(treated, held_out)``: the campaign's seeded holdout draw over these ids
    (:func:`crmkit.marketing.holdout_split`)."""
    return holdout_split(contact_ids, campaign.holdout, campaign.seed)


def _rule(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def message_key(campaign: Campaign, contact_id: str) -> str:
    """The idempotency key of the campaign's message to one contact, in the automation's
    form (:func:`crmkit.tasks.automation.automation_key`), so an erasure removes it.

    >>> from datetime import UTC
    >>> c = Campaign("k1", "X", "email", "marketing_email", {}, Decimal(0), 1,
    ...              datetime(2027, 3, 1, tzinfo=UTC), launched_at=datetime(2027, 3, 2, tzinfo=UTC))
    >>> message_key(c, "c9")
    'campaign:k1:c9:2027-03-02'
    """
    assert campaign.launched_at is not None
    return automation_key(_rule(campaign.id), contact_id, _day(campaign.launched_at))


def _day(when: datetime) -> date:
    return when.date()


def campaign_message(campaign: Campaign, contact_id: str) -> QueuedMessage:
    """The outbox message for one treated, consenting member: the campaign's name is the
    template, the campaign's id in ``data``."""
    assert campaign.launched_at is not None
    return QueuedMessage(
        id=new_id(),
        key=message_key(campaign, contact_id),
        rule=_rule(campaign.id),
        contact_id=contact_id,
        template=campaign.name,
        send_on=_day(campaign.launched_at),
        channel=campaign.channel,
        data={"campaign_id": campaign.id},
    )
