"""The funnel report: where deals move on, where they stall or drop out, and what wins.

Computed from deals and their :class:`~crmkit.funnel.deal.StageChange` history. A forward
skip counts as passing through the skipped stages; time in a stage counts stays that ended.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import Money
from crmkit.errors import ConfigurationError
from crmkit.funnel.deal import Deal, DealStatus, StageChange
from crmkit.funnel.pipeline import Pipeline
from crmkit.rates import RatesTable

__all__ = ["CohortStats", "FunnelReport", "StageStats", "funnel_report"]


@attrs.frozen
class StageStats:
    name: str
    entered: int
    moved_on: int
    won: int
    lost_here: int
    lost_reasons: tuple[tuple[str, int], ...]
    median_time: timedelta | None
    mean_time: timedelta | None
    p90_time: timedelta | None

    @property
    def conversion_rate(self) -> float | None:
        """Share of the deals that entered this stage and moved on (or were won from it)."""
        return self.moved_on / self.entered if self.entered else None

    @property
    def conversion_to_won(self) -> float | None:
        return self.won / self.entered if self.entered else None

    @property
    def drop_off(self) -> int:
        return self.entered - self.moved_on


@attrs.frozen
class CohortStats:
    month: str  # "YYYY-MM" of creation
    created: int
    won: int
    lost: int
    open: int

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@attrs.frozen
class FunnelReport:
    """A frozen report; ``to_rows()`` for export, ``to_dataframe()`` with pandas."""

    pipeline_id: str
    stages: tuple[StageStats, ...]
    won: int
    lost: int
    open: int
    average_cycle: timedelta | None
    velocity_per_day: Money | None
    cohorts: tuple[CohortStats, ...]

    @property
    def win_rate(self) -> float | None:
        """won / (won + lost); None when nothing has closed."""
        closed = self.won + self.lost
        return self.won / closed if closed else None

    def to_rows(self) -> list[dict[str, Any]]:
        return [
            {"stage": s.name, "entered": s.entered, "moved_on": s.moved_on,
             "conversion_rate": s.conversion_rate, "conversion_to_won": s.conversion_to_won,
             "drop_off": s.drop_off, "lost_here": s.lost_here,
             "median_time": s.median_time, "mean_time": s.mean_time, "p90_time": s.p90_time}
            for s in self.stages
        ]  # fmt: skip

    def to_dataframe(self) -> Any:
        try:
            import pandas as pd
        except ImportError as exc:
            raise ConfigurationError("to_dataframe needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.to_rows())

    def __repr__(self) -> str:
        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v:.0%}"

        lines = [f"FunnelReport(win_rate={pct(self.win_rate)}, won={self.won}, lost={self.lost}, "
                 f"open={self.open})",
                 f"  {'stage':<16}{'entered':>8}{'moved on':>9}{'conv':>6}{'to won':>7}"
                 f"{'median time':>14}"]  # fmt: skip
        for s in self.stages:
            median = "-" if s.median_time is None else str(s.median_time)
            lines.append(f"  {s.name:<16}{s.entered:>8}{s.moved_on:>9}{pct(s.conversion_rate):>6}"
                         f"{pct(s.conversion_to_won):>7}{median:>14}")  # fmt: skip
        return "\n".join(lines)


def _percentile(values: Sequence[timedelta], q: float) -> timedelta:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))
    return ordered[rank]


def funnel_report(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    changes: Iterable[StageChange],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    owner: str | None = None,
    rates: RatesTable | None = None,
) -> FunnelReport:
    """The funnel of the deals created in [since, until) (optionally of one owner).

    >>> from datetime import UTC
    >>> from crmkit.funnel.deal import open_deal, move, win, lose
    >>> p = Pipeline.new("Sales", ["New", "Qualified", "Proposal"])
    >>> t = datetime(2026, 3, 2, tzinfo=UTC)
    >>> deals, history = [], []
    >>> for i, outcome in enumerate(["won", "lost", "open"]):
    ...     d, c = open_deal(p, title=f"D{i}", value=Money("100", "EUR"), contact_id="c", at=t)
    ...     history.append(c)
    ...     d, c = move(d, p, "Proposal", at=t + timedelta(days=2))
    ...     history.append(c)
    ...     if outcome == "won":
    ...         d, c = win(d, at=t + timedelta(days=5)); history.append(c)
    ...     elif outcome == "lost":
    ...         d, c = lose(d, reason="price", at=t + timedelta(days=4)); history.append(c)
    ...     deals.append(d)
    >>> r = funnel_report(p, deals, history)
    >>> [(s.name, s.entered, s.moved_on) for s in r.stages]
    [('New', 3, 3), ('Qualified', 3, 3), ('Proposal', 3, 1)]
    >>> r.win_rate, r.stages[0].median_time, r.stages[2].lost_reasons
    (0.5, datetime.timedelta(days=2), (('price', 1),))
    """
    names = pipeline.stage_names
    index = {n: i for i, n in enumerate(names)}
    chosen = {
        d.id: d for d in deals
        if d.pipeline_id == pipeline.id
        and (since is None or d.created_at >= since) and (until is None or d.created_at < until)
        and (owner is None or d.owner == owner)
    }  # fmt: skip
    by_deal: dict[str, list[StageChange]] = defaultdict(list)
    for c in changes:
        if c.deal_id in chosen:
            by_deal[c.deal_id].append(c)
    entered = [0] * len(names)
    moved_on = [0] * len(names)
    won_from = [0] * len(names)
    lost_here = [0] * len(names)
    reasons: list[Counter[str]] = [Counter() for _ in names]
    stays: list[list[timedelta]] = [[] for _ in names]
    for deal_id, deal in chosen.items():
        history = sorted(by_deal.get(deal_id, ()), key=lambda c: (c.at, c.id))
        reached = max((index[c.to_stage] for c in history if c.to_stage in index),
                      default=index.get(deal.stage, 0))  # fmt: skip
        for i in range(reached + 1):
            entered[i] += 1
            if i < reached or deal.status is DealStatus.WON:
                moved_on[i] += 1
            if deal.status is DealStatus.WON:
                won_from[i] += 1
        if deal.status is DealStatus.LOST and deal.stage in index:
            lost_here[index[deal.stage]] += 1
            reasons[index[deal.stage]][deal.lost_reason or "unknown"] += 1
        for before, after in itertools.pairwise(history):
            if before.to_stage in index:
                stays[index[before.to_stage]].append(after.at - before.at)
    stats = []
    for i, name in enumerate(names):
        times = stays[i]
        stats.append(StageStats(
            name, entered[i], moved_on[i], won_from[i], lost_here[i],
            tuple(sorted(reasons[i].items(), key=lambda kv: (-kv[1], kv[0]))),
            _median(times), (sum(times, timedelta(0)) / len(times)) if times else None,
            _percentile(times, 0.9) if times else None,
        ))  # fmt: skip
    all_deals = list(chosen.values())
    won = [d for d in all_deals if d.status is DealStatus.WON]
    lost = sum(1 for d in all_deals if d.status is DealStatus.LOST)
    open_ = [d for d in all_deals if d.status is DealStatus.OPEN]
    cycles = [d.closed_at - d.created_at for d in won if d.closed_at is not None]
    average_cycle = sum(cycles, timedelta(0)) / len(cycles) if cycles else None
    report = FunnelReport(pipeline.id, tuple(stats), len(won), lost, len(open_), average_cycle,
                          None, _cohorts(all_deals))  # fmt: skip
    return attrs.evolve(report, velocity_per_day=_velocity(report, won, open_, rates))


def _median(times: list[timedelta]) -> timedelta | None:
    if not times:
        return None
    ordered = sorted(times)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _velocity(report: FunnelReport, won: list[Deal], open_: list[Deal],
              rates: RatesTable | None) -> Money | None:  # fmt: skip
    """Sales velocity: open deals x average won value x win rate / average cycle (per day)."""
    if not won or report.win_rate is None or not report.average_cycle:
        return None
    values = [d.value if rates is None else rates.convert(d.value, d.closed_at or d.created_at)
              for d in won]  # fmt: skip
    total = values[0]
    for v in values[1:]:
        total = total + v  # CurrencyMismatchError when currencies differ without rates
    average = total.amount / len(values)
    days = Decimal(report.average_cycle.total_seconds()) / Decimal(86400)
    per_day = Decimal(len(open_)) * average * Decimal(str(report.win_rate)) / days
    return Money(per_day.quantize(Decimal("0.01")), total.currency)


def _cohorts(deals: list[Deal]) -> tuple[CohortStats, ...]:
    months: dict[str, list[Deal]] = defaultdict(list)
    for d in deals:
        months[f"{d.created_at:%Y-%m}"].append(d)
    return tuple(
        CohortStats(m, len(ds), sum(d.status is DealStatus.WON for d in ds),
                    sum(d.status is DealStatus.LOST for d in ds),
                    sum(d.status is DealStatus.OPEN for d in ds))
        for m, ds in sorted(months.items())
    )  # fmt: skip
