"""Issue #18: values that would overflow evaluation, and nesting that would exhaust the stack,
are refused up front with an InvalidSegmentError naming the field and the value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crmkit.contacts import Contact
from crmkit.errors import InvalidSegmentError
from crmkit.segments import (
    MAX_DEPTH,
    HasTag,
    InteractionMetric,
    Metric,
    Not,
    Op,
    Or,
    Segment,
    SegmentData,
    field,
    interactions,
    purchases,
    tag,
)

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _stored(node: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "segment": node}


@pytest.mark.parametrize(
    ("node", "name"),
    [
        (
            {"type": "purchases", "metric": "count", "op": "ge", "value": 1, "within_days": 10**12},
            "within_days",
        ),
        (
            {
                "type": "interactions",
                "metric": "count",
                "op": "ge",
                "value": 1,
                "channel": None,
                "direction": None,
                "within_days": 100_001,
            },
            "within_days",
        ),
        (
            {"type": "date_window", "field": "created_at", "from_days": -(10**12), "to_days": 0},
            "from_days",
        ),
        (
            {"type": "date_window", "field": "birthday", "from_days": None, "to_days": 10**9},
            "to_days",
        ),
    ],
)
def test_from_dict_refuses_windows_that_would_overflow(node: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidSegmentError) as info:
        Segment.from_dict(_stored(node))
    assert info.value.field == name
    assert info.value.value == node[name]
    assert "at most 100,000 days" in str(info.value)


def test_builders_refuse_them_too() -> None:
    with pytest.raises(InvalidSegmentError, match="within_days"):
        purchases(within_days=10**12)
    with pytest.raises(InvalidSegmentError, match="within_days"):
        interactions(within_days=10**12)
    with pytest.raises(InvalidSegmentError, match="from_days"):
        field("created_at").within_last(10**12)


def test_a_long_window_still_evaluates() -> None:
    data = SegmentData([Contact.new(id="a", now=NOW)], purchases=[])
    seg = field("created_at").within_last(100_000) & (purchases(within_days=100_000).count == 0)
    assert data.member_ids(seg, now=NOW) == ("a",)


def test_counts_beyond_a_64_bit_integer_are_refused() -> None:
    count = interactions().count
    with pytest.raises(InvalidSegmentError) as info:
        _ = count >= 2**63
    assert (info.value.field, info.value.value) == ("count", 2**63)
    assert (count >= 2**63 - 1) == InteractionMetric(Metric.COUNT, Op.GE, 2**63 - 1)


def test_deep_json_is_refused_before_it_exhausts_the_stack() -> None:
    node: dict[str, Any] = {"type": "tag", "tag": "x"}
    for _ in range(50_000):
        node = {"type": "not", "child": node}
    with pytest.raises(InvalidSegmentError) as info:
        Segment.from_dict(_stored(node))
    assert (info.value.field, info.value.value) == ("depth", MAX_DEPTH + 1)


def test_deeply_nested_values_are_refused_too() -> None:
    value: Any = "x"
    for _ in range(50_000):
        value = [value]
    with pytest.raises(InvalidSegmentError, match="depth"):
        Segment.from_dict(
            _stored({"type": "condition", "field": "city", "op": "in", "value": value})
        )


def _nested(levels: int) -> Segment:
    seg: Segment = tag("x")
    for i in range(levels - 1):
        seg = Not(seg) if i % 2 else Or((seg, tag("y")))
    return seg


def test_building_a_segment_deeper_than_max_depth_is_refused() -> None:
    with pytest.raises(InvalidSegmentError) as info:
        Not(_nested(MAX_DEPTH))
    assert (info.value.field, info.value.value) == ("depth", MAX_DEPTH + 1)
    seg: Segment = tag("x")
    with pytest.raises(InvalidSegmentError, match="depth"):  # noqa: PT012 (fails mid-loop)
        for _ in range(50_000):
            seg = ~(seg | tag("y"))


def test_a_segment_of_max_depth_round_trips_and_evaluates() -> None:
    seg = _nested(MAX_DEPTH)
    assert Segment.from_dict(seg.to_dict()) == seg
    people = {"a": {"x"}, "b": set(), "c": {"y"}}
    data = SegmentData([Contact.new(id=k, tags=v, now=NOW) for k, v in people.items()])

    def holds(node: Segment, tags: set[str]) -> bool:
        if isinstance(node, Not):
            return not holds(node.child, tags)
        if isinstance(node, Or):
            return any(holds(c, tags) for c in node.children)
        assert isinstance(node, HasTag)
        return node.tag in tags

    expected = tuple(k for k, v in people.items() if holds(seg, v))
    assert data.member_ids(seg, now=NOW) == expected
