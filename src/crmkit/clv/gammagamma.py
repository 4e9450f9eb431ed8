"""Gamma-Gamma: how much a customer spends per purchase.

Fader, Hardie and Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis"; Colombo and Jiang (1999). Each purchase's value is gamma(p, nu) around the
customer's own mean, and nu is gamma(q, gamma) across customers. Fit it on repeat buyers only
(frequency > 0) with their mean repeat-purchase value; it assumes spend and purchase frequency
are independent.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

import attrs

from crmkit.clv import _accel
from crmkit.clv._data import as_floats
from crmkit.clv._fit import (
    SAMPLE_SIZE,
    WARM_START_ABOVE,
    ModelFit,
    fit_positive,
    fit_warm_started,
)
from crmkit.clv._shape import Scalars, shape
from crmkit.errors import ModelError, ValidationError

__all__ = ["GammaGammaFit", "GammaGammaModel"]


def _pairs(
    frequency: Sequence[float], monetary_value: Sequence[float]
) -> list[tuple[float, float]]:
    xs, ms = as_floats("frequency", frequency), as_floats("monetary_value", monetary_value)
    if len(xs) != len(ms):
        raise ValidationError("monetary_value", len(ms), "one value per customer")
    for x, m in zip(xs, ms, strict=True):
        if x <= 0 or x != int(x):
            raise ValidationError(
                "frequency", x, "Gamma-Gamma needs repeat buyers (frequency >= 1)"
            )
        if m <= 0:
            raise ValidationError("monetary_value", m, "mean spend must be positive")
    return list(zip(xs, ms, strict=True))


def _negative_ll(pairs: list[tuple[float, float]]) -> Callable[[Sequence[float]], float]:
    # Only log(x m + v) needs every customer at every step; the other terms depend on x alone
    # or on sums over the customers sharing an x, computed once per fit.
    groups: dict[float, tuple[list[float], list[float]]] = {}
    for x, m in pairs:
        log_ms, xms = groups.setdefault(x, ([], []))
        log_ms.append(math.log(m))
        xms.append(x * m)
    by_x = [(x, float(len(ls)), math.fsum(ls), xms) for x, (ls, xms) in sorted(groups.items())]
    count = len(pairs)

    def negll(prm: Sequence[float]) -> float:
        p, q, v = prm
        lg, log = math.lgamma, math.log
        total = count * (q * log(v) - lg(q))
        for x, n, sum_log_m, xms in by_x:
            px = p * x
            spread = math.fsum([log(xm + v) for xm in xms])
            total += (
                n * (lg(px + q) - lg(px) + px * log(x)) + (px - 1.0) * sum_log_m - (px + q) * spread
            )
        return -total

    return negll


@attrs.frozen
class GammaGammaModel:
    """Fits the Gamma-Gamma spend model on repeat buyers.

    >>> from crmkit.datasets import load_cdnow
    >>> cdnow = load_cdnow()
    >>> repeat = [i for i, x in enumerate(cdnow.frequency) if x > 0]
    >>> fit = GammaGammaModel().fit([cdnow.frequency[i] for i in repeat],
    ...                             [cdnow.monetary_value[i] for i in repeat])
    >>> {k: round(v, 1) for k, v in fit.params.items()}
    {'p': 6.2, 'q': 3.7, 'v': 15.4}
    """

    accelerate: bool = True
    """Use the NumPy likelihood when NumPy is installed (same values, much faster)."""

    def fit(self, frequency: Sequence[float], monetary_value: Sequence[float]) -> GammaGammaFit:
        pairs = _pairs(frequency, monetary_value)
        if not pairs:
            raise ValidationError("frequency", [], "no repeat buyers to fit")
        mean = sum(m for _, m in pairs) / len(pairs)
        fast = self.accelerate and _accel.available()
        likelihood = _accel.gammagamma_negative_ll if fast else _negative_ll
        names, start = ("p", "q", "v"), (1.0, 2.0, mean)
        if len(pairs) <= WARM_START_ABOVE:
            info = fit_positive(names, likelihood(pairs), start, len(pairs), "Gamma-Gamma")
            return GammaGammaFit(info)
        # Spend values are continuous, so customers cannot be grouped as in the purchase
        # models; a random sample scaled up to the population finds the optimum first.
        sample = random.Random(0).sample(pairs, SAMPLE_SIZE)
        scale = len(pairs) / SAMPLE_SIZE
        sample_ll = likelihood(sample)
        info = fit_warm_started(
            names,
            likelihood(pairs),
            lambda prm: scale * sample_ll(prm),
            start,
            len(pairs),
            "Gamma-Gamma",
        )
        return GammaGammaFit(info)


@attrs.frozen
class GammaGammaFit(ModelFit):
    """A fitted Gamma-Gamma model.

    ``q <= 1`` means the population's mean spend is infinite: the fit is then flagged
    (``finite_mean`` is False) and value predictions raise :class:`crmkit.errors.ModelError`
    instead of returning a meaningless (even negative) number.

    >>> fit = GammaGammaFit.from_params(p=6.25, q=3.74, v=15.44)
    >>> [round(v, 2) for v in fit.expected_average_value([1, 6], [30.0, 30.0])]
    [31.59, 30.36]
    >>> round(fit.population_mean_spend(), 2)
    35.22
    """

    @property
    def finite_mean(self) -> bool:
        return self.info.params["q"] > 1.0

    def _check(self) -> tuple[float, float, float]:
        p, q, v = (self.info.params[k] for k in ("p", "q", "v"))
        if q <= 1.0:
            raise ModelError(f"q={q:.3g} <= 1: mean spend is infinite under this fit")
        return p, q, v

    def population_mean_spend(self) -> float:
        """Expected spend per purchase of a customer we know nothing about: p v / (q - 1)."""
        p, q, v = self._check()
        return p * v / (q - 1.0)

    def expected_average_value(self, frequency: Scalars, monetary_value: Scalars) -> Scalars:
        """Each customer's expected spend per purchase, shrunk from their own mean towards
        the population mean the fewer purchases they made."""
        p, q, v = self._check()
        xs = as_floats("frequency", frequency)
        ms = as_floats("monetary_value", monetary_value)
        if len(xs) != len(ms):
            raise ValidationError("monetary_value", len(ms), "one value per customer")
        out = [
            (p * (v + x * m)) / (p * x + q - 1.0) if x > 0 else p * v / (q - 1.0)
            for x, m in zip(xs, ms, strict=True)
        ]
        return shape(out, frequency)
