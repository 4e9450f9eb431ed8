"""Properties of the intervals, and recovery of a known uplift from simulated campaigns."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from crmkit.marketing import holdout_split, newcombe_difference, uplift, wilson_interval


@st.composite
def rates(draw: st.DrawFn) -> tuple[int, int]:
    trials = draw(st.integers(1, 100_000))
    return draw(st.integers(0, trials)), trials


@given(rates(), st.floats(0.5, 0.999))
def test_wilson_interval_holds_the_rate_within_zero_and_one(
    counts: tuple[int, int], confidence: float
) -> None:
    s, n = counts
    low, high = wilson_interval(s, n, confidence)
    assert 0.0 <= low <= s / n <= high <= 1.0


@given(rates(), rates())
def test_newcombe_interval_holds_the_difference_within_minus_one_and_one(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    diff, low, high = newcombe_difference(*first, *second)
    assert -1.0 <= low <= diff <= high <= 1.0


def _campaign(rng: random.Random, seed: int, base: float, lift: float) -> bool:
    """One simulated campaign of 1,000 members, 20 % held out: does the 95 % interval
    cover the true uplift?"""
    members = [f"m{i}" for i in range(1000)]
    treated, held_out = holdout_split(members, Decimal("0.2"), seed=seed)
    converted_t = sum(rng.random() < base + lift for _ in treated)
    converted_h = sum(rng.random() < base for _ in held_out)
    u = uplift(converted_t, len(treated), converted_h, len(held_out))
    return u.ci_low <= lift <= u.ci_high


def test_the_95_percent_interval_covers_a_known_uplift_in_93_to_97_percent_of_campaigns() -> None:
    rng = random.Random(20261206)
    covered = sum(_campaign(rng, seed, base=0.10, lift=0.04) for seed in range(1000))
    assert 930 <= covered <= 970, covered
