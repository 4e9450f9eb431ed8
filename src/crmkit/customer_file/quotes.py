"""Quotes: priced lines for one contact, in one currency, valid until a date.

Statuses::

    draft ──► sent ──► accepted
                 └───► declined
    (draft or sent, read after valid_until) ──► expired

``expired`` is never stored: a draft or sent quote *reads* as expired on a day after its
``valid_until`` (:meth:`Quote.status_on`), and accepting or declining it then is refused.
The day of a move is the calendar day of its ``at`` in ``at``'s own time zone. Moves are
dated in order (accepting before sending is refused), but may be dated before the quote
was entered.

>>> from datetime import UTC, date, datetime
>>> at = datetime(2026, 11, 2, 9, tzinfo=UTC)
>>> lines = [priced_line("GOLD-12", "Gold", Money("600.00", "EUR"), Decimal("0.20"), 2)]
>>> q = Quote.new("c-1", lines, valid_until=date(2026, 11, 30), at=at)
>>> q.net, q.vat, q.gross
(Money('1200.00', 'EUR'), Money('240.00', 'EUR'), Money('1440.00', 'EUR'))
>>> q = send(q, at=at)
>>> accept(q, at=datetime(2026, 12, 1, 9, tzinfo=UTC))
Traceback (most recent call last):
...
crmkit.errors.InvalidTransitionError: invalid at datetime.datetime(2026, 12, 1, 9, 0, \
tzinfo=datetime.timezone.utc): the quote expired after 2026-11-30
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from crmkit._text_limits import clean_text
from crmkit._types import Money, ensure_aware, ensure_day, new_id
from crmkit.customer_file.pricing import line_amounts
from crmkit.customer_file.products import check_price, check_rate, check_vat_rate
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidTransitionError,
    ValidationError,
)

__all__ = [
    "FreeTextLine",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "accept",
    "check_quantity",
    "decline",
    "priced_line",
    "send",
]


class QuoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # read only: see Quote.status_on


@attrs.frozen
class FreeTextLine:
    """A line that names no catalogue product: the caller gives its text, price and rate.
    Quotes take one only where it is passed explicitly, so a mistyped SKU is never quoted
    as free text."""

    description: str
    price: Money
    vat_rate: Decimal
    quantity: int = 1
    discount: Decimal = Decimal(0)


@attrs.frozen
class QuoteLine:
    """One priced line: ``net`` and ``vat`` are rounded (:mod:`crmkit.customer_file.pricing`).
    ``sku`` is ``None`` on a free-text line."""

    sku: str | None
    description: str
    unit_price: Money
    quantity: int
    discount: Decimal
    vat_rate: Decimal
    net: Money
    vat: Money


def check_quantity(value: Any) -> int:
    """A quantity is a positive whole number (``int``; no fractions of a package)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("quantity", value, "expected a positive whole number")
    return value


def priced_line(
    sku: str | None,
    description: Any,
    unit_price: Any,
    vat_rate: Any,
    quantity: Any,
    discount: Any = Decimal(0),
) -> QuoteLine:
    """A checked line with its amounts."""
    qty = check_quantity(quantity)
    off = check_rate(discount, "discount", upper_open=True)
    rate = check_vat_rate(vat_rate)
    price = check_price(unit_price)
    text = clean_text("description", description, required=True)
    assert text is not None
    net, vat = line_amounts(price, qty, off, rate)
    return QuoteLine(sku, text, price, qty, off, rate, net, vat)


@attrs.frozen
class Quote:
    """An offer to one contact (``None`` once erased: the amounts are kept)."""

    id: str
    contact_id: str | None
    version: int
    lines: tuple[QuoteLine, ...]
    net: Money
    vat: Money
    gross: Money
    valid_until: date
    status: QuoteStatus
    created_at: datetime
    updated_at: datetime
    deal_id: str | None = None
    sent_at: datetime | None = None
    decided_at: datetime | None = None

    @classmethod
    def new(
        cls,
        contact_id: str,
        lines: Sequence[QuoteLine],
        *,
        valid_until: Any,
        at: datetime,
        deal_id: str | None = None,
    ) -> Quote:
        if not lines:
            raise ValidationError("lines", list(lines), "a quote needs at least one line")
        currency = lines[0].net.currency
        for line in lines:
            if line.net.currency != currency:
                raise CurrencyMismatchError(
                    "currency", line.net.currency, f"a quote is in one currency ({currency})"
                )
        net = sum((line.net for line in lines), Money.zero(currency))
        vat = sum((line.vat for line in lines), Money.zero(currency))
        when = ensure_aware(at, "at")
        until = ensure_day(valid_until, "valid_until")
        if until < when.date():
            raise InvalidDatetimeError("valid_until", valid_until, "already passed")
        return cls(
            id=new_id(),
            contact_id=contact_id,
            version=1,
            lines=tuple(lines),
            net=net,
            vat=vat,
            gross=net + vat,
            valid_until=until,
            status=QuoteStatus.DRAFT,
            created_at=when,
            updated_at=when,
            deal_id=deal_id,
        )

    @property
    def currency(self) -> str:
        return self.net.currency

    def vat_by_rate(self) -> dict[Decimal, Money]:
        """VAT per rate: the sum of the rounded VAT of the lines of each rate."""
        out: dict[Decimal, Money] = {}
        for line in self.lines:
            out[line.vat_rate] = out.get(line.vat_rate, Money.zero(self.currency)) + line.vat
        return out

    @property
    def last_move(self) -> datetime | None:
        """When it was last sent or decided: a later move may not be dated before it. (A
        move may be dated before ``created_at``: a quote sent last week is entered today.)"""
        return self.decided_at or self.sent_at

    def status_on(self, day: date) -> QuoteStatus:
        """The status as read on *day*: an undecided quote past ``valid_until`` is expired."""
        undecided = self.status in (QuoteStatus.DRAFT, QuoteStatus.SENT)
        return QuoteStatus.EXPIRED if undecided and day > self.valid_until else self.status


def _move(quote: Quote, to: QuoteStatus, at: Any, allowed: QuoteStatus) -> tuple[Quote, datetime]:
    when = ensure_aware(at, "at")
    last = quote.last_move
    if last is not None and when < last:
        raise InvalidDatetimeError("at", at, f"earlier than the quote's last move ({last})")
    if quote.status is not allowed:
        raise InvalidTransitionError(
            "status", to.value, f"a {quote.status.value} quote cannot be {to.value}"
        )
    if at.date() > quote.valid_until:
        raise InvalidTransitionError(
            "at", at, f"the quote expired after {quote.valid_until.isoformat()}"
        )
    changed = max(quote.updated_at, when)
    return attrs.evolve(quote, status=to, updated_at=changed, version=quote.version + 1), when


def send(quote: Quote, *, at: Any) -> Quote:
    sent, when = _move(quote, QuoteStatus.SENT, at, QuoteStatus.DRAFT)
    return attrs.evolve(sent, sent_at=when)


def accept(quote: Quote, *, at: Any) -> Quote:
    accepted, when = _move(quote, QuoteStatus.ACCEPTED, at, QuoteStatus.SENT)
    return attrs.evolve(accepted, decided_at=when)


def decline(quote: Quote, *, at: Any) -> Quote:
    declined, when = _move(quote, QuoteStatus.DECLINED, at, QuoteStatus.SENT)
    return attrs.evolve(declined, decided_at=when)
