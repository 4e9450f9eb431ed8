"""Validation for every node's arguments: the builders and the JSON reader both use it, so a
node is checked the same way however it was made.

Each function returns the checked arguments of its node's constructor, in order
(``Condition(*condition(name, op, value))``), so that these rules need no node class and the
node module can read JSON without importing the modules that build nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeAlias

from crmkit._types import Money
from crmkit.contacts import clean_tags
from crmkit.errors import InvalidSegmentError, ValidationError
from crmkit.identity.normalize import normalize_channel
from crmkit.segments._fields import (
    ORDERING,
    FieldKind,
    Metric,
    Op,
    Scalar,
    check_op,
    check_value,
    field_kind,
)
from crmkit.segments.lists import check_list_name
from crmkit.segments.rfm import RFM_GROUPS

__all__ = [
    "MAX_DAYS",
    "anniversary",
    "condition",
    "date_window",
    "in_list",
    "interaction_metric",
    "many_values",
    "open_deal",
    "purchase_metric",
    "rfm_groups",
    "rfm_score_node",
    "tag",
    "window_days",
]

#: The most days a relative window reaches from ``now`` (about 270 years): further would
#: only overflow the calendar, never select anyone new.
MAX_DAYS = 100_000
#: The largest count a behaviour leaf compares with (a 64-bit integer, as SQL stores counts).
MAX_COUNT = 2**63 - 1

Value: TypeAlias = "Scalar | tuple[Scalar, ...]"

RFM_COMPONENTS = ("recency", "frequency", "monetary")
DIRECTIONS = ("inbound", "outbound", "internal")


def condition(name: str, op: Any, value: Any) -> tuple[str, Op, Value]:
    """The checked arguments of ``Condition(name, op, value)``."""
    kind = field_kind(name)
    parsed = check_op(name, kind, op)
    if parsed is Op.IS_NULL:
        if not isinstance(value, bool):
            raise InvalidSegmentError(name, value, "is_null takes True or False")
        return name, parsed, value
    if parsed is Op.IN:
        values = many_values(name, value)
        return name, parsed, tuple(check_value(name, kind, parsed, v) for v in values)
    if parsed is Op.BETWEEN:
        low, high = _pair(name, value)
        return (
            name,
            parsed,
            (check_value(name, kind, parsed, low), check_value(name, kind, parsed, high)),
        )
    if value is None:
        raise InvalidSegmentError(name, value, "compare with None through is_null()")
    return name, parsed, check_value(name, kind, parsed, value)


def many_values(name: str, value: Any) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidSegmentError(name, value, "is_in takes a list of values")
    # Keyed by type too: True == 1 in Python, but they are different custom values.
    out = tuple({(type(v), v): v for v in value}.values())
    if any(v is None for v in out):
        raise InvalidSegmentError(name, value, "match missing values with is_null()")
    return out


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidSegmentError(name, value, "between takes (low, high)")
    items = tuple(value)
    if len(items) != 2 or None in items:
        raise InvalidSegmentError(name, value, "between takes (low, high)")
    return items[0], items[1]


def _days(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSegmentError(name, value, "a whole number of days")
    return value


def _reach(name: str, days: int | None) -> int | None:
    # Beyond MAX_DAYS a window would overflow the calendar when evaluated.
    if days is not None and abs(days) > MAX_DAYS:
        raise InvalidSegmentError(name, days, f"at most {MAX_DAYS:,} days from now")
    return days


def date_window(name: str, from_days: Any, to_days: Any) -> tuple[str, int | None, int | None]:
    """The checked arguments of ``DateWindow(name, from_days, to_days)``."""
    if field_kind(name) not in (FieldKind.DATE, FieldKind.DATETIME):
        raise InvalidSegmentError(name, from_days, "relative dates need a date field")
    lo = _reach("from_days", _days("from_days", from_days, allow_none=True))
    hi = _reach("to_days", _days("to_days", to_days, allow_none=True))
    if lo is None and hi is None:
        raise InvalidSegmentError("to_days", None, "give at least one bound")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidSegmentError("from_days", lo, f"after to_days {hi}")
    return name, lo, hi


def anniversary(name: str, days: Any) -> tuple[str, int]:
    """The checked arguments of ``Anniversary(name, days)``."""
    if field_kind(name) is not FieldKind.DATE:
        raise InvalidSegmentError(name, days, "anniversaries need a date field (birthday)")
    n = _days("days", days)
    assert n is not None
    if not 0 <= n <= 366:
        raise InvalidSegmentError("days", days, "between 0 and 366")
    return name, n


def _metric_value(metric: Metric, op: Op, value: Any) -> Scalar | tuple[Scalar, ...]:
    if op not in ORDERING - {Op.IN}:
        raise InvalidSegmentError("op", op.value, f"does not apply to {metric.value}")
    if op is Op.BETWEEN:
        low, high = _pair(metric.value, value)
        pair = (_metric_value(metric, Op.EQ, low), _metric_value(metric, Op.EQ, high))
        if isinstance(low, Money) and isinstance(high, Money) and low.currency != high.currency:
            raise InvalidSegmentError("total", value, "both bounds in one currency")
        return pair  # type: ignore[return-value]
    if metric is Metric.COUNT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidSegmentError("count", value, "a count is a whole number >= 0")
        if value > MAX_COUNT:
            raise InvalidSegmentError("count", value, "a count is at most 2**63 - 1")
        return value
    if metric is Metric.TOTAL:
        if not isinstance(value, Money):
            raise InvalidSegmentError("total", value, "compare totals with crmkit.Money")
        return value
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidSegmentError("last_at", value, "expected a timezone-aware datetime")
    return value


def interaction_metric(
    metric: Any, op: Any, value: Any, channel: Any, direction: Any, within_days: Any
) -> tuple[Metric, Op, Value, str | None, str | None, int | None]:
    """The checked arguments of ``InteractionMetric(...)``, in its order."""
    m = _parse_metric(metric, allowed=(Metric.COUNT, Metric.LAST_AT))
    o = check_op(m.value, FieldKind.CUSTOM, op)
    try:
        chan = None if channel is None else normalize_channel(channel)
    except ValidationError as exc:
        raise InvalidSegmentError("channel", channel, "not a channel name") from exc
    if isinstance(direction, str):
        direction = direction.strip().lower()
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidSegmentError("direction", direction, "inbound, outbound or internal")
    days = window_days(within_days)
    return m, o, _metric_value(m, o, value), chan, direction, days


def purchase_metric(
    metric: Any, op: Any, value: Any, within_days: Any
) -> tuple[Metric, Op, Value, int | None]:
    """The checked arguments of ``PurchaseMetric(metric, op, value, within_days)``."""
    m = _parse_metric(metric, allowed=tuple(Metric))
    o = check_op(m.value, FieldKind.CUSTOM, op)
    return m, o, _metric_value(m, o, value), window_days(within_days)


def _parse_metric(value: Any, *, allowed: tuple[Metric, ...]) -> Metric:
    try:
        m = Metric(value)
    except ValueError as exc:
        raise InvalidSegmentError("metric", value, "count, total or last_at") from exc
    if m not in allowed:
        raise InvalidSegmentError("metric", value, "not measured for this kind of event")
    return m


def window_days(within_days: Any) -> int | None:
    days = _days("within_days", within_days, allow_none=True)
    if days is not None and days < 0:
        raise InvalidSegmentError("within_days", days, "must be >= 0")
    return _reach("within_days", days)


def rfm_groups(groups: Any) -> tuple[tuple[str, ...]]:
    """The checked arguments of ``RFMGroupIn(groups)``."""
    names = many_values("rfm_group", groups)
    for g in names:
        if g not in RFM_GROUPS:
            raise InvalidSegmentError("rfm_group", g, f"one of {', '.join(RFM_GROUPS)}")
    return (names,)


def rfm_score_node(component: Any, op: Any, value: Any) -> tuple[str, Op, int | tuple[int, ...]]:
    """The checked arguments of ``RFMScore(component, op, value)``."""
    if component not in RFM_COMPONENTS:
        raise InvalidSegmentError("component", component, "recency, frequency or monetary")
    o = check_op(component, FieldKind.CUSTOM, op)
    if o not in ORDERING:
        raise InvalidSegmentError("op", op, "does not apply to RFM scores")
    if o is Op.IN:
        items: tuple[Any, ...] = many_values(component, value)
    else:
        items = _pair(component, value) if o is Op.BETWEEN else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
            raise InvalidSegmentError(component, v, "RFM scores are 1 to 5")
    return component, o, items if o in (Op.IN, Op.BETWEEN) else items[0]


def tag(name: Any) -> tuple[str]:
    """The checked arguments of ``HasTag(tag)``: folded like ``Contact.tags``."""
    try:
        (clean,) = clean_tags([name])
    except (ValidationError, ValueError) as exc:
        raise InvalidSegmentError("tag", name, "a non-empty string") from exc
    return (clean,)


def in_list(name: Any) -> tuple[str]:
    """The checked arguments of ``InList(list_name)``."""
    try:
        clean = check_list_name(name)
    except ValidationError as exc:
        raise InvalidSegmentError("list_name", name, "a non-empty list name") from exc
    return (clean,)


def open_deal(pipeline_id: Any, stage: Any) -> tuple[str | None, str | None]:
    """The checked arguments of ``HasOpenDeal(pipeline_id, stage)``."""
    for name, value in (("pipeline_id", pipeline_id), ("stage", stage)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InvalidSegmentError(name, value, "a non-empty string")
    return pipeline_id, None if stage is None else " ".join(stage.split())
