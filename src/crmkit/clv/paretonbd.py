"""Pareto/NBD: Poisson purchasing while alive, exponential lifetimes, gamma heterogeneity.

Schmittlein, Morrison and Colombo (1987); the likelihood as written by Fader and Hardie,
"A note on deriving the Pareto/NBD model and related expressions" (2005). Purchase rates are
gamma(r, alpha), dropout rates gamma(s, beta). The Gauss hypergeometric term is evaluated in
log space after Euler's transformation (see :func:`crmkit.clv._special.log_hyp2f1_a1`), so
customers with thousands of purchases, or tiny or huge ``T``, give finite likelihoods.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

from crmkit.clv import _accel
from crmkit.clv._accel import paretonbd_negative_ll
from crmkit.clv._data import Triples
from crmkit.clv._fit import ModelFit, fit_triples
from crmkit.clv._shape import Scalars, customers, shape
from crmkit.clv._special import log_hyp2f1_a1, logaddexp, logsubexp

__all__ = ["ParetoNBDFit", "ParetoNBDModel"]


def _log_a0(r: float, alpha: float, s: float, beta: float, x: float, t_x: float, t: float) -> float:
    """log A0 of the likelihood (the integral over dropout before T)."""
    rsx = r + s + x
    if alpha >= beta:
        big, b2 = alpha, s + 1.0
    else:
        big, b2 = beta, r + x
    diff = abs(alpha - beta)
    first = log_hyp2f1_a1(rsx, b2, diff / (big + t_x)) - rsx * math.log(big + t_x)
    second = log_hyp2f1_a1(rsx, b2, diff / (big + t)) - rsx * math.log(big + t)
    if second >= first:  # t_x == T: no room to drop out between last purchase and T
        return -math.inf
    return logsubexp(first, second)


def _log_terms(
    r: float, alpha: float, s: float, beta: float, x: float, t_x: float, t: float
) -> tuple[float, float]:
    """(log of the alive-at-T term, log of the died-before-T term), without the constant."""
    alive = -(r + x) * math.log(alpha + t) - s * math.log(beta + t)
    dead = math.log(s / (r + s + x)) + _log_a0(r, alpha, s, beta, x, t_x, t)
    return alive, dead


def _negative_ll(data: Triples) -> Callable[[Sequence[float]], float]:
    rows = list(zip(data.frequency, data.recency, data.T, data.weight, strict=True))
    n = data.customers
    pairs = sorted({(x, t) for x, t_x, t, _ in rows for t in (t_x, t)})

    def negll(p: Sequence[float]) -> float:
        r, alpha, s, beta = p
        total = n * (r * math.log(alpha) + s * math.log(beta) - math.lgamma(r))
        big = max(alpha, beta)
        diff = abs(alpha - beta)
        log_s = math.log(s)
        # The hypergeometric piece depends on (x, time) only: one evaluation per distinct pair.
        h = {}
        for x, t in pairs:
            rsx = r + s + x
            b2 = s + 1.0 if alpha >= beta else r + x
            h[(x, t)] = log_hyp2f1_a1(rsx, b2, diff / (big + t)) - rsx * math.log(big + t)
        lg: dict[float, float] = {}
        for x, t_x, t, w in rows:
            g = lg.get(x)
            if g is None:
                g = lg[x] = math.lgamma(r + x)
            alive = -(r + x) * math.log(alpha + t) - s * math.log(beta + t)
            first, second = h[(x, t_x)], h[(x, t)]
            if second >= first:
                total += w * (g + alive)
            else:
                dead = log_s - math.log(r + s + x) + logsubexp(first, second)
                total += w * (g + logaddexp(alive, dead))
        return -total

    return negll


@attrs.frozen
class ParetoNBDModel:
    """Fits Pareto/NBD by maximum likelihood.

    >>> from crmkit.datasets import load_cdnow
    >>> cdnow = load_cdnow()
    >>> fit = ParetoNBDModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    >>> {k: round(v, 3) for k, v in fit.params.items()}
    {'r': 0.553, 'alpha': 10.578, 's': 0.606, 'beta': 11.668}
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
    ) -> ParetoNBDFit:
        data = Triples.build(frequency, recency, T, weights)
        start = (1.0, data.scale, 1.0, data.scale)
        accelerated = paretonbd_negative_ll if self.accelerate and _accel.available() else None
        info = fit_triples(
            ("r", "alpha", "s", "beta"),
            _negative_ll,
            data,
            start,
            "Pareto/NBD",
            accelerated=accelerated,
        )
        return ParetoNBDFit(info)


@attrs.frozen
class ParetoNBDFit(ModelFit):
    """A fitted Pareto/NBD model with its predictions.

    >>> fit = ParetoNBDFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> [round(p, 2) for p in fit.p_alive([2, 2], [30.43, 5.0], 38.86)]
    [0.87, 0.13]
    >>> round(fit.expected_purchases_new_customer(52), 2)
    1.47
    """

    def _p(self) -> tuple[float, float, float, float]:
        p = self.info.params
        return p["r"], p["alpha"], p["s"], p["beta"]

    def p_alive(self, frequency: Scalars, recency: Scalars, T: Scalars) -> Scalars:
        """Probability each customer is still active at the end of their observation."""
        r, alpha, s, beta = self._p()
        out = []
        for x, t_x, t in customers(frequency, recency, T):
            alive, dead = _log_terms(r, alpha, s, beta, x, t_x, t)
            out.append(math.exp(alive - logaddexp(alive, dead)))
        return shape(out, frequency)

    def expected_purchases(
        self,
        t: float,
        frequency: Scalars,
        recency: Scalars,
        T: Scalars,
    ) -> Scalars:
        """Expected purchases in the next *t* time units, given each customer's history."""
        r, alpha, s, beta = self._p()
        alive = self.p_alive(frequency, recency, T)
        alive_list = alive if isinstance(alive, list) else [alive]
        out = []
        for (x, _t_x, big_t), pa in zip(customers(frequency, recency, T), alive_list, strict=True):
            if abs(s - 1.0) < 1e-9:
                rate = (r + x) / (alpha + big_t) * (beta + big_t) * math.log1p(t / (beta + big_t))
            else:
                shrink = (s - 1.0) * math.log((beta + big_t) / (beta + big_t + t))
                rate = (
                    (r + x) * (beta + big_t) / ((alpha + big_t) * (s - 1.0)) * -math.expm1(shrink)
                )
            out.append(rate * pa)
        return shape(out, frequency)

    def expected_purchases_new_customer(self, t: float) -> float:
        """Expected purchases in a new customer's first *t* time units."""
        r, alpha, s, beta = self._p()
        if abs(s - 1.0) < 1e-9:
            return r * beta / alpha * math.log1p(t / beta)
        return r * beta / (alpha * (s - 1.0)) * -math.expm1((s - 1.0) * math.log(beta / (beta + t)))
