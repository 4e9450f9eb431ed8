"""Contracts: a term (``starts_on`` to ``ends_on``) with a value, a renewal mode and a notice.

Statuses::

    draft ──► sent ──► signed ══► active ══► ended      (══► read from the dates)
      │         │        │
      └─────────┴────────┴──► terminated

``draft``, ``sent``, ``signed`` and ``terminated`` are stored; ``active`` and ``ended``
are read from the dates (:meth:`Contract.status_on`): a signed contract is active from
``starts_on`` through ``ends_on`` and ended after it, with no write on those days. A
renewal (:func:`renew`) moves ``ends_on`` later on the same record and keeps the previous
end in ``renewals``; a renewed contract reads as active again. Signing a terminated
contract, or one signed already, is an :class:`~crmkit.errors.InvalidTransitionError`.

>>> from datetime import UTC, date, datetime, timedelta
>>> k = Contract.new("c-1", title="Support 2027", starts_on=date(2027, 1, 1),
...                  ends_on=date(2027, 12, 31), value=Money("1200.00", "EUR"),
...                  renewal="auto", notice=timedelta(days=30),
...                  at=datetime(2026, 11, 2, tzinfo=UTC))
>>> k = sign(k, at=datetime(2026, 11, 3, tzinfo=UTC), signed_by="Besa Kola")
>>> [k.status_on(date(y, m, 1)).value for y, m in ((2026, 12), (2027, 6), (2028, 1))]
['signed', 'active', 'ended']
>>> k.notice_on.isoformat()
'2027-12-01'
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from crmkit._text_limits import LONG_TEXT, clean_text
from crmkit._types import Money, check_duration, ensure_aware, ensure_day, new_id
from crmkit.customer_file.products import check_price
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError

__all__ = [
    "Contract",
    "ContractStatus",
    "Renewal",
    "RenewalMode",
    "renew",
    "send",
    "sign",
    "terminate",
]


class ContractStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    SIGNED = "signed"
    ACTIVE = "active"  # read only: a signed contract within its term
    ENDED = "ended"  # read only: a signed contract after its term
    TERMINATED = "terminated"


class RenewalMode(enum.StrEnum):
    """``auto`` renews unless notice is given, ``manual`` needs a decision, ``none`` ends."""

    AUTO = "auto"
    MANUAL = "manual"
    NONE = "none"

    @classmethod
    def parse(cls, value: Any) -> RenewalMode:
        try:
            return cls(value.strip().lower() if isinstance(value, str) else value)
        except ValueError:
            raise ValidationError("renewal", value, "expected auto, manual or none") from None


@attrs.frozen
class Renewal:
    """The term was extended at ``at`` from ``previous_ends_on`` to ``ends_on``."""

    previous_ends_on: date
    ends_on: date
    at: datetime


@attrs.frozen
class Contract:
    """One contract of one contact (``None`` once erased: dates and value are kept)."""

    id: str
    contact_id: str | None
    version: int
    title: str
    starts_on: date
    ends_on: date
    value: Money
    renewal: RenewalMode
    notice: timedelta
    status: ContractStatus
    created_at: datetime
    updated_at: datetime
    quote_id: str | None = None
    sent_at: datetime | None = None
    signed_at: datetime | None = None
    signed_by: str | None = None
    terminated_at: datetime | None = None
    termination_reason: str | None = None
    renewals: tuple[Renewal, ...] = ()

    @classmethod
    def new(
        cls,
        contact_id: str,
        *,
        title: Any,
        starts_on: Any,
        ends_on: Any,
        value: Any,
        renewal: Any,
        notice: Any,
        at: datetime,
        quote_id: str | None = None,
    ) -> Contract:
        start, end = ensure_day(starts_on, "starts_on"), ensure_day(ends_on, "ends_on")
        if end < start:
            raise InvalidDatetimeError("ends_on", ends_on, f"before starts_on ({start})")
        when = ensure_aware(at, "at")
        name = clean_text("title", title, required=True)
        assert name is not None
        return cls(
            id=new_id(),
            contact_id=contact_id,
            version=1,
            title=name,
            starts_on=start,
            ends_on=end,
            value=check_price(value, "value"),
            renewal=RenewalMode.parse(renewal),
            notice=check_notice(notice),
            status=ContractStatus.DRAFT,
            created_at=when,
            updated_at=when,
            quote_id=quote_id,
        )

    @property
    def notice_on(self) -> date:
        """The last day to give notice: ``ends_on`` less the notice period."""
        return self.ends_on - self.notice

    @property
    def last_move(self) -> datetime | None:
        """When it was last sent, signed, renewed or terminated: a later move may not be
        dated before it (but may be dated before ``created_at``: a contract signed last
        month is entered today)."""
        moves = [self.sent_at, self.signed_at, self.terminated_at]
        moves += [r.at for r in self.renewals]
        return max((m for m in moves if m is not None), default=None)

    def status_on(self, day: date) -> ContractStatus:
        """The status as read on *day* (``active`` and ``ended`` come from the dates)."""
        if self.status is not ContractStatus.SIGNED or day < self.starts_on:
            return self.status
        return ContractStatus.ACTIVE if day <= self.ends_on else ContractStatus.ENDED


def check_notice(value: Any) -> timedelta:
    notice = check_duration(value, "notice")
    if notice % timedelta(days=1):
        raise ValidationError("notice", value, "expected whole days")
    return notice


def _next(contract: Contract, at: Any, **changes: Any) -> Contract:
    when = ensure_aware(at, "at")
    last = contract.last_move
    if last is not None and when < last:
        raise InvalidDatetimeError("at", at, f"earlier than the contract's last move ({last})")
    changed = max(contract.updated_at, when)
    return attrs.evolve(contract, updated_at=changed, version=contract.version + 1, **changes)


def _refuse(contract: Contract, to: str, *allowed: ContractStatus) -> None:
    if contract.status not in allowed:
        raise InvalidTransitionError(
            "status", to, f"a {contract.status.value} contract cannot be {to}"
        )


def send(contract: Contract, *, at: Any) -> Contract:
    _refuse(contract, "sent", ContractStatus.DRAFT)
    return _next(contract, at, status=ContractStatus.SENT, sent_at=ensure_aware(at, "at"))


def sign(contract: Contract, *, at: Any, signed_by: Any) -> Contract:
    _refuse(contract, "signed", ContractStatus.DRAFT, ContractStatus.SENT)
    who = clean_text("signed_by", signed_by, required=True)
    return _next(
        contract, at, status=ContractStatus.SIGNED, signed_at=ensure_aware(at, "at"), signed_by=who
    )


def renew(contract: Contract, *, ends_on: Any, at: Any) -> Contract:
    """Extend a signed contract's term to *ends_on* (later than the current end)."""
    _refuse(contract, "renewed", ContractStatus.SIGNED)
    end = ensure_day(ends_on, "ends_on")
    if end <= contract.ends_on:
        raise InvalidDatetimeError(
            "ends_on", ends_on, f"not after the current end ({contract.ends_on})"
        )
    when = ensure_aware(at, "at")
    step = Renewal(contract.ends_on, end, when)
    return _next(contract, at, ends_on=end, renewals=(*contract.renewals, step))


def terminate(contract: Contract, *, at: Any, reason: Any) -> Contract:
    """End the contract now, whatever its term; a reason is required."""
    _refuse(
        contract, "terminated", ContractStatus.DRAFT, ContractStatus.SENT, ContractStatus.SIGNED
    )
    why = clean_text("reason", reason, required=True, limit=LONG_TEXT)
    return _next(
        contract,
        at,
        status=ContractStatus.TERMINATED,
        terminated_at=ensure_aware(at, "at"),
        termination_reason=why,
    )


def anonymised(contract: Contract) -> Contract:
    """What an erasure keeps: the dates, value, renewal terms and status, without the
    signer's name, the title or the termination reason (free text may name the person)."""
    return attrs.evolve(contract, title="(erased)", signed_by=None, termination_reason=None)
