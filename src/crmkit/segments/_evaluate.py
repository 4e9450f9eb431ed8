"""In-memory evaluation: each node becomes the set of contact positions it selects.

Sets compose the boolean algebra directly (``&`` intersects, ``|`` unites, ``~`` takes the
complement), so a compound segment costs one pass per leaf, and behaviour leaves only touch the
events inside their window.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidSegmentError,
    ListNotFoundError,
)
from crmkit.segments._data import SegmentData, micros
from crmkit.segments._fields import FieldKind, Op, field_kind, fold_text
from crmkit.segments._nodes import (
    And,
    Anniversary,
    Condition,
    DateWindow,
    Everyone,
    HasOpenDeal,
    HasTag,
    InList,
    InteractionMetric,
    Metric,
    Not,
    Or,
    PurchaseMetric,
    RFMGroupIn,
    RFMScore,
    Segment,
)

__all__ = [
    "anniversary_days",
    "compare",
    "evaluate",
    "named_lists",
    "total_currency_error",
    "value_predicate",
]

_ORDER: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq, Op.NE: operator.ne, Op.LT: operator.lt,
    Op.LE: operator.le, Op.GT: operator.gt, Op.GE: operator.ge,
}  # fmt: skip


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
    fn = _ORDER[op]
    fam = _family(target)
    return lambda v: _family(v) == fam and fn(v, target)


def _fold_value(value: Any) -> Any:
    if isinstance(value, str):
        return fold_text(value)
    if isinstance(value, tuple):
        return tuple(_fold_value(v) for v in value)
    return value


def _scan(col: list[Any], within: set[int] | None) -> Iterable[tuple[int, Any]]:
    """(position, value) pairs of a column, only at *within* when the caller narrowed it."""
    if within is None:
        return enumerate(col)
    return ((i, col[i]) for i in within)


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


def _condition(node: Condition, data: SegmentData, within: set[int] | None) -> set[int]:
    pairs = _scan(data.column(node.field), within)
    if node.op is Op.IS_NULL:
        return {i for i, v in pairs if (v is None) is node.value}
    pred = value_predicate(node.op, node.value)
    return {i for i, v in pairs if v is not None and pred(v)}


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


def _date_window(
    node: DateWindow, data: SegmentData, now: datetime, within: set[int] | None
) -> set[int]:
    base: date | datetime = now.date() if field_kind(node.field) is FieldKind.DATE else now
    lo = None if node.from_days is None else base + timedelta(days=node.from_days)
    hi = None if node.to_days is None else base + timedelta(days=node.to_days)
    return {
        i
        for i, v in _scan(data.column(node.field), within)
        if v is not None and (lo is None or lo <= v) and (hi is None or v <= hi)
    }


def _window(within_days: int | None, now: datetime) -> tuple[int | None, int]:
    hi = micros(now)
    return (None if within_days is None else micros(now - timedelta(days=within_days))), hi


def _select(values: dict[int, Any], pred: Callable[[Any], bool], zero: Any, n: int) -> set[int]:
    """Contacts whose measure passes *pred*; contacts with no events measure *zero*."""
    if zero is not None and pred(zero):
        return set(range(n)) - {i for i, v in values.items() if not pred(v)}
    return {i for i, v in values.items() if pred(v)}


def _interactions(node: InteractionMetric, data: SegmentData, now: datetime) -> set[int]:
    lo, hi = _window(node.within_days, now)
    series = [
        s
        for (channel, direction), s in data.interactions.items()
        if node.channel in (None, channel) and node.direction in (None, direction)
    ]
    n = len(data.ids)
    if node.metric is Metric.COUNT:
        counts: Counter[int] = Counter()
        for s in series:
            a, b = s.window(lo, hi)
            counts.update(s.who[a:b])
        return _select(counts, compare(node.op, node.value), 0, n)
    last: dict[int, int] = {}
    for s in series:
        a, b = s.window(lo, hi)
        for i, t in zip(s.who[a:b], s.times[a:b], strict=True):
            if t > last.get(i, -(2**62)):
                last[i] = t
    return _select(last, compare(node.op, _as_micros(node.value)), None, n)


def _as_micros(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_as_micros(v) for v in value)
    return micros(value)


def total_currency_error(target: str, found: str) -> CurrencyMismatchError:
    """The error a purchase total raises when its window holds another currency."""
    return CurrencyMismatchError(
        "currency", found, f"totals in {target} need SegmentData(rates=...)"
    )


def named_lists(seg: Segment) -> list[str]:
    """The static lists *seg* names, sorted, each once. Evaluators check them all before
    anything else, so an unknown list raises the same error whichever branch would meet it.

    >>> from crmkit.segments import in_list, tag
    >>> named_lists(~in_list("b") | (tag("vip") & in_list("a")) | in_list("b"))
    ['a', 'b']
    """
    match seg:
        case InList(name):
            return [name]
        case Not(child):
            return named_lists(child)
        case And(children) | Or(children):
            return sorted({name for child in children for name in named_lists(child)})
    return []


def _precheck(seg: Segment, data: SegmentData, now: datetime) -> None:
    """Raise the currency errors a segment can meet before evaluating any of it, so whether
    it raises does not depend on which branches evaluation happens to skip."""
    match seg:
        case PurchaseMetric(Metric.TOTAL, _, value, within_days) if data.rates is None:
            target = value[0] if isinstance(value, tuple) else value
            assert isinstance(target, Money)
            s = data.purchases
            a, b = s.window(*_window(within_days, now))
            for k in range(a, b):
                if s.extra[k][0].currency != target.currency:
                    raise total_currency_error(target.currency, s.extra[k][0].currency)
        case RFMGroupIn() | RFMScore():
            data.rfm(now)
        case Not(child):
            _precheck(child, data, now)
        case And(children) | Or(children):
            for child in children:
                _precheck(child, data, now)


def _purchases(node: PurchaseMetric, data: SegmentData, now: datetime) -> set[int]:
    s = data.purchases
    a, b = s.window(*_window(node.within_days, now))
    n = len(data.ids)
    who = s.who
    if node.metric is Metric.COUNT:
        return _select(Counter(who[a:b]), compare(node.op, node.value), 0, n)
    if node.metric is Metric.LAST_AT:
        last = dict(zip(who[a:b], s.times[a:b], strict=True))  # ascending: the last wins
        return _select(last, compare(node.op, _as_micros(node.value)), None, n)
    target = node.value[0] if isinstance(node.value, tuple) else node.value
    assert isinstance(target, Money)
    currency = target.currency
    totals: dict[int, Decimal] = {}
    for k in range(a, b):
        amount, when = s.extra[k]
        if amount.currency == currency:
            value = amount.amount
        elif data.rates is None:
            raise total_currency_error(currency, amount.currency)
        else:
            value = data.rates.convert(amount, when, currency).amount
        totals[who[k]] = totals.get(who[k], Decimal(0)) + value
    bound = (
        tuple(m.amount for m in node.value) if isinstance(node.value, tuple) else target.amount  # type: ignore[union-attr]
    )
    # Decimal totals compare with Decimal bounds; "num" family covers neither, so compare raw.
    fn = _ORDER.get(node.op)
    if fn is None:
        low, high = bound  # type: ignore[misc]
        return _select(totals, lambda v: low <= v <= high, Decimal(0), n)
    return _select(totals, lambda v: fn(v, bound), Decimal(0), n)


def _rfm_group(node: RFMGroupIn, data: SegmentData, now: datetime) -> set[int]:
    wanted = set(node.groups)
    return {i for i, s in data.rfm(now).items() if s.group in wanted}


def _rfm_score(node: RFMScore, data: SegmentData, now: datetime) -> set[int]:
    pred = compare(node.op, node.value)
    return {i for i, s in data.rfm(now).items() if pred(getattr(s, node.component))}


def _open_deals(node: HasOpenDeal, data: SegmentData) -> set[int]:
    return {
        i
        for i, pipeline, stage in data.open_deals
        if node.pipeline_id in (None, pipeline) and node.stage in (None, stage)
    }


def _cost(seg: Segment) -> int:
    # Cheap, selective leaves first: later children of an "and" only scan the survivors.
    if isinstance(seg, HasTag | InList | HasOpenDeal):
        return 0
    if isinstance(seg, Condition | DateWindow | Anniversary):
        return 1
    if isinstance(seg, InteractionMetric | PurchaseMetric):
        return 2
    return 3


def _run(
    seg: Segment, data: SegmentData, now: datetime, within: set[int] | None = None
) -> set[int]:
    """The positions selected by *seg*; leaves may skip positions outside *within* (callers
    intersect with it anyway)."""
    match seg:
        case Everyone():
            return set(range(len(data.ids)))
        case Condition():
            return _condition(seg, data, within)
        case DateWindow():
            return _date_window(seg, data, now, within)
        case Anniversary(name, days):
            days_set = anniversary_days(now.date(), days)
            return {
                i
                for i, v in _scan(data.column(name), within)
                if v is not None and (v.month, v.day) in days_set
            }
        case HasTag(name):
            return set(data.tags.get(name, ()))
        case InList(name):
            return set(data.lists[name])
        case InteractionMetric():
            return _interactions(seg, data, now)
        case PurchaseMetric():
            return _purchases(seg, data, now)
        case HasOpenDeal():
            return _open_deals(seg, data)
        case RFMGroupIn():
            return _rfm_group(seg, data, now)
        case RFMScore():
            return _rfm_score(seg, data, now)
        case Not(child):
            base = set(range(len(data.ids))) if within is None else set(within)
            return base - _run(child, data, now, within)
        case And(children):
            ordered = sorted(children, key=_cost)
            result = _run(ordered[0], data, now, within)
            for child in ordered[1:]:
                if not result:
                    break
                result &= _run(child, data, now, result)
            return result
        case Or(children):
            result = set()
            for child in children:
                result |= _run(child, data, now, within)
            return result
    raise InvalidSegmentError("segment", seg, "not a segment node")


def evaluate(segment: Segment, data: SegmentData, *, now: datetime) -> set[int]:
    """Positions (in ``data.contacts``) of the contacts in *segment* at *now*."""
    if not isinstance(segment, Segment):
        raise InvalidSegmentError("segment", segment, "expected a Segment")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidDatetimeError("now", now, "expected a timezone-aware datetime")
    for name in named_lists(segment):
        if name not in data.lists:
            raise ListNotFoundError(name)
    _precheck(segment, data, now)
    return _run(segment, data, now)
