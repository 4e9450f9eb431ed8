"""sBG: the shifted-beta-geometric model of contract retention.

Fader and Hardie (2007), "How to project customer retention". At the end of every period a
customer on a contract (a subscription, an insurance policy, a membership) cancels with
probability theta and renews otherwise; theta stays the same for each customer and varies
across customers as beta(alpha, beta). The data are the survivors of a cohort: how many of
the customers who signed up at period 0 are still active at periods 1, 2, ...

Heterogeneity is the point of the model: the customers most likely to cancel leave first, so
the retention rate of a cohort rises with its age even though no customer's own rate changes.
Residual value follows Fader and Hardie (2010), "Customer-base valuation in a contractual
setting: the perils of ignoring heterogeneity".
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, overload

import attrs

from crmkit.clv._data import as_floats
from crmkit.clv._fit import ModelFit, fit_positive
from crmkit.clv._special import betaln, log_hyp2f1
from crmkit.errors import ValidationError

__all__ = ["ShiftedBetaGeoFit", "ShiftedBetaGeoModel"]


def _count(field: str, value: Any) -> int:
    """A whole number >= 0; bools and floats (even 3.0) are refused."""
    if isinstance(value, bool):
        raise ValidationError(field, value, "expected a whole number, not a bool")
    try:
        count = operator.index(value)
    except TypeError:
        raise ValidationError(field, value, "expected a whole number") from None
    if count < 0:
        raise ValidationError(field, value, "must not be negative")
    return count


def _survivors(field: str, counts: Sequence[int]) -> list[int]:
    """Validated survivor counts: the cohort at period 0, then never going up."""
    if isinstance(counts, str | bytes) or not isinstance(counts, Sequence):
        raise ValidationError(field, counts, "expected a sequence of counts per period")
    out = [_count(field, c) for c in counts]
    if not out or out[0] == 0:
        raise ValidationError(field, counts, "the first count is the cohort and must be > 0")
    for period, (before, now) in enumerate(itertools.pairwise(out), start=1):
        if now > before:
            raise ValidationError(
                field, now, f"survivors went up at period {period} ({before} -> {now})"
            )
    return out


def _negative_ll(
    churned: Sequence[float], survived: Sequence[float]
) -> Callable[[Sequence[float]], float]:
    """churned[t]: customers lost at the end of period t; survived[t]: still active at t when
    their cohort's observation ended (index 0 unused in both)."""

    def negll(p: Sequence[float]) -> float:
        a, b = p
        log_p = math.log(a) - math.log(a + b)  # P(T = 1) = alpha / (alpha + beta)
        log_s = math.log(b) - math.log(a + b)  # S(1) = beta / (alpha + beta)
        total = churned[1] * log_p + survived[1] * log_s
        for t in range(2, len(churned)):
            # P(T = t) = P(T = t - 1) (beta + t - 2) / (alpha + beta + t - 1), and
            # S(t) = S(t - 1) (beta + t - 1) / (alpha + beta + t - 1)
            log_p += math.log(b + t - 2.0) - math.log(a + b + t - 1.0)
            log_s += math.log(b + t - 1.0) - math.log(a + b + t - 1.0)
            total += churned[t] * log_p + survived[t] * log_s
        return -total

    return negll


@attrs.frozen
class ShiftedBetaGeoModel:
    """Fits the sBG model by maximum likelihood; ``fit`` returns a frozen
    :class:`ShiftedBetaGeoFit`.

    The "regular" customers of Fader and Hardie (2007), seven years of one cohort:

    >>> fit = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> {k: round(v, 3) for k, v in fit.params.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> round(fit.survival(12), 3), round(fit.retention_rate(12), 3)
    (0.17, 0.945)
    """

    def fit(self, survivors: Sequence[int]) -> ShiftedBetaGeoFit:
        """Fit one cohort: ``survivors[t]`` customers active at period t, t = 0, 1, ...

        At least three counts (the cohort and two periods), never going up.
        """
        return self.fit_cohorts([survivors])

    def fit_cohorts(self, cohorts: Sequence[Sequence[int]]) -> ShiftedBetaGeoFit:
        """Fit several cohorts sharing one (alpha, beta), each observed for its own length.

        ``cohorts[i][t]`` is how many of cohort i are active t periods after it signed up,
        so a cohort acquired later has a shorter list. Each cohort contributes its churn in
        every period it was watched and its survivors at the last one (Fader and Hardie,
        "Fitting the sBG model to multi-cohort data").

        >>> fit = ShiftedBetaGeoModel().fit_cohorts([[1000, 631, 468, 382], [800, 510, 381]])
        >>> round(fit.params["alpha"], 2), round(fit.params["beta"], 2)
        (0.8, 1.38)
        """
        given: object = cohorts  # checked at run time: callers may pass anything
        if isinstance(given, str | bytes) or not isinstance(given, Sequence) or not given:
            raise ValidationError("cohorts", cohorts, "expected a non-empty list of cohorts")
        valid = [_survivors("survivors", c) for c in cohorts]
        longest = max(len(c) for c in valid)
        if longest < 3:
            raise ValidationError(
                "survivors",
                list(cohorts[0]),
                "need at least 3 counts (the cohort and two periods) to fit alpha and beta",
            )
        churned = [0.0] * longest
        survived = [0.0] * longest
        for counts in valid:
            for t in range(1, len(counts)):
                churned[t] += counts[t - 1] - counts[t]
            if len(counts) > 1:
                survived[len(counts) - 1] += counts[-1]
        info = fit_positive(
            ("alpha", "beta"),
            _negative_ll(churned, survived),
            (1.0, 1.0),
            float(sum(c[0] for c in valid)),
            "sBG",
        )
        return ShiftedBetaGeoFit(info)


def _period(value: Any, *, first: int, field: str = "t") -> int:
    t = _count(field, value)
    if t < first:
        raise ValidationError(field, value, f"periods start at {first}")
    return t


@attrs.frozen
class ShiftedBetaGeoFit(ModelFit):
    """A fitted sBG model: survival, retention and churn by period, and residual lifetime.

    Periods count from the cohort's start: ``survival(0)`` is 1, ``retention_rate(1)`` the
    share of customers who renew at the end of their first period. Every method takes one
    period or a sequence of them.

    >>> fit = ShiftedBetaGeoFit.from_params(alpha=0.668, beta=3.806)   # "high end" customers
    >>> [round(s, 3) for s in fit.survival([1, 2, 7])]
    [0.851, 0.747, 0.489]
    >>> round(fit.churn_probability(1), 3), round(fit.retention_rate(1), 3)
    (0.149, 0.851)
    """

    def _p(self) -> tuple[float, float]:
        p = self.info.params
        return p["alpha"], p["beta"]

    @overload
    def survival(self, t: int) -> float: ...
    @overload
    def survival(self, t: Sequence[int]) -> list[float]: ...
    def survival(self, t: int | Sequence[int]) -> float | list[float]:
        """S(t) = B(alpha, beta + t) / B(alpha, beta): the share of a cohort still active
        t periods after it signed up."""
        a, b = self._p()
        return _each(t, 0, lambda n: math.exp(betaln(a, b + n) - betaln(a, b)))

    @overload
    def retention_rate(self, t: int) -> float: ...
    @overload
    def retention_rate(self, t: Sequence[int]) -> list[float]: ...
    def retention_rate(self, t: int | Sequence[int]) -> float | list[float]:
        """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1): the share of
        customers active in period t - 1 who are still there at t. Rises with t."""
        a, b = self._p()
        return _each(t, 1, lambda n: (b + n - 1.0) / (a + b + n - 1.0))

    @overload
    def churn_probability(self, t: int) -> float: ...
    @overload
    def churn_probability(self, t: Sequence[int]) -> list[float]: ...
    def churn_probability(self, t: int | Sequence[int]) -> float | list[float]:
        """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta): the share of a new cohort
        lost at the end of period t (not conditional on reaching it)."""
        a, b = self._p()
        return _each(t, 1, lambda n: math.exp(betaln(a + 1.0, b + n - 1.0) - betaln(a, b)))

    def expected_survivors(self, periods: int, *, cohort: float) -> list[float]:
        """Expected customers still active at periods 0, 1, ..., *periods* of a cohort of
        *cohort* customers.

        >>> fit = ShiftedBetaGeoFit.from_params(alpha=0.704, beta=1.182)
        >>> [round(n) for n in fit.expected_survivors(3, cohort=1000)]
        [1000, 627, 474, 388]
        """
        size = as_floats("cohort", cohort)
        if len(size) != 1 or size[0] < 0:
            raise ValidationError("cohort", cohort, "one number of customers, >= 0")
        last = _period(periods, first=0, field="periods")
        return [size[0] * s for s in self.survival(range(last + 1))]

    def derl(self, discount_rate: float, *, renewals: int = 0) -> float:
        """Discounted expected residual lifetime of a customer who has renewed *renewals*
        times, valued at the moment of their next renewal decision (Fader and Hardie 2010).

        The expected number of further payments, each discounted by ``1 + discount_rate``
        per period, the first counted in full. With n = renewals + 1 (the periods paid for)
        and z = 1 / (1 + discount_rate):

            DERL = (beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; z)

        Multiply by the net cash flow per period for the customer's residual value. Because
        heterogeneity sorts out the churners, it grows with the renewals already made.

        >>> fit = ShiftedBetaGeoFit.from_params(alpha=0.668, beta=3.806)
        >>> round(fit.derl(0.1), 2), round(fit.derl(0.1, renewals=4), 2)
        (5.41, 6.9)
        """
        rates = as_floats("discount_rate", discount_rate)
        if len(rates) != 1 or not rates[0] > 0:
            raise ValidationError("discount_rate", discount_rate, "one rate per period, > 0")
        a, b = self._p()
        n = _count("renewals", renewals) + 1.0
        z = 1.0 / (1.0 + rates[0])
        return (b + n - 1.0) / (a + b + n - 1.0) * math.exp(log_hyp2f1(1.0, b + n, a + b + n, z))


def _each(t: int | Sequence[int], first: int, value: Callable[[int], float]) -> float | list[float]:
    """*value* of one period, or of each period in a sequence (as a list)."""
    if isinstance(t, Sequence) and not isinstance(t, str | bytes):
        return [value(_period(n, first=first)) for n in t]
    return value(_period(t, first=first))
