"""Touchpoints: every message, call, visit or form, on one timeline per contact."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from crmkit._normalize import normalize_channel
from crmkit._text_limits import LONG_TEXT, SHORT_TEXT, check_text
from crmkit._types import ensure_aware, new_id, utcnow
from crmkit.errors import ValidationError

__all__ = ["Channel", "Direction", "Interaction"]


class Channel(enum.StrEnum):
    """Channels crmkit knows by name. Any other short lower-case name is accepted too."""

    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    WHATSAPP = "whatsapp"
    VIBER = "viber"
    TELEGRAM = "telegram"
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    WEBFORM = "webform"
    CHAT = "chat"
    VISIT = "visit"
    MEETING = "meeting"
    OTHER = "other"


class Direction(enum.StrEnum):
    """Who started the touchpoint: the customer (inbound) or the business (outbound)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


_DIRECTIONS = {d.value: d for d in Direction} | {d: d for d in Direction}


def _direction(value: Any) -> Direction:
    if isinstance(value, str) and value in _DIRECTIONS:
        return _DIRECTIONS[value]
    try:
        return Direction(value.strip().lower() if isinstance(value, str) else value)
    except ValueError as exc:
        raise ValidationError(
            "direction", value, "expected 'inbound', 'outbound' or 'internal'"
        ) from exc


def _opt_text(field: str, value: Any, limit: int = SHORT_TEXT) -> str | None:
    if value is None:
        return None
    # Plain ASCII without NUL is the common case of bulk loads: no further checks needed.
    if type(value) is str and value.isascii() and "\x00" not in value and len(value) <= limit:
        return value.strip() or None
    if not isinstance(value, str):
        raise ValidationError(field, value, "expected a string")
    check_text(field, value, limit=limit)
    return value.strip() or None


@attrs.frozen
class Interaction:
    """One touchpoint with a contact: what was asked, what was answered, who handled it.

    >>> from datetime import UTC, datetime
    >>> it = Interaction.new(contact_id="c1", channel="Instagram", direction="inbound",
    ...                      summary="Asked about the Gold package",
    ...                      occurred_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC))
    >>> it.channel, it.direction
    ('instagram', <Direction.INBOUND: 'inbound'>)
    """

    id: str
    contact_id: str
    channel: str
    direction: Direction
    occurred_at: datetime
    summary: str | None = None
    body: str | None = None
    handled_by: str | None = None
    outcome: str | None = None
    deal_id: str | None = None
    task_id: str | None = None
    created_at: datetime = attrs.field(factory=utcnow)
    # The identity key (``email:besa@example.al``) that :meth:`crmkit.CRM.record` found the
    # contact by, so that undoing a merge sends the message back with that identity.
    via: str | None = None

    @classmethod
    def new(
        cls,
        *,
        contact_id: str,
        channel: Any,
        direction: Any = Direction.INBOUND,
        occurred_at: Any = None,
        summary: Any = None,
        body: Any = None,
        handled_by: Any = None,
        outcome: Any = None,
        deal_id: Any = None,
        task_id: Any = None,
        id: str | None = None,
        now: datetime | None = None,
    ) -> Interaction:
        """Validate every field; ``occurred_at`` defaults to now."""
        created = ensure_aware(now, "now") if now is not None else utcnow()
        when = created if occurred_at is None else ensure_aware(occurred_at, "occurred_at")
        if not isinstance(contact_id, str) or not contact_id:
            raise ValidationError("contact_id", contact_id, "expected a contact id")
        return cls(
            id=id or new_id(),
            contact_id=contact_id,
            channel=normalize_channel(channel),
            direction=_direction(direction),
            occurred_at=when,
            summary=_opt_text("summary", summary, LONG_TEXT),
            body=_opt_text("body", body, LONG_TEXT),
            handled_by=_opt_text("handled_by", handled_by),
            outcome=_opt_text("outcome", outcome, LONG_TEXT),
            deal_id=_opt_text("deal_id", deal_id),
            task_id=_opt_text("task_id", task_id),
            created_at=created,
        )
