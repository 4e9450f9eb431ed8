"""BG/BB: the discrete-time model for customers who can act once per period.

Fader, Hardie and Shang (2010), "Customer-base analysis in a discrete-time noncontractual
setting". Each period an alive customer transacts with probability p (beta(alpha, beta)
across customers) and may die before the next period with probability theta
(beta(gamma, delta)). Data are counts over ``n`` opportunities: ``frequency`` transactions,
the last one at opportunity ``recency``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

from crmkit.clv._data import as_floats
from crmkit.clv._fit import ModelFit, fit_positive
from crmkit.clv._shape import Scalars, shape
from crmkit.clv._special import betaln, logaddexp
from crmkit.errors import ValidationError

__all__ = ["BetaGeoBetaBinomFit", "BetaGeoBetaBinomModel"]

Row = tuple[int, int, int]


def _rows(
    frequency: Scalars | Sequence[float],
    recency: Scalars | Sequence[float],
    n_periods: Scalars | Sequence[float],
) -> list[Row]:
    xs = as_floats("frequency", frequency)
    ts = as_floats("recency", recency)
    ns = as_floats("n_periods", n_periods)
    if len(ns) == 1 and len(xs) > 1:
        ns = ns * len(xs)
    if not len(xs) == len(ts) == len(ns):
        raise ValidationError("frequency", len(xs), "frequency, recency and n_periods differ")
    out = []
    for x, t, n in zip(xs, ts, ns, strict=True):
        if not (x == int(x) and t == int(t) and n == int(n)) or n < 1:
            raise ValidationError("n_periods", n, "counts of whole periods, n >= 1")
        if not 0 <= x <= t <= n or (x == 0) != (t == 0):
            raise ValidationError("recency", t, f"need 0 <= frequency <= recency <= n={n}")
        out.append((int(x), int(t), int(n)))
    return out


def _log_likelihood(a: float, b: float, g: float, d: float, x: int, t_x: int, n: int) -> float:
    base_ab, base_gd = betaln(a, b), betaln(g, d)
    total = betaln(a + x, b + n - x) - base_ab + betaln(g, d + n) - base_gd
    for i in range(n - t_x):
        total = logaddexp(
            total, betaln(a + x, b + t_x - x + i) - base_ab + betaln(g + 1.0, d + t_x + i) - base_gd
        )
    return total


def _negative_ll(rows: dict[Row, float]) -> Callable[[Sequence[float]], float]:
    def negll(p: Sequence[float]) -> float:
        a, b, g, d = p
        return -sum(w * _log_likelihood(a, b, g, d, *row) for row, w in rows.items())

    return negll


@attrs.frozen
class BetaGeoBetaBinomModel:
    """Fits BG/BB by maximum likelihood.

    >>> from crmkit.datasets import load_donations
    >>> don = load_donations()
    >>> fit = BetaGeoBetaBinomModel().fit(don.frequency, don.recency, don.n_periods,
    ...                                   weights=don.weights)
    >>> {k: round(v, 2) for k, v in fit.params.items()}
    {'alpha': 1.2, 'beta': 0.75, 'gamma': 0.66, 'delta': 2.78}
    """

    def fit(
        self,
        frequency: Sequence[float],
        recency: Sequence[float],
        n_periods: Sequence[float],
        *,
        weights: Sequence[float] | None = None,
    ) -> BetaGeoBetaBinomFit:
        rows = _rows(frequency, recency, n_periods)
        ws = [1.0] * len(rows) if weights is None else as_floats("weights", weights)
        grouped: dict[Row, float] = {}
        for row, w in zip(rows, ws, strict=True):
            grouped[row] = grouped.get(row, 0.0) + w
        info = fit_positive(
            ("alpha", "beta", "gamma", "delta"),
            _negative_ll(grouped),
            (1.0, 1.0, 1.0, 1.0),
            sum(ws),
            "BG/BB",
        )
        return BetaGeoBetaBinomFit(info)


@attrs.frozen
class BetaGeoBetaBinomFit(ModelFit):
    """A fitted BG/BB model with its predictions.

    >>> fit = BetaGeoBetaBinomFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    >>> round(fit.p_alive(3, 4, 6), 3), round(fit.expected_purchases(5, 3, 4, 6), 2)
    (0.439, 1.03)
    """

    def _p(self) -> tuple[float, float, float, float]:
        p = self.info.params
        return p["alpha"], p["beta"], p["gamma"], p["delta"]

    def p_alive(
        self, frequency: Scalars, recency: Scalars, n_periods: Scalars, *, periods_ahead: int = 1
    ) -> Scalars:
        """Probability each customer is still alive at opportunity n + ``periods_ahead``."""
        a, b, g, d = self._p()
        out = []
        for x, t_x, n in _rows(frequency, recency, n_periods):
            alive = (
                betaln(a + x, b + n - x)
                - betaln(a, b)
                + betaln(g, d + n + periods_ahead)
                - betaln(g, d)
            )
            out.append(math.exp(alive - _log_likelihood(a, b, g, d, x, t_x, n)))
        return shape(out, frequency)

    def expected_purchases(
        self, future: int, frequency: Scalars, recency: Scalars, n_periods: Scalars
    ) -> Scalars:
        """Expected transactions in the next *future* opportunities."""
        a, b, g, d = self._p()
        out = []
        for x, t_x, n in _rows(frequency, recency, n_periods):
            log_l = _log_likelihood(a, b, g, d, x, t_x, n)
            lead = math.exp(betaln(a + x + 1, b + n - x) - betaln(a, b) - log_l)
            tail = (
                math.exp(math.lgamma(g + d) - math.lgamma(1 + d))
                * d
                / (g - 1.0)
                * (
                    math.exp(math.lgamma(1 + d + n) - math.lgamma(g + d + n))
                    - math.exp(math.lgamma(1 + d + n + future) - math.lgamma(g + d + n + future))
                )
            )
            out.append(lead * tail)
        return shape(out, frequency)
