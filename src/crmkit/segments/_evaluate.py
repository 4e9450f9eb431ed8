"""In-memory evaluation: each node becomes the set of contact positions it selects.

Sets compose the boolean algebra directly (``&`` intersects, ``|`` unites, ``~`` takes the
complement), so a compound segment costs one pass per leaf, and behaviour leaves only touch the
events inside their window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.errors import InvalidDatetimeError, InvalidSegmentError, ListNotFoundError
from crmkit.segments._fields import FieldKind, Op, field_kind
from crmkit.segments._index import EventSeries, SegmentIndex, micros
from crmkit.segments._nodes import (
    And,
    Anniversary,
    Bought,
    Condition,
    DateWindow,
    Everyone,
    HasCase,
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
from crmkit.segments._predicates import (
    ORDER,
    anniversary_days,
    compare,
    total_currency_error,
    value_predicate,
)
from crmkit.segments.compiler import Compiler, named_lists, walk

__all__ = ["MEMORY_COMPILER", "MemoryScope", "evaluate"]


class MemoryScope:
    """What an in-memory handler gets besides its node: the data (a
    :class:`~crmkit.segments.SegmentData`), ``now``, and ``within``, the positions the caller
    still cares about (None: all), so a leaf may skip the others (callers intersect anyway).
    Boolean handlers evaluate children with :meth:`evaluate`."""

    __slots__ = ("data", "now", "within")

    def __init__(self, data: SegmentIndex, now: datetime, within: set[int] | None = None) -> None:
        self.data = data
        self.now = now
        self.within = within

    def evaluate(self, segment: Segment, within: set[int] | None = None) -> set[int]:
        """The positions *segment* selects, looking only at *within* when given (else at this
        scope's ``within``)."""
        scope = self if within is None else MemoryScope(self.data, self.now, within)
        return MEMORY_COMPILER.compile(segment, scope)

    def everyone(self) -> set[int]:
        """Every position in scope: ``within``, or all contacts."""
        return set(range(len(self.data.ids))) if self.within is None else set(self.within)


#: The in-memory evaluator: handlers return the set of contact positions a node selects.
MEMORY_COMPILER: Compiler[MemoryScope, set[int]] = Compiler("memory", default_cost=3)


def _scan(col: list[Any], within: set[int] | None) -> Iterable[tuple[int, Any]]:
    """(position, value) pairs of a column, only at *within* when the caller narrowed it."""
    if within is None:
        return enumerate(col)
    return ((i, col[i]) for i in within)


def _condition(node: Condition, scope: MemoryScope) -> set[int]:
    pairs = _scan(scope.data.column(node.field), scope.within)
    if node.op is Op.IS_NULL:
        return {i for i, v in pairs if (v is None) is node.value}
    pred = value_predicate(node.op, node.value)
    return {i for i, v in pairs if v is not None and pred(v)}


def _date_window(node: DateWindow, scope: MemoryScope) -> set[int]:
    now = scope.now
    base: date | datetime = now.date() if field_kind(node.field) is FieldKind.DATE else now
    lo = None if node.from_days is None else base + timedelta(days=node.from_days)
    hi = None if node.to_days is None else base + timedelta(days=node.to_days)
    return {
        i
        for i, v in _scan(scope.data.column(node.field), scope.within)
        if v is not None and (lo is None or lo <= v) and (hi is None or v <= hi)
    }


def _anniversary(node: Anniversary, scope: MemoryScope) -> set[int]:
    days_set = anniversary_days(scope.now.date(), node.days)
    return {
        i
        for i, v in _scan(scope.data.column(node.field), scope.within)
        if v is not None and (v.month, v.day) in days_set
    }


def _window(within_days: int | None, now: datetime) -> tuple[int | None, int]:
    hi = micros(now)
    return (None if within_days is None else micros(now - timedelta(days=within_days))), hi


def _select(values: dict[int, Any], pred: Callable[[Any], bool], zero: Any, n: int) -> set[int]:
    """Contacts whose measure passes *pred*; contacts with no events measure *zero*."""
    if zero is not None and pred(zero):
        return set(range(n)) - {i for i, v in values.items() if not pred(v)}
    return {i for i, v in values.items() if pred(v)}


def _interactions(node: InteractionMetric, scope: MemoryScope) -> set[int]:
    data = scope.data
    lo, hi = _window(node.within_days, scope.now)
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
            counts.update(_who(s, a, b, node.outcome))
        return _select(counts, compare(node.op, node.value), 0, n)
    last: dict[int, int] = {}
    for s in series:
        a, b = s.window(lo, hi)
        for k in range(a, b) if node.outcome is None else _with(s, a, b, node.outcome):
            i, t = s.who[k], s.times[k]
            if t > last.get(i, -(2**62)):
                last[i] = t
    return _select(last, compare(node.op, _as_micros(node.value)), None, n)


def _with(s: EventSeries, a: int, b: int, outcome: str) -> list[int]:
    """Positions in ``[a, b)`` of the events of that outcome (none without outcomes)."""
    extra = s.extra
    return [k for k in range(a, b) if extra[k] == outcome] if extra else []


def _who(s: EventSeries, a: int, b: int, outcome: str | None) -> Iterable[int]:
    if outcome is None:
        return s.who[a:b]
    return [s.who[k] for k in _with(s, a, b, outcome)]


def _as_micros(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_as_micros(v) for v in value)
    return micros(value)


def _precheck(seg: Segment, data: SegmentIndex, now: datetime) -> None:
    """Raise the currency errors a segment can meet before evaluating any of it, so whether
    it raises does not depend on which branches evaluation happens to skip."""
    for node in walk(seg):
        if isinstance(node, PurchaseMetric):
            if node.metric is not Metric.TOTAL or data.rates is not None:
                continue
            target = node.value[0] if isinstance(node.value, tuple) else node.value
            assert isinstance(target, Money)
            s = data.purchases
            a, b = s.window(*_window(node.within_days, now))
            for k in range(a, b):
                if s.extra[k][0].currency != target.currency:
                    raise total_currency_error(target.currency, s.extra[k][0].currency)
        elif isinstance(node, RFMGroupIn | RFMScore):
            data.rfm(now)


def _purchases(node: PurchaseMetric, scope: MemoryScope) -> set[int]:
    data = scope.data
    s = data.purchases
    a, b = s.window(*_window(node.within_days, scope.now))
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
    fn = ORDER.get(node.op)
    if fn is None:
        low, high = bound  # type: ignore[misc]
        return _select(totals, lambda v: low <= v <= high, Decimal(0), n)
    return _select(totals, lambda v: fn(v, bound), Decimal(0), n)


def _rfm_group(node: RFMGroupIn, scope: MemoryScope) -> set[int]:
    wanted = set(node.groups)
    return {i for i, s in scope.data.rfm(scope.now).items() if s.group in wanted}


def _rfm_score(node: RFMScore, scope: MemoryScope) -> set[int]:
    pred = compare(node.op, node.value)
    return {i for i, s in scope.data.rfm(scope.now).items() if pred(getattr(s, node.component))}


def _bought(node: Bought, scope: MemoryScope) -> set[int]:
    data = scope.data
    if node.sku is not None:
        wanted = {node.sku}
    else:
        wanted = {sku for sku, category in data.catalogue.items() if category == node.category}
    lo, hi = _window(node.within_days, scope.now)
    lowest = -(2**63) if lo is None else lo  # no window: all history up to now
    return {i for when, i, sku in data.bought if sku in wanted and lowest <= when <= hi}


def _open_deals(node: HasOpenDeal, scope: MemoryScope) -> set[int]:
    return {
        i
        for i, pipeline, stage in scope.data.open_deals
        if node.pipeline_id in (None, pipeline) and node.stage in (None, stage)
    }


def _cases(node: HasCase, scope: MemoryScope) -> set[int]:
    below = node.rated_below
    return {
        i
        for i, is_open, reason, score in scope.data.cases
        if node.open in (None, is_open)
        and node.reason in (None, reason)
        and (below is None or (score is not None and score < below))
    }


def _not(node: Not, scope: MemoryScope) -> set[int]:
    return scope.everyone() - scope.evaluate(node.child)


def _and(node: And, scope: MemoryScope) -> set[int]:
    # Cheap, selective children first: later ones only scan the survivors.
    ordered = sorted(node.children, key=MEMORY_COMPILER.cost)
    result = scope.evaluate(ordered[0])
    for child in ordered[1:]:
        if not result:
            break
        result &= scope.evaluate(child, within=result)
    return result


def _or(node: Or, scope: MemoryScope) -> set[int]:
    result: set[int] = set()
    for child in node.children:
        result |= scope.evaluate(child)
    return result


# Costs order the children of an "and": index look-ups, then column scans, then events.
_register = MEMORY_COMPILER.register
_register(Everyone, lambda node, scope: set(range(len(scope.data.ids))))
_register(HasTag, lambda node, scope: set(scope.data.tags.get(node.tag, ())), cost=0)
_register(InList, lambda node, scope: set(scope.data.lists[node.list_name]), cost=0)
_register(HasOpenDeal, _open_deals, cost=0)
_register(HasCase, _cases, cost=0)
_register(Condition, _condition, cost=1)
_register(DateWindow, _date_window, cost=1)
_register(Anniversary, _anniversary, cost=1)
_register(InteractionMetric, _interactions, cost=2)
_register(PurchaseMetric, _purchases, cost=2)
_register(Bought, _bought, cost=2)
_register(RFMGroupIn, _rfm_group)
_register(RFMScore, _rfm_score)
_register(Not, _not)
_register(And, _and)
_register(Or, _or)


def evaluate(segment: Segment, data: SegmentIndex, *, now: datetime) -> set[int]:
    """Positions (in ``data.contacts``) of the contacts in *segment* at *now*."""
    if not isinstance(segment, Segment):
        raise InvalidSegmentError("segment", segment, "expected a Segment")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidDatetimeError("now", now, "expected a timezone-aware datetime")
    for name in named_lists(segment):
        if name not in data.lists:
            raise ListNotFoundError(name)
    _precheck(segment, data, now)
    return MEMORY_COMPILER.compile(segment, MemoryScope(data, now))
