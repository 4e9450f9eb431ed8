"""The stored form: versioned, JSON-safe, and strict about anything it does not know."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from crmkit import Money
from crmkit.errors import InvalidSegmentError
from crmkit.segments import FORMAT_VERSION, Segment, field, in_list, purchases, tag


def stored(node: dict[str, Any]) -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "segment": node}


def test_form_is_versioned_plain_json_with_tagged_dates_and_money() -> None:
    seg = (
        (field("birthday") < date(1990, 1, 1))
        & (field("created_at") >= datetime(2026, 1, 1, tzinfo=UTC))
        & (purchases(within_days=30).total >= Money("10.50", "EUR"))
    )
    data = seg.to_dict()
    assert data["version"] == FORMAT_VERSION
    text = json.dumps(data)
    assert '{"date": "1990-01-01"}' in text
    assert '"money": {"amount": "10.50", "currency": "EUR"}' in text
    assert Segment.from_dict(json.loads(text)) == seg


@pytest.mark.parametrize(
    "data",
    [
        stored({"type": "condition", "field": "shoe_size", "op": "eq", "value": 1}),
        stored({"type": "condition", "field": "city", "op": "like", "value": "S%"}),
        stored({"type": "condition", "field": "city", "op": "eq", "value": 3}),
        stored({"type": "condition", "field": "birthday", "op": "eq", "value": "1990-01-01"}),
        stored({"type": "condition", "field": "birthday", "op": "eq", "value": {"date": "x"}}),
        stored({"type": "condition", "field": "city", "op": "eq", "value": {"sql": "1=1"}}),
        stored({"type": "condition", "field": "city", "op": "eq", "value": "a", "raw": "1"}),
        stored({"type": "condition", "field": "city", "op": "eq"}),
        stored({"type": "tag"}),
        stored({"type": "in_list"}),
        stored({"type": "in_list", "list_name": "a", "tag": "b"}),
        stored({"type": "sql", "text": "SELECT 1"}),
        stored({"type": "and", "children": [{"type": "everyone"}]}),
        stored({"type": "not", "child": "everyone"}),
        stored(
            {
                "type": "interactions",
                "metric": "total",
                "op": "ge",
                "value": 1,
                "channel": None,
                "direction": None,
                "within_days": None,
            }
        ),
        stored({"type": "rfm_group", "groups": ["whales"]}),
        {"version": 99, "segment": {"type": "everyone"}},
        {"segment": {"type": "everyone"}},
        {"version": FORMAT_VERSION, "segment": {"type": "everyone"}, "extra": 1},
        [],
    ],
)
def test_unknown_or_malformed_input_raises_invalid_segment_error(data: Any) -> None:
    with pytest.raises(InvalidSegmentError):
        Segment.from_dict(data)


def test_tags_read_back_are_normalised_like_built_ones() -> None:
    assert Segment.from_dict(stored({"type": "tag", "tag": " VIP "})) == tag("vip")


def test_in_list_reads_back_with_its_name_kept_exactly() -> None:
    seg = in_list("June launch") & ~tag("vip")
    assert seg.to_dict()["segment"]["children"][0] == {
        "type": "in_list",
        "list_name": "June launch",
    }
    assert Segment.from_dict(json.loads(json.dumps(seg.to_dict()))) == seg
    read = Segment.from_dict(stored({"type": "in_list", "list_name": " June launch "}))
    assert read == in_list("June launch") != in_list("june launch")


@pytest.mark.parametrize("bad", ["", "  ", None, 7, ["June launch"]])
def test_in_list_with_a_bad_name_names_the_field_and_value(bad: Any) -> None:
    with pytest.raises(InvalidSegmentError) as err:
        Segment.from_dict(stored({"type": "in_list", "list_name": bad}))
    assert (err.value.field, err.value.value) == ("list_name", bad)
