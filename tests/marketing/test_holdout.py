"""holdout_split: a seeded, order-free, exact-size random holdout."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import ValidationError
from crmkit.marketing import holdout_split

IDS = [f"c{i}" for i in range(1000)]


def test_the_holdout_has_the_rounded_share_of_members() -> None:
    for n, fraction, expected in [(1000, "0.1", 100), (7, "0.5", 4), (5, "0.1", 1), (4, "0", 0)]:
        _, held_out = holdout_split(IDS[:n], Decimal(fraction), seed=1)
        assert len(held_out) == expected


def test_the_split_ignores_input_order_and_depends_on_the_seed() -> None:
    shuffled = IDS[:]
    random.Random(5).shuffle(shuffled)
    first = holdout_split(IDS, Decimal("0.1"), seed=42)
    assert holdout_split(shuffled, Decimal("0.1"), seed=42) == first
    assert holdout_split(IDS, Decimal("0.1"), seed=43) != first


def test_a_larger_share_keeps_everyone_a_smaller_one_held_out() -> None:
    _, small = holdout_split(IDS, Decimal("0.05"), seed=3)
    _, large = holdout_split(IDS, Decimal("0.2"), seed=3)
    assert set(small) <= set(large)


@settings(max_examples=60, deadline=None)
@given(
    st.sets(st.text(min_size=1, max_size=8), max_size=60),
    st.decimals(min_value=0, max_value=Decimal("0.5"), places=3),
    st.integers(-(2**40), 2**40),
)
def test_every_member_lands_in_exactly_one_group(
    ids: set[str], fraction: Decimal, seed: int
) -> None:
    treated, held_out = holdout_split(ids, fraction, seed)
    assert set(treated) | set(held_out) == ids
    assert not set(treated) & set(held_out)
    assert abs(len(held_out) - fraction * len(ids)) <= 1
    assert list(treated) == sorted(treated)
    assert list(held_out) == sorted(held_out)


@pytest.mark.parametrize("fraction", [Decimal("0.51"), Decimal("-0.1"), Decimal("NaN"), 1])
def test_a_share_outside_zero_to_a_half_is_refused_naming_holdout(fraction: Any) -> None:
    with pytest.raises(ValidationError) as err:
        holdout_split(IDS, fraction, seed=1)
    assert (err.value.field, err.value.value) == ("holdout", fraction)


@pytest.mark.parametrize("fraction", [0.1, "0.1", True])
def test_a_share_must_be_a_decimal(fraction: Any) -> None:
    with pytest.raises(ValidationError) as err:
        holdout_split(IDS, fraction, seed=1)
    assert err.value.field == "holdout"


@pytest.mark.parametrize(
    ("ids", "seed", "field"),
    [
        (["a", "a"], 1, "member_ids"),
        (["a", ""], 1, "member_ids"),
        (["a", 2], 1, "member_ids"),
        (["a"], True, "seed"),
        (["a"], "7", "seed"),
    ],
)
def test_bad_ids_and_seeds_are_refused(ids: list[Any], seed: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        holdout_split(ids, Decimal("0.1"), seed)
    assert err.value.field == field
