"""``crm.clv``: lifetime value and P(alive) for every contact, from the ledger."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from crmkit._api._base import Context
from crmkit._types import Money, ensure_aware
from crmkit.clv._shape import as_list
from crmkit.clv.bgnbd import BetaGeoModel
from crmkit.clv.gammagamma import GammaGammaFit, GammaGammaModel
from crmkit.clv.mbgnbd import ModifiedBetaGeoModel
from crmkit.clv.paretonbd import ParetoNBDModel
from crmkit.clv.report import CLVReport, CustomerValue
from crmkit.clv.simple import historical_clv
from crmkit.clv.summary import rfm_summary
from crmkit.clv.value import customer_lifetime_value
from crmkit.errors import ConvergenceWarning, CurrencyMismatchError, ModelError, ValidationError
from crmkit.value.ledger import Transaction, TransactionKind
from crmkit.value.rates import RatesTable

__all__ = ["compute_clv"]

_MODELS: dict[str, type[BetaGeoModel | ModifiedBetaGeoModel | ParetoNBDModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "paretonbd": ParetoNBDModel,
}


def _in_currency(
    txs: list[Transaction], currency: str | None, rates: RatesTable | None
) -> tuple[list[Transaction], str]:
    currencies = {t.amount.currency for t in txs}
    target = (
        currency
        or (rates.base if rates else None)
        or (next(iter(currencies)) if len(currencies) == 1 else None)
    )
    if target is None:
        raise CurrencyMismatchError(
            "currency", sorted(currencies), "the ledger mixes currencies: pass rates="
        )
    if currencies == {target}:
        return txs, target
    if rates is None:
        raise CurrencyMismatchError("currency", sorted(currencies), "pass rates= to convert")
    return [
        attrs.evolve(t, amount=rates.convert(t.amount, t.occurred_at, target)) for t in txs
    ], target


def compute_clv(
    ctx: Context,
    *,
    as_of: datetime,
    model: str = "bgnbd",
    unit: timedelta = timedelta(days=7),
    horizon: timedelta = timedelta(days=365),
    period: timedelta = timedelta(days=30),
    discount_rate: float = 0.01,
    margin: Decimal = Decimal(1),
    currency: str | None = None,
    rates: RatesTable | None = None,
) -> CLVReport:
    end = ensure_aware(as_of, "as_of")
    if model not in _MODELS:
        raise ValidationError("model", model, f"one of {', '.join(sorted(_MODELS))}")
    with ctx.read() as uow:
        txs = [t for t in uow.transactions.iter_all() if t.occurred_at <= end]
    if not any(t.kind == TransactionKind.PURCHASE for t in txs):
        raise ModelError("no purchases in the ledger up to as_of: nothing to fit")
    txs, code = _in_currency(txs, currency, rates)
    summary = rfm_summary(txs, observation_end=end, unit=unit)
    # A customer whose first purchase falls on as_of has been watched for no time (T = 0):
    # the models cannot learn from or condition on them, so they are left out of the fit
    # and valued as the fitted model values a customer just acquired (alive, the expected
    # purchases of a new customer, no spend estimate yet).
    watched = [i for i, t in enumerate(summary.T) if t > 0]
    if not watched:
        raise ModelError("every purchase in the ledger is on the as_of day: nothing to fit")
    xs, rs, ts = (
        [column[i] for i in watched] for column in (summary.frequency, summary.recency, summary.T)
    )
    fit = _MODELS[model]().fit(xs, rs, ts)
    spend = _spend_fit(summary.frequency, summary.monetary_value)
    t_future = horizon / unit
    p_alive = dict(zip(watched, as_list(fit.p_alive(xs, rs, ts)), strict=True))
    expected = dict(
        zip(watched, as_list(fit.expected_purchases(t_future, xs, rs, ts)), strict=True)
    )
    values: dict[int, float] = {}
    if spend is not None and spend.finite_mean:
        values = dict(
            zip(
                watched,
                as_list(
                    customer_lifetime_value(
                        fit,
                        spend,
                        xs,
                        rs,
                        ts,
                        [summary.monetary_value[i] for i in watched],
                        time_unit=unit,
                        horizon=horizon,
                        period=period,
                        discount_rate=discount_rate,
                        margin=float(margin),
                    )
                ),
                strict=True,
            )
        )
    new_customer = fit.expected_purchases_new_customer(t_future)
    history = historical_clv(txs, margin=margin)
    rows = []
    for i, cid in enumerate(summary.customer_id):
        clv = (
            Money(Decimal(repr(values[i])).quantize(Decimal("0.01")), code) if i in values else None
        )
        rows.append(
            CustomerValue(
                cid,
                summary.frequency[i],
                summary.recency[i],
                summary.T[i],
                summary.monetary_value[i],
                history.get(cid, Money(0, code)),
                p_alive.get(i, 1.0),
                expected.get(i, new_customer),
                clv,
            )
        )
    return CLVReport(end, unit, horizon, code, tuple(rows), fit, spend)


def _spend_fit(frequency: tuple[float, ...], monetary: tuple[float, ...]) -> GammaGammaFit | None:
    pairs = [(x, m) for x, m in zip(frequency, monetary, strict=True) if x > 0 and m > 0]
    if len(pairs) < 3:
        return None
    with warnings.catch_warnings():
        # A degenerate spend fit is reported through finite_mean / converged, not raised.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GammaGammaModel().fit([x for x, _ in pairs], [m for _, m in pairs])
