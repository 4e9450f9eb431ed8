"""Customer lifetime value by discounted cash flow, from a purchase model and a spend model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from crmkit.clv._data import as_floats
from crmkit.clv._shape import Scalars, as_list, shape
from crmkit.clv.gammagamma import GammaGammaFit
from crmkit.errors import ValidationError

__all__ = ["PurchaseFit", "customer_lifetime_value"]


class PurchaseFit(Protocol):
    """Any fitted purchase model: BG/NBD, MBG/NBD or Pareto/NBD."""

    def expected_purchases(
        self,
        t: float,
        frequency: Scalars,
        recency: Scalars,
        T: Scalars,
    ) -> Scalars: ...


def customer_lifetime_value(
    purchases: PurchaseFit,
    spend: GammaGammaFit,
    frequency: Scalars | Sequence[float],
    recency: Scalars | Sequence[float],
    T: Scalars | Sequence[float],
    monetary_value: Scalars | Sequence[float],
    *,
    time_unit: timedelta,
    horizon: timedelta = timedelta(days=365),
    period: timedelta = timedelta(days=30),
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> Scalars:
    """Expected value of each customer's future purchases over ``horizon``.

    One customer (numbers) gives a float; sequences give a list, one value per customer.
    A spend fit with ``q <= 1`` (infinite mean spend) raises :class:`crmkit.errors.ModelError`.

    The horizon is cut into ``period``-long steps. For step k the purchase model gives the
    expected purchases in that step, the spend model the expected value of each, and the
    step's value is discounted by ``(1 + discount_rate) ** k`` (``discount_rate`` is per
    period). ``time_unit`` is the unit the summary's recency and T are in (e.g. weeks).

        CLV = sum_k margin * E[value per purchase] * (E[X(t_k)] - E[X(t_(k-1))]) / (1 + d)^k

    >>> from crmkit.clv import BetaGeoModel, GammaGammaModel
    >>> from crmkit.datasets import load_cdnow
    >>> c = load_cdnow()
    >>> bg = BetaGeoModel().fit(c.frequency, c.recency, c.T)
    >>> rep = [i for i, x in enumerate(c.frequency) if x > 0]
    >>> gg = GammaGammaModel().fit([c.frequency[i] for i in rep],
    ...                            [c.monetary_value[i] for i in rep])
    >>> v = customer_lifetime_value(bg, gg, [2, 0], [30.43, 0], [38.86, 38.86], [22.35, 0],
    ...                             time_unit=timedelta(weeks=1), horizon=timedelta(weeks=52),
    ...                             period=timedelta(weeks=4), discount_rate=0.01)
    >>> v[0] > v[1] > 0
    True
    """
    if period <= timedelta(0) or horizon < period:
        raise ValidationError("period", period, "positive, and no longer than the horizon")
    if time_unit <= timedelta(0):
        raise ValidationError("time_unit", time_unit, "a positive timedelta")
    if not discount_rate > -1.0:
        raise ValidationError("discount_rate", discount_rate, "must be above -100 %")
    steps = int(horizon / period)
    xs, rs, ts = as_floats("frequency", frequency), as_floats("recency", recency), as_floats("T", T)
    values = as_list(spend.expected_average_value(xs, as_floats("monetary_value", monetary_value)))
    before = [0.0] * len(values)
    total = [0.0] * len(values)
    for k in range(1, steps + 1):
        t_k = k * (period / time_unit)
        now = as_list(purchases.expected_purchases(t_k, xs, rs, ts))
        factor = margin / (1.0 + discount_rate) ** k
        for i in range(len(values)):
            total[i] += (now[i] - before[i]) * values[i] * factor
        before = now
    return shape(total, frequency)
