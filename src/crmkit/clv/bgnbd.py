"""BG/NBD: the beta-geometric / negative binomial model of repeat buying.

Fader, Hardie and Lee (2005), "Counting your customers the easy way". While alive a customer
buys at a Poisson rate (heterogeneous across customers: gamma(r, alpha)); after each purchase
they may drop out for good with probability p (heterogeneous: beta(a, b)).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

from crmkit.clv import _accel
from crmkit.clv._accel import bgnbd_negative_ll
from crmkit.clv._data import Triples
from crmkit.clv._fit import ModelFit, fit_triples
from crmkit.clv._shape import Scalars, as_list, customers, shape
from crmkit.clv._special import log_abs_hyp2f1, logaddexp
from crmkit.errors import ModelError

__all__ = ["BetaGeoFit", "BetaGeoModel"]


def _negative_ll(data: Triples) -> Callable[[Sequence[float]], float]:
    rows = list(zip(data.frequency, data.recency, data.T, data.weight, strict=True))
    n = data.customers
    xs = sorted(set(data.frequency))
    times = sorted(set(data.recency) | set(data.T))

    def negll(p: Sequence[float]) -> float:
        r, alpha, a, b = p
        lg = math.lgamma
        log_a = math.log(a)
        # Terms that depend on x only, or on one time only, are computed once per distinct
        # value rather than once per customer.
        by_x = {
            x: (lg(r + x) + lg(b + x) - lg(a + b + x), math.log(b + x - 1.0) if x > 0 else 0.0)
            for x in xs
        }
        log_at = {t: math.log(alpha + t) for t in times}
        total = n * (-lg(r) + r * math.log(alpha) + lg(a + b) - lg(b))
        for x, t_x, t, w in rows:
            gx, log_b1 = by_x[x]
            a3 = -(r + x) * log_at[t]
            if x > 0:
                a4 = log_a - log_b1 - (r + x) * log_at[t_x]
                total += w * (gx + logaddexp(a3, a4))
            else:
                total += w * (gx + a3)
        return -total

    return negll


@attrs.frozen
class BetaGeoModel:
    """Fits BG/NBD by maximum likelihood; ``fit`` returns a frozen :class:`BetaGeoFit`.

    Time is in whatever unit ``recency`` and ``T`` use (weeks for CDNOW).

    >>> from crmkit.datasets import load_cdnow
    >>> cdnow = load_cdnow()
    >>> fit = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    >>> {k: round(v, 3) for k, v in fit.params.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    accelerate: bool = True
    """Use the NumPy likelihood when NumPy is installed (same values, much faster)."""

    def fit(
        self,
        frequency: Sequence[float],
        recency: Sequence[float],
        T: Sequence[float],
        *,
        weights: Sequence[float] | None = None,
    ) -> BetaGeoFit:
        data = Triples.build(frequency, recency, T, weights)
        info = fit_triples(
            ("r", "alpha", "a", "b"),
            _negative_ll,
            data,
            (1.0, data.scale, 1.0, 1.0),
            "BG/NBD",
            accelerated=bgnbd_negative_ll if self.accelerate and _accel.available() else None,
        )
        return BetaGeoFit(info)


@attrs.frozen
class BetaGeoFit(ModelFit):
    """A fitted BG/NBD model: parameters, likelihood, standard errors, predictions."""

    def _p(self) -> tuple[float, float, float, float]:
        p = self.info.params
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, frequency: Scalars, recency: Scalars, T: Scalars) -> Scalars:
        """Probability each customer is still active at the end of their observation."""
        r, alpha, a, b = self._p()
        out = []
        for x, t_x, t in customers(frequency, recency, T):
            if x == 0:
                out.append(1.0)
                continue
            log_odds = (
                math.log(a)
                - math.log(b + x - 1)
                + (r + x) * (math.log(alpha + t) - math.log(alpha + t_x))
            )
            out.append(1.0 / (1.0 + math.exp(log_odds)) if log_odds < 700 else 0.0)
        return shape(out, frequency)

    def expected_purchases(
        self,
        t: float,
        frequency: Scalars,
        recency: Scalars,
        T: Scalars,
    ) -> Scalars:
        """Expected purchases in the next *t* time units, given each customer's history."""
        r, alpha, a, b = self._p()
        if abs(a - 1.0) < 1e-9:
            raise ModelError("a = 1 exactly: the closed form divides by a - 1")
        out = []
        alive = as_list(self.p_alive(frequency, recency, T))
        for (x, _t_x, big_t), p_alive in zip(customers(frequency, recency, T), alive, strict=True):
            z = t / (alpha + big_t + t)
            log_pow = (r + x) * math.log((alpha + big_t) / (alpha + big_t + t))
            first = (a + b + x - 1) / (a - 1) * _one_minus(log_pow, r + x, b + x, a + b + x - 1, z)
            # p_alive's denominator, 1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)
            out.append(first * p_alive)
        return shape(out, frequency)

    def expected_purchases_new_customer(self, t: float) -> float:
        """Expected purchases in a new customer's first *t* time units."""
        r, alpha, a, b = self._p()
        if abs(a - 1.0) < 1e-9:
            raise ModelError("a = 1 exactly: the closed form divides by a - 1")
        log_pow = r * math.log(alpha / (alpha + t))
        return (a + b - 1) / (a - 1) * _one_minus(log_pow, r, b, a + b - 1, t / (alpha + t))

    def probability_of_purchases(self, n: int, t: float) -> float:
        """Probability that a new customer makes exactly *n* repeat purchases in their first
        *t* time units (Fader, Hardie and Lee 2005, equation 8).

        >>> fit = BetaGeoFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(sum(fit.probability_of_purchases(n, 39.0) for n in range(200)), 6)
        1.0
        """
        if n < 0 or t < 0:
            raise ModelError(f"need n >= 0 and t >= 0, got n={n}, t={t}")
        if t == 0:
            return 1.0 if n == 0 else 0.0
        r, alpha, a, b = self._p()
        lg = math.lgamma
        log_beta_ab = lg(a) + lg(b) - lg(a + b)
        log_stay = r * math.log(alpha / (alpha + t))  # log of (alpha / (alpha + t))^r
        log_z = math.log(t / (alpha + t))

        def poisson_gamma(j: int) -> float:  # NBD probability of j purchases by t
            return math.exp(lg(r + j) - lg(r) - lg(j + 1) + log_stay + j * log_z)

        log_still = lg(a) + lg(b + n) - lg(a + b + n) - log_beta_ab
        p = math.exp(log_still) * poisson_gamma(n)
        if n > 0:
            # Dropped out right after the n-th purchase, which came before t.
            log_left = lg(a + 1) + lg(b + n - 1) - lg(a + b + n) - log_beta_ab
            p += math.exp(log_left) * max(0.0, 1.0 - sum(poisson_gamma(j) for j in range(n)))
        return p


def _one_minus(log_pow: float, h1: float, h2: float, h3: float, z: float) -> float:
    """1 - exp(log_pow) 2F1(h1, h2; h3; z), without cancellation when the product is near 1.

    h3 = a + b - 1 is negative when a + b < 1, and 2F1 may then be negative too.
    """
    sign, log_abs = log_abs_hyp2f1(h1, h2, h3, z)
    if sign > 0.0:
        return -math.expm1(log_pow + log_abs)
    return 1.0 - sign * math.exp(log_pow + log_abs)
