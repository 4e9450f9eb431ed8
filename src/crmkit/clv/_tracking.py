"""The numbers behind the tracking plots: how many customers made each number of repeat
purchases (model vs actual), one customer's P(alive) over time, and repeat purchases of the
whole base over time (model vs actual), as lifetimes' plotting module draws them.

Purchases on the same day count once, as in :func:`crmkit.clv.rfm_summary`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from crmkit._types import ensure_aware
from crmkit.clv._shape import Scalars, as_list
from crmkit.clv.summary import RFMSummary, _row
from crmkit.errors import InvalidDatetimeError, ValidationError

__all__ = [
    "cumulative_transactions",
    "p_alive_history",
    "period_transactions",
    "purchase_offsets",
    "unit_name",
]


class _CountModel(Protocol):
    def probability_of_purchases(self, n: int, t: float) -> float: ...


class _AliveModel(Protocol):
    def p_alive(self, frequency: Scalars, recency: Scalars, T: Scalars) -> Scalars: ...


class _NewCustomerModel(Protocol):
    def expected_purchases_new_customer(self, t: float) -> float: ...


def unit_name(unit: timedelta) -> str:
    """``"weeks"`` for 7 days, ``"days"`` for one, otherwise the length of the period.

    >>> unit_name(timedelta(days=7)), unit_name(timedelta(hours=12))
    ('weeks', 'periods of 12:00:00')
    """
    names = {timedelta(days=7): "weeks", timedelta(days=1): "days"}
    return names.get(unit, f"periods of {unit}")


def period_transactions(
    fit: _CountModel, summary: RFMSummary, *, max_frequency: int = 7
) -> list[tuple[int, int, float]]:
    """Per number of repeat purchases: (purchases, customers who made them, customers the
    model expects), the last row counting ``max_frequency`` or more.

    The model's figure sums, over the customers, the probability of that many purchases in
    their own time since the first one (their ``T``).
    """
    if max_frequency < 1:
        raise ValidationError("max_frequency", max_frequency, "at least 1")
    actual = [0] * (max_frequency + 1)
    for x in summary.frequency:
        actual[min(int(x), max_frequency)] += 1
    customers_of_age: dict[float, int] = defaultdict(int)
    for age in summary.T:
        customers_of_age[age] += 1
    expected = [0.0] * (max_frequency + 1)
    for age, n in customers_of_age.items():
        probabilities = [fit.probability_of_purchases(x, age) for x in range(max_frequency)]
        for x, p in enumerate(probabilities):
            expected[x] += n * p
        expected[max_frequency] += n * max(0.0, 1.0 - sum(probabilities))
    return list(zip(range(max_frequency + 1), actual, expected, strict=True))


def _purchase_days(purchases: Iterable[datetime]) -> list[date]:
    return sorted({ensure_aware(when, "occurred_at").date() for when in purchases})


def p_alive_history(
    fit: _AliveModel, purchases: Iterable[datetime], *, until: datetime, unit: timedelta
) -> list[tuple[float, float]]:
    """One customer's P(alive) at every whole *unit* from their first purchase to *until*:
    ``(time since the first purchase, P(alive))``. BG/NBD counts a customer without repeat
    purchases as alive; after that, each purchase raises it and silence wears it down."""
    days = _purchase_days(purchases)
    if not days:
        raise ValidationError("purchases", days, "at least one purchase")
    end = ensure_aware(until, "until").date()
    if end < days[0]:
        raise InvalidDatetimeError("until", until, "before the first purchase")
    offsets = [(d - days[0]) / unit for d in days]
    out = [(0.0, 1.0)]  # on the day of the first purchase, the customer is surely alive
    for step in range(1, math.floor((end - days[0]) / unit) + 1):
        seen = [o for o in offsets if o <= step]
        p = as_list(fit.p_alive(float(len(seen) - 1), seen[-1], float(step)))[0]
        out.append((float(step), float(p)))
    return out


def purchase_offsets(
    purchases: Iterable[datetime], *, until: datetime, unit: timedelta
) -> list[float]:
    """Purchase days up to *until*, in *unit* since the first one."""
    days = _purchase_days(purchases)
    end = ensure_aware(until, "until").date()
    return [(d - days[0]) / unit for d in days if d <= end]


def cumulative_transactions(
    fit: _NewCustomerModel,
    transactions: Iterable[Any],
    *,
    until: datetime,
    unit: timedelta = timedelta(days=7),
) -> list[tuple[int, int, float]]:
    """Repeat purchases of the whole base up to the end of each period: (period, actual,
    model), periods counted in *unit* from the first purchase of anyone, up to *until*.

    *transactions* are what :func:`crmkit.clv.rfm_summary` takes. The model's figure adds,
    over the customers, the purchases it expects of a new customer in the time since their
    first purchase.
    """
    end = ensure_aware(until, "until").date()
    if unit <= timedelta(0):
        raise ValidationError("unit", unit, "a positive timedelta, e.g. timedelta(days=7)")
    by_customer: dict[str, set[date]] = defaultdict(set)
    for tx in transactions:
        customer, when, _, _ = _row(tx)
        if customer and when.date() <= end:
            by_customer[customer].add(when.date())
    if not by_customer:
        raise ValidationError("transactions", None, "no purchases up to until")
    start = min(min(days) for days in by_customer.values())
    births: dict[float, int] = defaultdict(int)  # customers by first purchase, in units
    repeats: list[float] = []
    for days in by_customer.values():
        ordered = sorted(days)
        births[(ordered[0] - start) / unit] += 1
        repeats.extend((d - start) / unit for d in ordered[1:])
    repeats.sort()
    expected: dict[float, float] = {}  # by age: CDNOW's 2,357 customers have 84 birthdays
    out = []
    for period in range(1, math.floor((end - start) / unit) + 1):
        model = 0.0
        for birth, n in births.items():
            if birth < period:
                age = period - birth
                if age not in expected:
                    expected[age] = fit.expected_purchases_new_customer(age)
                model += n * expected[age]
        out.append((period, bisect_right(repeats, period), model))
    return out
