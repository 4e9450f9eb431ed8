"""Dated exchange rates, so totals across currencies are explicit and never a silent sum."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import Money, _to_currency, _to_decimal, ensure_date
from crmkit.errors import InvalidMoneyError, MissingRateError

__all__ = ["RatesTable"]


def _index(
    rows: Iterable[tuple[Any, str, Any]],
) -> dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]]:
    by_currency: dict[str, list[tuple[date, Decimal]]] = {}
    for valid_from, currency, rate in rows:
        value = _to_decimal(rate)
        if value <= 0:
            raise InvalidMoneyError("rate", rate, "exchange rates are positive")
        by_currency.setdefault(_to_currency(currency), []).append(
            (ensure_date(valid_from, "valid_from"), value)
        )
    out: dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]] = {}
    for currency, items in by_currency.items():
        items.sort()
        out[currency] = (tuple(d for d, _ in items), tuple(r for _, r in items))
    return out


@attrs.frozen
class RatesTable:
    """Exchange rates into one base currency, each valid from its date until the next one.

    >>> rates = RatesTable(
    ...     "EUR", [("2026-01-01", "ALL", "0.0102"), ("2026-01-01", "BGN", "0.5113")]
    ... )
    >>> rates.convert(Money("1000", "ALL"), "2026-03-01")
    Money('10.2000', 'EUR')
    >>> rates.total([Money("10", "EUR"), Money("1000", "ALL")], "2026-03-01")
    Money('20.2000', 'EUR')
    """

    base: str = attrs.field(converter=_to_currency)
    _rates: dict[str, tuple[tuple[date, ...], tuple[Decimal, ...]]] = attrs.field(
        alias="rates", converter=_index
    )

    def rate(self, currency: str, on: Any) -> Decimal:
        """How many units of the base currency one unit of *currency* was worth *on* a date."""
        code = _to_currency(currency)
        if code == self.base:
            return Decimal(1)
        day = ensure_date(on, "on")
        dates, values = self._rates.get(code, ((), ()))
        i = bisect.bisect_right(dates, day)
        if i == 0:
            raise MissingRateError(f"{code}->{self.base} on {day.isoformat()}")
        return values[i - 1]

    def convert(self, money: Money, on: Any, to: str | None = None) -> Money:
        """*money* in *to* (the base currency by default) at the rates valid *on* a date."""
        target = self.base if to is None else _to_currency(to)
        in_base = money.amount * self.rate(money.currency, on)
        if target == self.base:
            return Money(in_base, target)
        return Money(in_base / self.rate(target, on), target)

    def total(self, amounts: Iterable[Money], on: Any, to: str | None = None) -> Money:
        """Sum *amounts* after converting each at the rates valid *on* a date."""
        target = self.base if to is None else _to_currency(to)
        result = Money(0, target)
        for money in amounts:
            result = result + self.convert(money, on, target)
        return result
