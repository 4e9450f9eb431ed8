"""The funnel report: where deals (or contacts) move on, stall or drop out, and what wins.

:func:`funnel_report` and :func:`lifecycle_report` collect :class:`~crmkit.funnel.facts.
FunnelFacts` in memory and :func:`assemble` turns facts into the report, so a SQL backend can
return the facts from aggregate queries and reuse the same assembly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import attrs

from crmkit._types import Money, ensure_aware
from crmkit.errors import CurrencyMismatchError, ValidationError
from crmkit.funnel._table import percent, render_table, to_dataframe
from crmkit.funnel.deal import Deal, StageChange
from crmkit.funnel.facts import FunnelFacts, deal_facts, parse_cohort
from crmkit.funnel.lifecycle import LifecycleChange, LifecycleStages, lifecycle_facts
from crmkit.funnel.pipeline import Pipeline
from crmkit.value.rates import RatesTable

__all__ = [
    "CohortStats",
    "FunnelReport",
    "StageStats",
    "assemble",
    "funnel_report",
    "lifecycle_report",
]

_DAY = Decimal(86400)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@attrs.frozen
class StageStats:
    """One stage of a :class:`FunnelReport`; times count stays that ended."""

    name: str
    entered: int
    moved_on: int
    won: int
    lost_here: int
    lost_reasons: tuple[tuple[str, int], ...]
    median_time_in_stage: timedelta | None
    mean_time_in_stage: timedelta | None
    p90_time_in_stage: timedelta | None
    stays: int  # how many ended stays the times are computed from

    @property
    def conversion_rate(self) -> float | None:
        """Share of the deals that entered this stage and went beyond it (or were won)."""
        return _ratio(self.moved_on, self.entered)

    @property
    def conversion_to_won(self) -> float | None:
        """Share of the deals that entered this stage and were won in the end."""
        return _ratio(self.won, self.entered)

    @property
    def drop_off(self) -> int:
        """Deals that entered this stage and went no further (lost here or still here)."""
        return self.entered - self.moved_on

    @property
    def drop_off_rate(self) -> float | None:
        return _ratio(self.drop_off, self.entered)


@attrs.frozen
class CohortStats:
    """The deals created in one month (UTC) and where they stand now."""

    month: str
    created: int
    won: int
    lost: int
    open: int

    @property
    def win_rate(self) -> float | None:
        return _ratio(self.won, self.won + self.lost)


@attrs.frozen
class FunnelReport:
    """A frozen funnel report: ``stages``, outcomes, cycle, velocity and monthly cohorts.

    ``to_rows()`` gives plain dicts (``table="cohorts"`` for the cohort view),
    ``to_dataframe()`` the same as a pandas DataFrame, and ``repr()`` a readable table.
    """

    name: str
    stages: tuple[StageStats, ...]
    won: int
    lost: int
    open: int
    average_cycle: timedelta | None  # created -> won, over won deals
    won_value: tuple[Money, ...]  # one total per currency (one, in the base, with rates)
    cohorts: tuple[CohortStats, ...]
    pipeline_id: str | None = None

    @property
    def win_rate(self) -> float | None:
        """won / (won + lost); None when nothing has closed."""
        return _ratio(self.won, self.won + self.lost)

    @property
    def average_won_value(self) -> Money | None:
        """Mean value of the won deals; ``CurrencyMismatchError`` when they mix currencies
        and the report was built without ``rates``."""
        if not self.won_value or not self.won:
            return None
        if len(self.won_value) > 1:
            codes = sorted(m.currency for m in self.won_value)
            raise CurrencyMismatchError("currency", codes, "pass rates= to add them up")
        total = self.won_value[0]
        return Money((total.amount / self.won).quantize(Decimal("0.01")), total.currency)

    @property
    def sales_velocity(self) -> Money | None:
        """Expected won value per day: open deals x average won value x win rate / average
        cycle in days. None when nothing was won yet."""
        average = self.average_won_value
        if average is None or self.win_rate is None or not self.average_cycle:
            return None
        days = Decimal(self.average_cycle // timedelta(microseconds=1)) / (_DAY * 10**6)
        per_day = (
            Decimal(self.open)
            * average.amount
            * Decimal(self.won)
            / (Decimal(self.won + self.lost) * days)
        )
        return Money(per_day.quantize(Decimal("0.01")), average.currency)

    def to_rows(self, table: Literal["stages", "cohorts"] = "stages") -> list[dict[str, Any]]:
        """Plain rows: one per stage (default) or one per creation month."""
        if table == "cohorts":
            return [
                {
                    "month": c.month,
                    "created": c.created,
                    "won": c.won,
                    "lost": c.lost,
                    "open": c.open,
                    "win_rate": c.win_rate,
                }
                for c in self.cohorts
            ]
        if table != "stages":
            raise ValidationError("table", table, "'stages' or 'cohorts'")
        return [
            {
                "stage": s.name,
                "entered": s.entered,
                "moved_on": s.moved_on,
                "conversion_rate": s.conversion_rate,
                "conversion_to_won": s.conversion_to_won,
                "drop_off": s.drop_off,
                "lost_here": s.lost_here,
                "lost_reasons": dict(s.lost_reasons),
                "median_time_in_stage": s.median_time_in_stage,
                "mean_time_in_stage": s.mean_time_in_stage,
                "p90_time_in_stage": s.p90_time_in_stage,
            }
            for s in self.stages
        ]

    def to_dataframe(self, table: Literal["stages", "cohorts"] = "stages") -> Any:
        """:meth:`to_rows` as a pandas DataFrame (pandas is optional)."""
        return to_dataframe(self.to_rows(table))

    def __repr__(self) -> str:
        try:
            velocity = self.sales_velocity
            speed = "-" if velocity is None else f"{velocity}/day"
        except CurrencyMismatchError:
            speed = "mixed currencies (pass rates=)"
        cycle = self.average_cycle
        title = (
            f"FunnelReport {self.name!r}: won {self.won}, lost {self.lost}, open {self.open}; "
            f"win rate {percent(self.win_rate)}; average cycle "
            f"{'-' if cycle is None else f'{cycle.total_seconds() / 86400:.1f}d'}; "
            f"velocity {speed}"
        )
        rows = [
            {
                "stage": s.name,
                "entered": s.entered,
                "moved on": s.moved_on,
                "conv": percent(s.conversion_rate),
                "to won": percent(s.conversion_to_won),
                "lost": s.lost_here,
                "median": s.median_time_in_stage,
                "p90": s.p90_time_in_stage,
            }
            for s in self.stages
        ]
        columns = ["stage", "entered", "moved on", "conv", "to won", "lost", "median", "p90"]
        return render_table(title, rows, columns)


def _won_value(
    facts: FunnelFacts, rates: RatesTable | None, currency: str | None
) -> tuple[Money, ...]:
    if rates is None:
        totals: dict[str, Decimal] = {}
        for _, money in facts.won_values:
            totals[money.currency] = totals.get(money.currency, Decimal(0)) + money.amount
        return tuple(Money(v, k) for k, v in sorted(totals.items()))
    target = currency or rates.base
    total = Money(0, target)
    for day, money in facts.won_values:
        total = total + rates.convert(money, day, target)  # at the rates of the close day
    return (total,) if facts.won_values else ()


def assemble(
    facts: FunnelFacts,
    *,
    name: str,
    pipeline_id: str | None = None,
    rates: RatesTable | None = None,
    currency: str | None = None,
) -> FunnelReport:
    """Turn *facts* (from memory or from SQL aggregates) into a :class:`FunnelReport`."""
    stages = tuple(
        StageStats(
            f.stage,
            f.entered,
            f.moved_on,
            f.won,
            f.lost_here,
            f.lost_reasons,
            f.stays.median,
            f.stays.mean,
            f.stays.p90,
            f.stays.count,
        )
        for f in facts.stages
    )
    cycle = facts.cycle_total // facts.won if facts.won else None
    cohorts = tuple(CohortStats(c.month, c.created, c.won, c.lost, c.open) for c in facts.cohorts)
    return FunnelReport(
        name,
        stages,
        facts.won,
        facts.lost,
        facts.open,
        cycle,
        _won_value(facts, rates, currency),
        cohorts,
        pipeline_id,
    )


def _window(since: Any, until: Any) -> tuple[datetime | None, datetime | None]:
    lo = None if since is None else ensure_aware(since, "since")
    hi = None if until is None else ensure_aware(until, "until")
    return lo, hi


def funnel_report(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    changes: Iterable[StageChange],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    owner: str | None = None,
    cohort: Any = None,
    rates: RatesTable | None = None,
    currency: str | None = None,
) -> FunnelReport:
    """The funnel of the deals created in ``[since, until)``, optionally of one *owner* or one
    creation month (*cohort*, ``"YYYY-MM"``). Won values in several currencies add up only
    through *rates* (at the rates of each close day, into *currency* or the rates' base).

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
    >>> r.win_rate, r.stages[0].median_time_in_stage, r.stages[2].lost_reasons
    (0.5, datetime.timedelta(days=2), (('price', 1),))
    """
    lo, hi = _window(since, until)
    if currency is not None and rates is None:
        raise ValidationError("currency", currency, "converting needs rates=")
    if owner is not None and not isinstance(owner, str):
        raise ValidationError("owner", owner, "an owner is a user id string")
    facts = deal_facts(
        pipeline, deals, changes, since=lo, until=hi, owner=owner, cohort=parse_cohort(cohort)
    )
    return assemble(
        facts, name=pipeline.name, pipeline_id=pipeline.id, rates=rates, currency=currency
    )


def lifecycle_report(
    changes: Iterable[LifecycleChange],
    *,
    stages: LifecycleStages | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cohort: Any = None,
) -> FunnelReport:
    """The lifecycle funnel of the contacts whose history starts in ``[since, until)``:
    *won* means reaching the customer stage; exits (disqualified, churned) are the drop-outs,
    with their reasons, in the stage they left.

    >>> from datetime import UTC
    >>> from crmkit._types import new_id
    >>> t = datetime(2026, 1, 5, tzinfo=UTC)
    >>> history = [
    ...     LifecycleChange(new_id(), "a", None, "subscriber", t),
    ...     LifecycleChange(new_id(), "a", "subscriber", "customer", t + timedelta(days=9)),
    ...     LifecycleChange(new_id(), "b", None, "subscriber", t),
    ...     LifecycleChange(new_id(), "b", "subscriber", "disqualified", t + timedelta(days=1),
    ...                     reason="bounced"),
    ... ]
    >>> r = lifecycle_report(history)
    >>> r.won, r.lost, r.stages[0].lost_reasons, r.average_cycle
    (1, 1, (('bounced', 1),), datetime.timedelta(days=9))
    """
    lo, hi = _window(since, until)
    lifecycle = stages or LifecycleStages.default()
    facts = lifecycle_facts(lifecycle, changes, since=lo, until=hi, cohort=parse_cohort(cohort))
    return assemble(facts, name="lifecycle")
