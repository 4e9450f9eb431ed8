"""CLV without a statistical model: what a customer has been worth, and a rule of thumb."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.errors import ValidationError

__all__ = ["formula_clv", "historical_clv"]

_SIGN = {"purchase": 1, "refund": -1}


def historical_clv(
    transactions: Iterable[Any], *, margin: Decimal = Decimal(1)
) -> dict[str, Money]:
    """Each customer's realised value so far: (purchases - refunds) x margin, exactly.

    Payments and payouts are cash movements, not value, and are left out.

    >>> from datetime import UTC, datetime
    >>> from crmkit.value.ledger import Transaction
    >>> when = datetime(2026, 1, 1, tzinfo=UTC)
    >>> txs = [Transaction.new(contact_id="c1", kind="purchase", amount=Money("100", "EUR"),
    ...                        occurred_at=when),
    ...        Transaction.new(contact_id="c1", kind="refund", amount=Money("20", "EUR"),
    ...                        occurred_at=when)]
    >>> historical_clv(txs, margin=Decimal("0.3"))
    {'c1': Money('24.0', 'EUR')}
    """
    out: dict[str, Money] = {}
    for tx in transactions:
        sign = _SIGN.get(str(tx.kind))
        if sign is None:
            continue
        value = tx.amount * margin if sign > 0 else -(tx.amount * margin)
        current = out.get(tx.contact_id)
        out[tx.contact_id] = value if current is None else current + value
    return out


def formula_clv(
    *,
    average_order_value: Money,
    purchases_per_year: Decimal,
    margin: Decimal,
    lifespan_years: int,
    discount_rate: Decimal = Decimal(0),
) -> Money:
    """The textbook formula, discounted yearly:

        CLV = sum over years y = 1..L of  AOV x F x m / (1 + d)^y

    where AOV is the average order value, F purchases per year, m the margin, L the expected
    lifespan in years and d the yearly discount rate.

    >>> formula_clv(average_order_value=Money("50", "EUR"), purchases_per_year=Decimal(4),
    ...             margin=Decimal("0.25"), lifespan_years=3, discount_rate=Decimal("0.1"))
    Money('124.34', 'EUR')
    """
    checks: tuple[tuple[str, object], ...] = (
        ("purchases_per_year", purchases_per_year),
        ("margin", margin),
        ("discount_rate", discount_rate),
    )
    for name, value in checks:
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise ValidationError(name, value, "pass a Decimal (or int), not float")
    if lifespan_years < 0:
        raise ValidationError("lifespan_years", lifespan_years, "cannot be negative")
    yearly = average_order_value.amount * Decimal(purchases_per_year) * Decimal(margin)
    total = sum(
        (yearly / (1 + Decimal(discount_rate)) ** y for y in range(1, lifespan_years + 1)),
        Decimal(0),
    )
    return Money(total.quantize(Decimal("0.01")), average_order_value.currency)
