"""The weighted pipeline: open deals' value by expected-close month, times their win chance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, overload

import attrs

from crmkit._types import Money, ensure_date
from crmkit.errors import CurrencyMismatchError, ValidationError
from crmkit.funnel._table import render_table, to_dataframe
from crmkit.funnel.deal import Deal, DealStatus
from crmkit.funnel.model import WinModel
from crmkit.funnel.pipeline import Pipeline
from crmkit.value.rates import RatesTable

__all__ = ["UNSCHEDULED", "Forecast", "ForecastMonth", "forecast"]

UNSCHEDULED = "unscheduled"
_CENT = Decimal("0.01")


@attrs.frozen
class ForecastMonth:
    """Open deals expected to close in ``month`` (``YYYY-MM`` or ``"unscheduled"``)."""

    month: str
    deals: int
    pipeline_value: Money
    weighted_value: Money


@attrs.frozen
class Forecast:
    """Months in order (unscheduled last); iterating yields the :class:`ForecastMonth` rows."""

    pipeline_id: str
    months: tuple[ForecastMonth, ...]
    method: str  # "stage probability" or "win model"

    def __iter__(self) -> Iterator[ForecastMonth]:
        return iter(self.months)

    def __len__(self) -> int:
        return len(self.months)

    @overload
    def __getitem__(self, i: int) -> ForecastMonth: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[ForecastMonth, ...]: ...
    def __getitem__(self, i: int | slice) -> ForecastMonth | tuple[ForecastMonth, ...]:
        return self.months[i]

    @property
    def total_value(self) -> Money | None:
        return _sum(m.pipeline_value for m in self.months)

    @property
    def total_weighted(self) -> Money | None:
        return _sum(m.weighted_value for m in self.months)

    def to_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "month": m.month,
                "deals": m.deals,
                "pipeline_value": m.pipeline_value.amount,
                "weighted_value": m.weighted_value.amount,
                "currency": m.weighted_value.currency,
            }
            for m in self.months
        ]

    def to_dataframe(self) -> Any:
        return to_dataframe(self.to_rows())

    def __repr__(self) -> str:
        title = f"Forecast ({self.method}): weighted {self.total_weighted or '-'}"
        return render_table(
            title,
            self.to_rows(),
            ["month", "deals", "pipeline_value", "weighted_value", "currency"],
        )


def _sum(values: Iterable[Money]) -> Money | None:
    total: Money | None = None
    for v in values:
        total = v if total is None else total + v
    return total


def forecast(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    *,
    rates: RatesTable | None = None,
    currency: str | None = None,
    on: Any = None,
    model: WinModel | None = None,
) -> Forecast:
    """Open deals' value by expected-close month, weighted by their chance of being won:
    the stage's ``probability`` (none set weighs 0), or *model*'s prediction for the deal.

    Deals in several currencies add up only through *rates*: converted into *currency* (the
    rates' base by default) at the rates valid *on* a date (default: each deal's expected
    close date, else the day it entered its stage); otherwise ``CurrencyMismatchError``.

    >>> from datetime import UTC, datetime
    >>> from crmkit.funnel.deal import open_deal
    >>> p = Pipeline.new("Sales", [{"name": "New", "probability": 0.2}])
    >>> t = datetime(2026, 3, 2, tzinfo=UTC)
    >>> d, _ = open_deal(p, title="A", value=Money("1000", "EUR"), contact_id="c", at=t,
    ...                  expected_close="2026-04-15")
    >>> f = forecast(p, [d])
    >>> f[0]
    ForecastMonth(month='2026-04', deals=1, pipeline_value=Money('1000', 'EUR'), \
weighted_value=Money('200.00', 'EUR'))
    """
    day = None if on is None else ensure_date(on, "on")
    if currency is not None and rates is None:
        raise ValidationError("currency", currency, "converting needs rates=")
    if model is not None and model.pipeline_id != pipeline.id:
        raise ValidationError("model", model.pipeline_id, "fitted on another pipeline")
    chance = {s.name: Decimal(str(s.probability or 0.0)) for s in pipeline.stages}
    buckets: dict[str, list[tuple[Money, Decimal]]] = defaultdict(list)
    for d in deals:
        if d.pipeline_id != pipeline.id or d.status is not DealStatus.OPEN:
            continue
        value = d.value
        if rates is not None:
            value = rates.convert(value, day or d.expected_close or d.changed_at.date(), currency)
        if model is not None:
            p = Decimal(f"{model.probability(d):.6f}")
        else:
            p = chance.get(d.stage, Decimal(0))
        month = UNSCHEDULED if d.expected_close is None else f"{d.expected_close:%Y-%m}"
        buckets[month].append((value, p))
    codes = sorted({v.currency for items in buckets.values() for v, _ in items})
    if len(codes) > 1:
        raise CurrencyMismatchError("currency", codes, "pass rates= to add them up")
    months = []
    for month in sorted(buckets, key=lambda m: (m == UNSCHEDULED, m)):
        items = buckets[month]
        total = sum((v.amount for v, _ in items), Decimal(0))
        weighted = sum((v.amount * p for v, p in items), Decimal(0))
        months.append(
            ForecastMonth(
                month, len(items), Money(total, codes[0]), Money(weighted.quantize(_CENT), codes[0])
            )
        )
    method = "stage probability" if model is None else "win model"
    return Forecast(pipeline.id, tuple(months), method)
