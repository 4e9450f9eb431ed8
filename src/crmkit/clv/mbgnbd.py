"""MBG/NBD: BG/NBD where a customer may also drop out right after the first purchase.

Batislam, Denizel and Filiztekin (2007). It avoids BG/NBD's assumption that a customer with
no repeat purchase is certainly alive.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

from crmkit.clv._data import Triples
from crmkit.clv._fit import ModelFit, fit_triples
from crmkit.clv._shape import Scalars, as_list, customers, shape
from crmkit.clv._special import log_hyp2f1, logaddexp
from crmkit.errors import ModelError

__all__ = ["ModifiedBetaGeoFit", "ModifiedBetaGeoModel"]


def _negative_ll(data: Triples) -> Callable[[Sequence[float]], float]:
    rows = list(zip(data.frequency, data.recency, data.T, data.weight, strict=True))
    n = data.customers
    xs = sorted(set(data.frequency))
    times = sorted(set(data.recency) | set(data.T))

    def negll(p: Sequence[float]) -> float:
        r, alpha, a, b = p
        lg = math.lgamma
        log_a = math.log(a)
        by_x = {x: (lg(r + x) + lg(b + x + 1.0) - lg(a + b + x + 1.0), math.log(b + x)) for x in xs}
        log_at = {t: math.log(alpha + t) for t in times}
        total = n * (-lg(r) + r * math.log(alpha) + lg(a + b) - lg(b))
        for x, t_x, t, w in rows:
            gx, log_bx = by_x[x]
            a3 = -(r + x) * log_at[t]
            a4 = log_a - log_bx + (r + x) * (log_at[t] - log_at[t_x])
            total += w * (gx + a3 + logaddexp(a4, 0.0))
        return -total

    return negll


@attrs.frozen
class ModifiedBetaGeoModel:
    """Fits MBG/NBD by maximum likelihood.

    >>> from crmkit.datasets import load_cdnow
    >>> cdnow = load_cdnow()
    >>> fit = ModifiedBetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    >>> round(fit.p_alive(0, 0, 38.86), 3) < 1.0   # unlike BG/NBD, non-repeaters may be gone
    True
    """

    def fit(
        self,
        frequency: Sequence[float],
        recency: Sequence[float],
        T: Sequence[float],
        *,
        weights: Sequence[float] | None = None,
    ) -> ModifiedBetaGeoFit:
        data = Triples.build(frequency, recency, T, weights)
        info = fit_triples(
            ("r", "alpha", "a", "b"),
            _negative_ll,
            data,
            (1.0, data.scale, 1.0, 1.0),
            "MBG/NBD",
        )
        return ModifiedBetaGeoFit(info)


@attrs.frozen
class ModifiedBetaGeoFit(ModelFit):
    """A fitted MBG/NBD model with its predictions.

    >>> fit = ModifiedBetaGeoFit.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
    >>> round(fit.p_alive(0, 0, 38.86), 3), round(fit.expected_purchases(39, 2, 30.43, 38.86), 2)
    (0.39, 1.26)
    """

    def _p(self) -> tuple[float, float, float, float]:
        p = self.info.params
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, frequency: Scalars, recency: Scalars, T: Scalars) -> Scalars:
        r, alpha, a, b = self._p()
        out = []
        for x, t_x, t in customers(frequency, recency, T):
            log_odds = math.log(a / (b + x)) + (r + x) * math.log((alpha + t) / (alpha + t_x))
            out.append(1.0 / (1.0 + math.exp(log_odds)) if log_odds < 700 else 0.0)
        return shape(out, frequency)

    def expected_purchases(
        self,
        t: float,
        frequency: Scalars,
        recency: Scalars,
        T: Scalars,
    ) -> Scalars:
        r, alpha, a, b = self._p()
        if abs(a - 1.0) < 1e-9:
            raise ModelError("a = 1 exactly: the closed form divides by a - 1")
        alive = as_list(self.p_alive(frequency, recency, T))
        out = []
        for (x, _t_x, big_t), pa in zip(customers(frequency, recency, T), alive, strict=True):
            log_term = (r + x) * math.log((alpha + big_t) / (alpha + big_t + t)) + log_hyp2f1(
                r + x, b + x + 1.0, a + b + x, t / (alpha + big_t + t)
            )
            out.append((a + b + x) / (a - 1.0) * -math.expm1(log_term) * pa)
        return shape(out, frequency)

    def expected_purchases_new_customer(self, t: float) -> float:
        r, alpha, a, b = self._p()
        if abs(a - 1.0) < 1e-9:
            raise ModelError("a = 1 exactly: the closed form divides by a - 1")
        log_term = r * math.log(alpha / (alpha + t)) + log_hyp2f1(
            r, b + 1.0, a + b, t / (alpha + t)
        )
        return b / (a - 1.0) * -math.expm1(log_term)
