"""Building segments: operators, validation of fields, values and operators, structure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crmkit import Money
from crmkit.errors import InvalidSegmentError, ValidationError
from crmkit.segments import (
    And,
    Condition,
    InList,
    Not,
    Op,
    Or,
    Segment,
    birthday_within,
    field,
    in_list,
    interactions,
    open_deal,
    purchases,
    rfm_group,
    rfm_score,
    tag,
)


@pytest.mark.parametrize(
    ("built", "op", "value"),
    [
        (field("city") == "Sofia", Op.EQ, "Sofia"),
        (field("city") != "Sofia", Op.NE, "Sofia"),
        (field("name") < "M", Op.LT, "M"),
        (field("name") <= "M", Op.LE, "M"),
        (field("name") > "M", Op.GT, "M"),
        (field("name") >= "M", Op.GE, "M"),
        (field("city").is_in(["Sofia", "Varna", "Sofia"]), Op.IN, ("Sofia", "Varna")),
        (
            field("birthday").between(date(1990, 1, 1), date(1999, 12, 31)),
            Op.BETWEEN,
            (date(1990, 1, 1), date(1999, 12, 31)),
        ),
        (field("postcode").is_null(), Op.IS_NULL, True),
        (field("postcode").is_null(False), Op.IS_NULL, False),
        (field("address").contains("rruga"), Op.CONTAINS, "rruga"),
        (field("postcode").startswith("10"), Op.STARTSWITH, "10"),
    ],
)
def test_each_operator_builds_a_condition_with_its_value(
    built: Segment, op: Op, value: object
) -> None:
    assert isinstance(built, Condition)
    assert built.op is op
    assert built.value == value


def test_unknown_field_is_rejected_naming_it() -> None:
    with pytest.raises(InvalidSegmentError) as err:
        field("shoe_size")
    assert err.value.field == "field"
    assert err.value.value == "shoe_size"
    assert isinstance(err.value, ValidationError)


@pytest.mark.parametrize("name", ["organization.revenue", "custom.", "organization.custom.", ""])
def test_malformed_dotted_fields_are_rejected(name: str) -> None:
    with pytest.raises(InvalidSegmentError):
        field(name)


def test_organization_and_custom_fields_are_accepted() -> None:
    assert (field("organization.industry") == "Retail").field == "organization.industry"
    assert (field("organization.custom.tier") == 2).value == 2
    assert (field("custom.vat_registered") == True).value is True  # noqa: E712


@pytest.mark.parametrize(
    "build",
    [
        lambda: field("city") == 3,
        lambda: field("birthday") > "1990-01-01",
        lambda: field("birthday") > datetime(1990, 1, 1, tzinfo=UTC),
        lambda: field("created_at") > datetime(2026, 1, 1),  # naive
        lambda: field("created_at") > date(2026, 1, 1),
        lambda: field("custom.x") == [1, 2],
        lambda: field("custom.x") == float("nan"),
        lambda: field("city").is_in("Sofia"),
        lambda: field("city").is_in(["Sofia", None]),
        lambda: field("city") == None,  # noqa: E711
        lambda: field("city").is_null("yes"),
        lambda: field("custom.n").contains(3),
    ],
)
def test_wrong_value_types_raise_invalid_segment_error(build: object) -> None:
    with pytest.raises(InvalidSegmentError):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    "build",
    [
        lambda: field("birthday").contains("05"),
        lambda: field("created_at").startswith("2026"),
        lambda: field("city").within_last(30),
        lambda: field("created_at").anniversary_within(7),
        lambda: interactions(channel="phone").count.between(3, "x"),
        lambda: purchases().total >= 10,
        lambda: purchases().total.between(Money("1", "EUR"), Money("5", "ALL")),
        lambda: interactions().count >= -1,
        lambda: interactions(direction="sideways"),
        lambda: interactions(within_days=-1),
        lambda: rfm_group() == "vip",
        lambda: rfm_score("loyalty"),
        lambda: rfm_score("recency") >= 6,
        lambda: birthday_within(400),
    ],
)
def test_operators_and_arguments_that_do_not_apply_are_rejected(build: object) -> None:
    with pytest.raises(InvalidSegmentError):
        build()  # type: ignore[operator]


def test_a_value_that_looks_like_sql_is_kept_verbatim() -> None:
    sneaky = "x' OR 1=1; DROP TABLE contacts; --"
    seg = field("city") == sneaky
    assert seg.value == sneaky
    assert Segment.from_dict(seg.to_dict()) == seg


def test_segments_compare_and_hash_by_structure() -> None:
    a = (field("city") == "Sofia") & tag("VIP") & ~(interactions(channel="phone").count >= 3)
    b = (field("city") == "Sofia") & tag("vip") & ~(interactions(channel="Phone").count >= 3)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert a != ((field("city") == "Varna") & tag("vip"))


def test_and_or_flatten_and_double_negation_cancels() -> None:
    x, y, z = tag("a"), tag("b"), tag("c")
    assert x & y & z == And((x, y, z))
    assert x | y | z == Or((x, y, z))
    assert ~~x == x
    assert isinstance(~x, Not)


def test_segments_are_immutable() -> None:
    seg = field("city") == "Sofia"
    with pytest.raises(AttributeError):
        seg.value = "Varna"  # type: ignore[misc]


def test_behaviour_builders_carry_window_channel_and_direction() -> None:
    seg = interactions(channel="Phone", direction="outbound", within_days=90).count >= 3
    assert (seg.channel, seg.direction, seg.within_days, seg.value) == ("phone", "outbound", 90, 3)
    assert open_deal(stage="  Proposal ").stage == "Proposal"
    assert (purchases(within_days=180).exist()) == (purchases(within_days=180).count >= 1)


def test_true_and_one_are_different_segments() -> None:
    assert (field("custom.x") == True) != (field("custom.x") == 1)  # noqa: E712
    assert (field("custom.x") == 1) == (field("custom.x") == 1.0)
    assert field("custom.x").is_in([1, True]).value == (1, True)


def test_in_list_keeps_the_case_of_the_name_and_compares_by_structure() -> None:
    seg = in_list(" June launch ")
    assert seg == InList("June launch") == in_list("June launch")
    assert hash(seg) == hash(in_list("June launch"))
    assert in_list("June launch") != in_list("june launch")
    assert ~~seg == seg
    assert (seg & tag("vip")) == And((InList("June launch"), tag("vip")))
    with pytest.raises(AttributeError):
        seg.list_name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["", "   ", None, 3, "a\x00b"])
def test_in_list_without_a_usable_name_is_rejected_naming_it(name: object) -> None:
    with pytest.raises(InvalidSegmentError) as err:
        in_list(name)  # type: ignore[arg-type]
    assert (err.value.field, err.value.value) == ("list_name", name)
