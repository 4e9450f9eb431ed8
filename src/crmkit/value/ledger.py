"""The transactions ledger: what each customer bought, paid, got back and was paid."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from crmkit._text_limits import LONG_TEXT, clean_text
from crmkit._types import Money, ensure_aware, new_id, utcnow
from crmkit.errors import InvalidMoneyError, ValidationError
from crmkit.value.rates import RatesTable

__all__ = ["LineItem", "Transaction", "TransactionKind", "total"]


class TransactionKind(enum.StrEnum):
    """Purchases and refunds are value; payments and payouts are cash moving."""

    PURCHASE = "purchase"
    REFUND = "refund"
    PAYMENT = "payment"
    PAYOUT = "payout"


@attrs.frozen
class LineItem:
    """One line of an order.

    >>> LineItem.new(sku="GOLD-1Y", quantity=2, unit_price=Money("600.00", "EUR")).total
    Money('1200.00', 'EUR')
    """

    sku: str | None
    description: str | None
    quantity: Decimal
    unit_price: Money

    @classmethod
    def new(
        cls,
        *,
        unit_price: Money,
        quantity: Any = 1,
        sku: str | None = None,
        description: str | None = None,
    ) -> LineItem:
        if isinstance(quantity, float | bool) or not isinstance(quantity, int | Decimal | str):
            raise ValidationError("quantity", quantity, "an int or Decimal")
        qty = Decimal(quantity)
        if qty <= 0:
            raise ValidationError("quantity", quantity, "must be positive")
        if not isinstance(unit_price, Money) or unit_price.amount < 0:
            raise InvalidMoneyError("unit_price", unit_price, "a non-negative Money")
        text = clean_text("description", description, limit=LONG_TEXT)
        return cls(clean_text("sku", sku), text, qty, unit_price)

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@attrs.frozen
class Transaction:
    """One entry in a contact's ledger. Amounts are never negative: a refund is its own kind.

    >>> from datetime import UTC
    >>> t = Transaction.new(contact_id="c1", kind="purchase", amount=Money("49.90", "EUR"),
    ...                     occurred_at=datetime(2026, 3, 1, tzinfo=UTC), order_id="A-17")
    >>> t.kind, t.amount
    (<TransactionKind.PURCHASE: 'purchase'>, Money('49.90', 'EUR'))
    """

    id: str
    contact_id: str
    kind: TransactionKind
    amount: Money
    occurred_at: datetime
    order_id: str | None = None
    lines: tuple[LineItem, ...] = ()
    note: str | None = None
    created_at: datetime = attrs.field(factory=utcnow)

    @classmethod
    def new(
        cls,
        *,
        contact_id: str,
        kind: Any,
        amount: Any,
        occurred_at: Any,
        order_id: str | None = None,
        lines: Iterable[LineItem] = (),
        note: str | None = None,
        id: str | None = None,
        now: datetime | None = None,
    ) -> Transaction:
        try:
            kind_ = TransactionKind(kind)
        except ValueError as exc:
            raise ValidationError("kind", kind, "one of purchase, refund, payment, payout") from exc
        if not isinstance(amount, Money):
            raise InvalidMoneyError("amount", amount, "pass crmkit.Money(amount, currency)")
        if amount.amount < 0:
            raise InvalidMoneyError(
                "amount", amount, "amounts are never negative; record a refund instead"
            )
        if not isinstance(contact_id, str) or not contact_id:
            raise ValidationError("contact_id", contact_id, "expected a contact id")
        clean_text("contact_id", contact_id)
        items = tuple(lines)
        for item in items:
            if item.unit_price.currency != amount.currency:
                raise InvalidMoneyError(
                    "lines", item.unit_price, f"line currency differs from {amount.currency}"
                )
        return cls(
            id=id or new_id(),
            contact_id=contact_id,
            kind=kind_,
            amount=amount,
            occurred_at=ensure_aware(occurred_at, "occurred_at"),
            order_id=clean_text("order_id", order_id),
            lines=items,
            note=clean_text("note", note, limit=LONG_TEXT),
            created_at=ensure_aware(now, "now") if now is not None else utcnow(),
        )


def total(
    transactions: Iterable[Transaction],
    *,
    kind: str | None = None,
    rates: RatesTable | None = None,
    currency: str | None = None,
) -> Money | None:
    """Sum amounts (optionally of one kind). Several currencies need ``rates``: each amount is
    converted at the rate of its own date into ``currency`` (default: the rates' base).

    >>> from datetime import UTC
    >>> d = datetime(2026, 3, 1, tzinfo=UTC)
    >>> txs = [Transaction.new(contact_id="c", kind="purchase", amount=Money("10", "EUR"),
    ...                        occurred_at=d),
    ...        Transaction.new(contact_id="c", kind="purchase", amount=Money("1000", "ALL"),
    ...                        occurred_at=d)]
    >>> total(txs, rates=RatesTable("EUR", [("2026-01-01", "ALL", "0.0102")]))
    Money('20.2000', 'EUR')
    """
    chosen = [t for t in transactions if kind is None or t.kind == kind]
    if not chosen:
        return None
    if rates is None:
        result = chosen[0].amount
        for t in chosen[1:]:
            result = result + t.amount  # CurrencyMismatchError when currencies differ
        return result
    target = currency or rates.base
    out = Money(0, target)
    for t in chosen:
        out = out + rates.convert(t.amount, t.occurred_at, target)
    return out
