"""Did the campaign work? Measure it against a randomised holdout.

A campaign is sent to most of an audience and withheld from a random few, the holdout.
Whatever else moved both groups (season, prices, the weather) moved them alike, so the
difference of their conversion rates is what the campaign did: its **uplift**.

The package's docstring lists what is here; docs/marketing.md shows it at work.

Rates are statistics, not money, so they are floats. Counts must be whole numbers (not
``bool``), successes at most trials, and at least one trial: the rate of an empty group is
undefined, so zero trials raise :class:`crmkit.errors.ValidationError` rather than return a
made-up interval.

References: E. B. Wilson, "Probable inference, the law of succession, and statistical
inference", JASA 22 (1927) 209-212; R. G. Newcombe, "Interval estimation for the difference
between independent proportions: comparison of eleven methods", Statistics in Medicine 17
(1998) 873-890.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from statistics import NormalDist
from typing import Any

import attrs

from crmkit.errors import ValidationError

_MAX_HOLDOUT = Decimal("0.5")


def _count(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, value, "expected a whole number >= 0")
    return value


def _rate_counts(s_field: str, successes: Any, n_field: str, trials: Any) -> tuple[int, int]:
    s, n = _count(s_field, successes), _count(n_field, trials)
    if n == 0:
        raise ValidationError(n_field, n, "at least one trial: the rate of nobody is undefined")
    if s > n:
        raise ValidationError(s_field, s, f"more than the {n_field} ({n})")
    return s, n


def _z(confidence: Any) -> float:
    bad = isinstance(confidence, bool) or not isinstance(confidence, int | float | Decimal)
    if bad or not 0 < confidence < 1:
        raise ValidationError("confidence", confidence, "a level between 0 and 1, e.g. 0.95")
    return NormalDist().inv_cdf((1 + float(confidence)) / 2)


def _wilson(s: int, n: int, z: float) -> tuple[float, float]:
    p = s / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At p = 0 or 1 one bound is exactly that rate; rounding must not push it past.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for the rate ``successes / trials``: ``(low, high)``.

    81 of 263 and 0 of 20, from Table I of Newcombe's companion paper on single proportions
    (Statistics in Medicine 17 (1998) 857-872):

    >>> [round(x, 4) for x in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    >>> [round(x, 4) for x in wilson_interval(0, 20)]
    [0.0, 0.1611]
    >>> wilson_interval(3, 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid trials 0: at least one trial: the rate of nobody...
    """
    s, n = _rate_counts("successes", successes, "trials", trials)
    return _wilson(s, n, _z(confidence))


def newcombe_difference(
    s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The difference of rates ``s1/n1 - s2/n2`` with Newcombe's hybrid score interval
    (method 10 of Newcombe 1998): ``(difference, low, high)``.

    The first example of Newcombe's Table II: 56/70 against 48/80.

    >>> [round(x, 4) for x in newcombe_difference(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    a, m = _rate_counts("s1", s1, "n1", n1)
    b, n = _rate_counts("s2", s2, "n2", n2)
    z = _z(confidence)
    p1, p2 = a / m, b / n
    l1, u1 = _wilson(a, m, z)
    l2, u2 = _wilson(b, n, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, max(-1.0, low), min(1.0, high)


@attrs.frozen
class Uplift:
    """A campaign's conversion rates in the treated group and the holdout, the uplift
    (treated rate minus holdout rate) and its confidence interval."""

    treated_rate: float
    holdout_rate: float
    uplift: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95

    @property
    def significant(self) -> bool:
        """Whether the interval leaves out zero (the campaign did something, for better or
        worse, at this confidence)."""
        return self.ci_low > 0 or self.ci_high < 0


def uplift(
    treated_conversions: int,
    treated: int,
    holdout_conversions: int,
    holdout: int,
    *,
    confidence: float = 0.95,
) -> Uplift:
    """The uplift of a campaign: how much more often the treated converted than the holdout.

    >>> u = uplift(230, 2000, 40, 500)
    >>> u.treated_rate, u.holdout_rate, round(u.uplift, 3)
    (0.115, 0.08, 0.035)
    >>> round(u.ci_low, 4), round(u.ci_high, 4), u.significant
    (0.0048, 0.0604, True)
    """
    t, nt = _rate_counts("treated_conversions", treated_conversions, "treated", treated)
    h, nh = _rate_counts("holdout_conversions", holdout_conversions, "holdout", holdout)
    diff, low, high = newcombe_difference(t, nt, h, nh, confidence)
    return Uplift(t / nt, h / nh, diff, low, high, float(confidence))


@attrs.frozen
class RevenueUplift:
    """Revenue per member in the treated group and the holdout (one currency), their
    difference and its confidence interval."""

    treated_mean: Decimal
    holdout_mean: Decimal
    difference: Decimal
    ci_low: Decimal
    ci_high: Decimal
    confidence: float = 0.95


def _amounts(field: str, values: Any) -> list[Decimal]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError(field, values, "a sequence of Decimal amounts, one per member")
    for v in values:
        if not isinstance(v, Decimal) or not v.is_finite():
            raise ValidationError(field, v, "expected finite Decimal amounts")
    if len(values) < 2:
        raise ValidationError(field, len(values), "at least two members to measure a spread")
    return list(values)


def _mean_and_variance(counts: Mapping[Decimal, int]) -> tuple[Decimal, Decimal]:
    # Summed per distinct amount: a campaign's members mostly bought nothing, so a million
    # members are a few thousand distinct amounts (profiled: 0.2 s a 45,000-member report).
    n = sum(counts.values())
    mean = sum((v * k for v, k in counts.items()), Decimal(0)) / n
    spread = sum(((v - mean) ** 2 * k for v, k in counts.items()), Decimal(0))
    return mean, spread / (n - 1)


def revenue_uplift(
    treated: Sequence[Decimal], holdout: Sequence[Decimal], *, confidence: float = 0.95
) -> RevenueUplift:
    """The difference of mean revenue per member (treated minus holdout; members who bought
    nothing count as 0), with the interval ``difference ± z·√(s₁²/n₁ + s₂²/n₂)`` (Welch's
    standard error, normal quantile: for groups of at least a few dozen; revenue is skewed, so
    the more members the better). Results are rounded to the amounts' finest places plus two.

    >>> D = Decimal
    >>> r = revenue_uplift([D("30.00"), D("0.00"), D("12.50"), D("0.00")],
    ...                    [D("0.00"), D("20.00"), D("0.00")])
    >>> r.treated_mean, r.holdout_mean, r.difference
    (Decimal('10.6250'), Decimal('6.6667'), Decimal('3.9583'))
    >>> r.ci_low, r.ci_high
    (Decimal('-15.1284'), Decimal('23.0451'))
    """
    t, h = _amounts("treated", treated), _amounts("holdout", holdout)
    # Each distinct object once: a campaign's members who bought nothing share one zero.
    distinct = {id(v): v for v in t + h}.values()
    places = min(int(v.as_tuple().exponent) for v in distinct)  # all finite, so a number
    return revenue_uplift_of_counts(Counter(t), Counter(h), places=places, confidence=confidence)


def revenue_uplift_of_counts(
    treated: Mapping[Decimal, int],
    holdout: Mapping[Decimal, int],
    *,
    places: int,
    confidence: float = 0.95,
) -> RevenueUplift:
    """:func:`revenue_uplift` of groups given as revenue -> how many members had it, and the
    finest exponent *places* among the revenues (a report over a million members passes a
    few thousand distinct amounts, not a million). Each group needs two members or more.

    >>> r = revenue_uplift_of_counts({Decimal("30.00"): 1, Decimal(0): 3},
    ...                              {Decimal("20.00"): 1, Decimal(0): 1}, places=-2)
    >>> r.treated_mean, r.holdout_mean
    (Decimal('7.5000'), Decimal('10.0000'))
    """
    z = Decimal(repr(_z(confidence)))
    for field, counts in (("treated", treated), ("holdout", holdout)):
        if sum(counts.values()) < 2:
            raise ValidationError(field, sum(counts.values()), "at least two members")
    step = Decimal(1).scaleb(min(places, 0) - 2)
    (mt, vt), (mh, vh) = _mean_and_variance(treated), _mean_and_variance(holdout)
    diff = mt - mh
    half = z * (vt / sum(treated.values()) + vh / sum(holdout.values())).sqrt()
    low, high = diff - half, diff + half
    return RevenueUplift(
        mt.quantize(step),
        mh.quantize(step),
        diff.quantize(step),
        low.quantize(step),
        high.quantize(step),
        float(confidence),
    )


def revenue_uplift_of_sums(
    treated: tuple[int, Decimal, Decimal],
    holdout: tuple[int, Decimal, Decimal],
    *,
    places: int,
    confidence: float = 0.95,
) -> RevenueUplift:
    """:func:`revenue_uplift` of groups given as ``(members, sum, sum of squares)`` of the
    revenue per member, and the finest exponent *places* among the revenues: what a
    database adds up without sending a row per member. The variance is
    ``(Σx² - (Σx)²/n) / (n - 1)``, worked out with 60 significant digits so that with exact
    sums (as :class:`~decimal.Decimal` amounts are) the results equal
    :func:`revenue_uplift_of_counts`'s. Each group needs two members or more.

    >>> r = revenue_uplift_of_sums((4, Decimal("30.00"), Decimal("900.0000")),
    ...                            (2, Decimal("20.00"), Decimal("400.0000")), places=-2)
    >>> r.treated_mean, r.holdout_mean
    (Decimal('7.5000'), Decimal('10.0000'))
    """
    z = Decimal(repr(_z(confidence)))
    for field, (n, _, _) in (("treated", treated), ("holdout", holdout)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise ValidationError(field, n, "at least two members")
    step = Decimal(1).scaleb(min(places, 0) - 2)
    with localcontext() as ctx:
        # Σx² - (Σx)²/n cancels most digits of two large numbers: more digits than the
        # default 28 keep the spread as exact as the per-amount definition's.
        ctx.prec = max(ctx.prec, 60)
        (mt, vt), (mh, vh) = (
            _mean_and_variance_of_sums(*treated),
            _mean_and_variance_of_sums(*holdout),
        )
        diff = mt - mh
        half = z * (vt / treated[0] + vh / holdout[0]).sqrt()
        low, high = diff - half, diff + half
        mt, mh, diff, low, high = (x.quantize(step) for x in (mt, mh, diff, low, high))
    return RevenueUplift(mt, mh, diff, low, high, float(confidence))


def _mean_and_variance_of_sums(n: int, total: Decimal, squares: Decimal) -> tuple[Decimal, Decimal]:
    mean = total / n
    spread = squares - total * total / n
    return mean, max(spread, Decimal(0)) / (n - 1)


def _fraction(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValidationError("holdout", value, "a Decimal share, e.g. Decimal('0.1')")
    share = Decimal(value)
    if not share.is_finite() or not 0 <= share <= _MAX_HOLDOUT:
        raise ValidationError("holdout", value, "a share between 0 and 0.5")
    return share


def holdout_split(
    member_ids: Iterable[str], fraction: Decimal, seed: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split *member_ids* into ``(treated, held_out)``, both sorted.

    Exactly ``round(fraction * n)`` members are held out (halves round up): those whose
    SHA-256 of ``"seed:id"`` is lowest. The split depends only on the set of ids and the
    seed, never on their order, so it can be recomputed at measuring time. The same seed
    holds out the same people in every campaign; give each campaign its own seed unless a
    standing holdout is what you want. *fraction* is a :class:`~decimal.Decimal` from 0 to
    0.5.

    >>> ids = [f"c{i}" for i in range(10)]
    >>> treated, held_out = holdout_split(ids, Decimal("0.2"), seed=7)
    >>> len(treated), len(held_out)
    (8, 2)
    >>> holdout_split(reversed(ids), Decimal("0.2"), seed=7) == (treated, held_out)
    True
    >>> holdout_split(ids, Decimal("0.6"), seed=7)
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid holdout Decimal('0.6'): a share between 0 and 0.5
    """
    share = _fraction(fraction)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError("seed", seed, "expected a whole number")
    ids = list(member_ids)
    for member in ids:
        if not isinstance(member, str) or not member:
            raise ValidationError("member_ids", member, "expected non-empty string ids")
    unique = set(ids)
    if len(unique) != len(ids):
        raise ValidationError("member_ids", len(ids) - len(unique), "ids listed twice")
    k = int((share * len(unique)).to_integral_value(rounding=ROUND_HALF_UP))

    def rank(member: str) -> tuple[bytes, str]:
        return hashlib.sha256(f"{seed}:{member}".encode()).digest(), member

    ordered = sorted(unique, key=rank)
    return tuple(sorted(ordered[k:])), tuple(sorted(ordered[:k]))
