"""Golden values from Newcombe (1998) and the refusals of bad counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from crmkit.errors import ValidationError
from crmkit.marketing import Uplift, newcombe_difference, uplift, wilson_interval

# Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17 (1998) 857-872, Table I, method 3 (Wilson score without continuity correction).
WILSON_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]

# Newcombe, "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Statistics in Medicine 17 (1998) 873-890, Table II, method 10.
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0),
    (10, 10, 0, 10, 0.6075, 1.0),
]


@pytest.mark.parametrize(("s", "n", "low", "high"), WILSON_TABLE_I)
def test_wilson_interval_matches_newcombe_table_i(s: int, n: int, low: float, high: float) -> None:
    assert wilson_interval(s, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(("s1", "n1", "s2", "n2", "low", "high"), NEWCOMBE_TABLE_II)
def test_newcombe_difference_matches_table_ii_method_10(
    s1: int, n1: int, s2: int, n2: int, low: float, high: float
) -> None:
    diff, lo, hi = newcombe_difference(s1, n1, s2, n2)
    assert diff == pytest.approx(s1 / n1 - s2 / n2)
    assert (lo, hi) == pytest.approx((low, high), abs=5e-5)


def test_a_higher_confidence_gives_a_wider_interval() -> None:
    narrow = wilson_interval(30, 100, confidence=0.9)
    wide = wilson_interval(30, 100, confidence=Decimal("0.99"))
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_uplift_is_the_treated_rate_minus_the_holdout_rate() -> None:
    u = uplift(56, 70, 48, 80)
    assert isinstance(u, Uplift)
    assert (u.treated_rate, u.holdout_rate) == (0.8, 0.6)
    assert (u.uplift, u.ci_low, u.ci_high) == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-5)
    assert u.significant


def test_an_interval_across_zero_is_not_significant() -> None:
    u = uplift(11, 100, 10, 100, confidence=0.9)
    assert (u.ci_low < 0 < u.ci_high, u.significant, u.confidence) == (True, False, 0.9)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((-1, 10, 1, 10), "treated_conversions"),
        ((1, 10, 1, -10), "holdout"),
        ((True, 10, 1, 10), "treated_conversions"),
        ((1, 10.0, 1, 10), "treated"),
        ((11, 10, 1, 10), "treated_conversions"),
        ((1, 10, 3, 2), "holdout_conversions"),
        ((0, 0, 1, 10), "treated"),
        ((1, 10, 0, 0), "holdout"),
    ],
)
def test_uplift_refuses_bad_counts_naming_the_field(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        uplift(*args)
    assert err.value.field == field


def test_bad_counts_name_the_argument_of_each_function() -> None:
    with pytest.raises(ValidationError) as err:
        wilson_interval(5, 4)
    assert (err.value.field, err.value.value) == ("successes", 5)
    with pytest.raises(ValidationError) as err:
        newcombe_difference(1, 2, 1, 0)
    assert (err.value.field, err.value.value) == ("n2", 0)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, True, "0.95", float("nan")])
def test_confidence_must_lie_strictly_between_zero_and_one(confidence: Any) -> None:
    with pytest.raises(ValidationError) as err:
        wilson_interval(1, 2, confidence=confidence)
    assert err.value.field == "confidence"
