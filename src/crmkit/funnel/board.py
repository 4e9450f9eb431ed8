"""The board now and then: a past date's board, rotting deals, and the weighted forecast."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import attrs

from crmkit._types import Money
from crmkit.errors import CurrencyMismatchError, ValidationError
from crmkit.funnel.deal import Deal, DealStatus, StageChange
from crmkit.funnel.pipeline import Pipeline
from crmkit.rates import RatesTable

__all__ = ["Board", "ForecastMonth", "forecast", "pipeline_as_of", "rotting_deals"]


@attrs.frozen
class Board:
    """Which deals stood in which stage at ``at``, and how many had closed by then."""

    at: datetime
    columns: tuple[tuple[str, tuple[str, ...]], ...]  # (stage, deal ids)
    won: int
    lost: int

    def column(self, stage: str) -> tuple[str, ...]:
        return dict(self.columns).get(stage, ())


def pipeline_as_of(
    pipeline: Pipeline, deals: Iterable[Deal], changes: Iterable[StageChange], when: datetime
) -> Board:
    """Replay the history up to *when* (inclusive): the board as it looked then."""
    deal_ids = {d.id for d in deals if d.pipeline_id == pipeline.id and d.created_at <= when}
    last: dict[str, StageChange] = {}
    for c in sorted(changes, key=lambda c: (c.at, c.id)):
        if c.deal_id in deal_ids and c.at <= when:
            last[c.deal_id] = c
    columns: dict[str, list[str]] = {name: [] for name in pipeline.stage_names}
    won = lost = 0
    for deal_id, change in sorted(last.items()):
        if change.to_stage == "won":
            won += 1
        elif change.to_stage == "lost":
            lost += 1
        elif change.to_stage in columns:
            columns[change.to_stage].append(deal_id)
    return Board(when, tuple((k, tuple(v)) for k, v in columns.items()), won, lost)


def rotting_deals(pipeline: Pipeline, deals: Iterable[Deal], now: datetime) -> list[Deal]:
    """Open deals that have sat in their stage longer than the stage's ``rotting_after``,
    longest-waiting first."""
    out = []
    for d in deals:
        if d.pipeline_id != pipeline.id or d.status is not DealStatus.OPEN:
            continue
        limit = pipeline.stage(d.stage).rotting_after
        if limit is not None and now - d.changed_at > limit:
            out.append(d)
    return sorted(out, key=lambda d: d.changed_at)


@attrs.frozen
class ForecastMonth:
    month: str  # "YYYY-MM" of expected close, or "unscheduled"
    deals: int
    pipeline_value: Money
    weighted_value: Money


def forecast(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    *,
    on: date | None = None,
    rates: RatesTable | None = None,
    currency: str | None = None,
) -> list[ForecastMonth]:
    """Open deals' value by expected-close month, weighted by their stage's probability.

    Deals in different currencies need ``rates`` (converted at the rates valid ``on``, default
    each deal's expected close date); a stage without a probability weighs 0.
    """
    buckets: dict[str, list[tuple[Money, Decimal]]] = defaultdict(list)
    for d in deals:
        if d.pipeline_id != pipeline.id or d.status is not DealStatus.OPEN:
            continue
        value = d.value
        if rates is not None:
            when = on or d.expected_close or d.created_at.date()
            value = rates.convert(value, when, currency)
        p = pipeline.stage(d.stage).probability
        month = "unscheduled" if d.expected_close is None else f"{d.expected_close:%Y-%m}"
        buckets[month].append((value, Decimal(str(p or 0.0))))
    out = []
    for month in sorted(buckets, key=lambda m: (m == "unscheduled", m)):
        items = buckets[month]
        codes = {v.currency for v, _ in items}
        if len(codes) > 1:
            raise CurrencyMismatchError("currency", sorted(codes), "pass rates= to add them")
        total = sum((v.amount for v, _ in items), Decimal(0))
        weighted = sum((v.amount * p for v, p in items), Decimal(0))
        code = codes.pop()
        out.append(ForecastMonth(month, len(items), Money(total, code),
                                 Money(weighted.quantize(Decimal("0.01")), code)))  # fmt: skip
    if on is not None and not isinstance(on, date):
        raise ValidationError("on", on, "a date")
    return out
