"""revenue_uplift: the difference of revenue per member, with a Welch-type normal interval."""

from __future__ import annotations

import math
import random
import statistics
from decimal import Decimal
from typing import Any

import pytest

from crmkit.errors import ValidationError
from crmkit.marketing import revenue_uplift


def test_matches_the_textbook_formula_in_floats() -> None:
    rng = random.Random(11)
    treated = [Decimal(rng.choice(["0.00", "0.00", "19.90", "45.50"])) for _ in range(300)]
    holdout = [Decimal(rng.choice(["0.00", "0.00", "0.00", "19.90"])) for _ in range(80)]
    t, h = [float(v) for v in treated], [float(v) for v in holdout]
    diff = statistics.mean(t) - statistics.mean(h)
    se = math.sqrt(statistics.variance(t) / len(t) + statistics.variance(h) / len(h))
    z = statistics.NormalDist().inv_cdf(0.975)
    r = revenue_uplift(treated, holdout)
    assert float(r.difference) == pytest.approx(diff, abs=1e-4)
    assert (float(r.ci_low), float(r.ci_high)) == pytest.approx(
        (diff - z * se, diff + z * se), abs=1e-4
    )
    assert r.difference.as_tuple().exponent == -4  # cents plus two places


def _covers(rng: random.Random, lift: Decimal) -> bool:
    def spend(extra: Decimal) -> Decimal:
        return Decimal(rng.randint(20, 80)) + extra if rng.random() < 0.3 else Decimal(0)

    treated = [spend(lift / Decimal("0.3")) for _ in range(800)]
    holdout = [spend(Decimal(0)) for _ in range(200)]
    r = revenue_uplift(treated, holdout)
    return r.ci_low <= lift <= r.ci_high


def test_the_interval_covers_a_known_revenue_uplift_about_95_percent_of_the_time() -> None:
    rng = random.Random(7)
    covered = sum(_covers(rng, Decimal("3")) for _ in range(400))
    assert 372 <= covered <= 392, covered  # 93 % to 98 %


@pytest.mark.parametrize(
    ("treated", "holdout", "field"),
    [
        ([Decimal(1), 2.0], [Decimal(1), Decimal(2)], "treated"),
        ([Decimal(1), Decimal(2)], [Decimal(1)], "holdout"),
        ([Decimal(1), Decimal("NaN")], [Decimal(1), Decimal(2)], "treated"),
        ("12", [Decimal(1), Decimal(2)], "treated"),
    ],
)
def test_refuses_what_is_not_a_list_of_amounts(treated: Any, holdout: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        revenue_uplift(treated, holdout)
    assert err.value.field == field
