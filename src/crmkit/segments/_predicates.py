"""What a comparison means, written once: the in-memory evaluator applies these predicates to
every contact, and SQL compilers to the distinct stored values (custom fields, RFM scores),
so a leaf selects the same contacts however it is evaluated."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from crmkit.errors import CurrencyMismatchError
from crmkit.segments._fields import Op, fold_text

__all__ = [
    "ORDER",
    "anniversary_days",
    "compare",
    "measure_predicate",
    "total_currency_error",
    "value_predicate",
]

#: The ordering operators as Python functions.
ORDER: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
}


def _family(value: Any) -> str | None:
    # Custom values compare only within their own family: True is not 1, "1" is not 1.
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "num"
    if isinstance(value, str):
        return "str"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return None


def compare(op: Op, target: Any) -> Callable[[Any], bool]:
    """A predicate for a present (non-None) value: ``value op target``.

    >>> compare(Op.BETWEEN, (1, 3))(3), compare(Op.EQ, True)(1)
    (True, False)
    """
    if op is Op.IN:
        options = frozenset((_family(t), t) for t in target)
        # A nested custom value (list, mapping) has no family, and may not be hashable.
        return lambda v: _family(v) is not None and (_family(v), v) in options
    if op is Op.BETWEEN:
        low, high = target
        low_family = _family(low)
        return lambda v: _family(v) == low_family and low <= v <= high
    if op is Op.CONTAINS:
        return lambda v: isinstance(v, str) and target in v
    if op is Op.STARTSWITH:
        return lambda v: isinstance(v, str) and v.startswith(target)
    fn = ORDER[op]
    fam = _family(target)
    return lambda v: _family(v) == fam and fn(v, target)


def measure_predicate(op: Op, value: Any) -> Callable[[Any], bool]:
    """``v op value`` on measures (counts, decimal totals), which have no type families.

    >>> measure_predicate(Op.BETWEEN, (2, 5))(3), measure_predicate(Op.GT, 2)(2)
    (True, False)
    """
    if op is Op.BETWEEN:
        low, high = value
        return lambda v: bool(low <= v <= high)
    fn = ORDER[op]
    return lambda v: bool(fn(v, value))


def _fold_value(value: Any) -> Any:
    if isinstance(value, str):
        return fold_text(value)
    if isinstance(value, tuple):
        return tuple(_fold_value(v) for v in value)
    return value


def value_predicate(op: Op, value: Any) -> Callable[[Any], bool]:
    """Whether one present, folded field value passes ``op value`` (not for ``is_null``).

    SQL backends ask it about each distinct stored value, so a condition selects the same
    contacts however it is evaluated.

    >>> value_predicate(Op.EQ, "Tiranë")(fold_text("TIRANE")), value_predicate(Op.EQ, 1)(True)
    (True, False)
    """
    target = _fold_value(value)
    if op is Op.EQ and _family(target) == "str":
        return lambda v: v == target  # only a str equals a str
    return compare(op, target)


def anniversary_days(today: date, days: int) -> frozenset[tuple[int, int]]:
    """The (month, day) pairs whose next anniversary falls within *days* of *today*.

    A 29 February date celebrates on 28 February in common years:

    >>> sorted(anniversary_days(date(2027, 2, 27), 1))
    [(2, 27), (2, 28), (2, 29)]
    >>> sorted(anniversary_days(date(2028, 2, 28), 0))
    [(2, 28)]
    """
    out: set[tuple[int, int]] = set()
    for k in range(days + 1):
        d = today + timedelta(days=k)
        out.add((d.month, d.day))
        if d.month == 2 and d.day == 28 and (d + timedelta(days=1)).month == 3:
            out.add((2, 29))
    return frozenset(out)


def total_currency_error(target: str, found: str) -> CurrencyMismatchError:
    """The error a purchase total raises when its window holds another currency.

    >>> str(total_currency_error("EUR", "USD"))
    "invalid currency 'USD': totals in EUR need a rates table (rates=...)"
    """
    return CurrencyMismatchError(
        "currency", found, f"totals in {target} need a rates table (rates=...)"
    )
