"""The counts and durations a funnel report is assembled from.

A report is computed in two steps: *facts* (per-stage counts, stay-duration summaries, won
values per close day, cohorts) and the *assembly* of rates, velocity and tables from them
(:func:`crmkit.funnel.report.assemble`). The facts are plain aggregates a SQL backend can return
from ``GROUP BY`` queries; the in-memory path below defines exactly what each one means, and
SQL results must equal it:

* a deal's *covered range* is ``[lo, hi]``: the lowest and highest stage index it ever stood
  in (every ``to_stage`` of its history, and its current stage); a won deal's ``hi`` is the
  last stage, because a forward skip (here: to won) counts as passing through;
* ``entered[i]`` counts deals with ``lo <= i <= hi``; ``moved_on[i]`` those with ``i < hi`` or
  won; ``won[i]`` the won ones among ``entered[i]``;
* ``lost_here[i]`` counts lost deals whose stage at closing is ``i``, by ``lost_reason``;
* a *stay* is the time between a change into stage ``i`` and the deal's next change (stays
  still running are not counted); summaries use whole microseconds, floor division for the
  mean and the two-middle median, and the nearest rank ``ceil(0.9 n)`` for p90.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs

from crmkit._types import Money
from crmkit.errors import ValidationError
from crmkit.funnel.deal import Deal, DealStatus, StageChange
from crmkit.funnel.pipeline import Pipeline

__all__ = [
    "CohortFacts",
    "FunnelFacts",
    "StageFacts",
    "StayStats",
    "deal_facts",
    "month_of",
    "parse_cohort",
]

_ZERO = timedelta(0)


@attrs.frozen
class StayStats:
    """Summary of the ended stays in one stage.

    >>> s = StayStats.of([timedelta(days=d) for d in (1, 2, 3, 10)])
    >>> s.count, s.median, s.mean, s.p90
    (4, datetime.timedelta(days=2, seconds=43200), datetime.timedelta(days=4), \
datetime.timedelta(days=10))
    """

    count: int = 0
    total: timedelta = _ZERO
    median: timedelta | None = None
    p90: timedelta | None = None

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> StayStats:
        ordered = sorted(durations)
        n = len(ordered)
        if not n:
            return cls()
        mid = n // 2
        median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) // 2
        p90 = ordered[-(-9 * n // 10) - 1]
        return cls(n, sum(ordered, _ZERO), median, p90)

    @property
    def mean(self) -> timedelta | None:
        return self.total // self.count if self.count else None


@attrs.frozen
class StageFacts:
    """The aggregates of one stage (see the module docstring for their exact meaning)."""

    stage: str
    entered: int
    moved_on: int
    won: int
    lost_here: int
    lost_reasons: tuple[tuple[str, int], ...]  # most frequent first, then by name
    stays: StayStats


@attrs.frozen
class CohortFacts:
    """Deals (or contacts) created in one calendar month (UTC), by current outcome."""

    month: str
    created: int
    won: int
    lost: int
    open: int


@attrs.frozen
class FunnelFacts:
    """Everything :func:`crmkit.funnel.report.assemble` needs; what a SQL backend returns."""

    stages: tuple[StageFacts, ...]
    won: int
    lost: int
    open: int
    cycle_total: timedelta  # sum of (closed_at - created_at) over won items
    won_values: tuple[tuple[date, Money], ...]  # summed per (UTC close day, currency)
    cohorts: tuple[CohortFacts, ...]


def month_of(when: datetime) -> str:
    """The ``YYYY-MM`` cohort of an aware datetime (in UTC)."""
    return f"{when.year:04d}-{when.month:02d}"


def parse_cohort(value: object) -> str | None:
    """``"2026-03"``, a ``date`` or ``None`` -> ``"2026-03"`` or ``None``.

    >>> parse_cohort(date(2026, 3, 9)), parse_cohort("2026-03")
    ('2026-03', '2026-03')
    """
    if value is None:
        return None
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        text = value.strip()
        try:
            date.fromisoformat(text + "-01")
        except ValueError:
            pass
        else:
            if len(text) == 7:
                return text
    raise ValidationError("cohort", value, "a month as 'YYYY-MM' or a date")


class Tally:
    """Accumulates items (deals or contacts) into :class:`FunnelFacts` in O(1) per item."""

    def __init__(self, names: Sequence[str]) -> None:
        n = len(names)
        self.names = tuple(names)
        self.stays: list[list[timedelta]] = [[] for _ in range(n)]
        # Difference arrays: an item covering [lo, hi] adds at lo and removes after hi.
        self._enter = [0] * (n + 1)
        self._won = [0] * (n + 1)
        self._stop = [0] * n
        self._lost_here: list[Counter[str]] = [Counter() for _ in range(n)]
        self.won = self.lost = self.open = 0
        self.cycle_total = _ZERO
        self._values: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
        self._cohorts: dict[str, list[int]] = {}

    def add(
        self,
        lo: int,
        hi: int,
        *,
        moved_past_hi: bool,
        won: bool,
        lost: bool,
        exit_stage: int | None,
        reason: str | None,
        created_at: datetime,
        closed_at: datetime | None,
        value: Money | None,
    ) -> None:
        self._enter[lo] += 1
        self._enter[hi + 1] -= 1
        if not moved_past_hi:
            self._stop[hi] += 1
        if won:
            self._won[lo] += 1
            self._won[hi + 1] -= 1
        if exit_stage is not None:
            self._lost_here[exit_stage][reason or "unknown"] += 1
        cohort = self._cohorts.setdefault(month_of(created_at), [0, 0, 0, 0])
        cohort[0] += 1
        if won:
            self.won += 1
            cohort[1] += 1
            if closed_at is not None:
                self.cycle_total += closed_at - created_at
                if value is not None:
                    self._values[(closed_at.date(), value.currency)] += value.amount
        elif lost:
            self.lost += 1
            cohort[2] += 1
        else:
            self.open += 1
            cohort[3] += 1

    def facts(self) -> FunnelFacts:
        stages = []
        entered = won = 0
        for i, name in enumerate(self.names):
            entered += self._enter[i]
            won += self._won[i]
            reasons = self._lost_here[i]
            stages.append(
                StageFacts(
                    name,
                    entered,
                    entered - self._stop[i],
                    won,
                    sum(reasons.values()),
                    tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
                    StayStats.of(self.stays[i]),
                )
            )
        values = tuple(
            (day, Money(amount, code)) for (day, code), amount in sorted(self._values.items())
        )
        cohorts = tuple(CohortFacts(m, *c) for m, c in sorted(self._cohorts.items()))
        return FunnelFacts(
            tuple(stages), self.won, self.lost, self.open, self.cycle_total, values, cohorts
        )


def _in_order(history: list[StageChange]) -> list[StageChange]:
    # Storage returns histories ordered by (at, id); only sort when that is not the case.
    for before, after in itertools.pairwise(history):
        if after.at < before.at or (after.at == before.at and after.id < before.id):
            return sorted(history, key=lambda c: (c.at, c.id))
    return history


def select_deals(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    *,
    since: datetime | None,
    until: datetime | None,
    owner: str | None,
    cohort: str | None,
) -> dict[str, Deal]:
    """The deals of *pipeline* created in ``[since, until)``, of *owner*, in *cohort*."""
    return {
        d.id: d
        for d in deals
        if d.pipeline_id == pipeline.id
        and (since is None or d.created_at >= since)
        and (until is None or d.created_at < until)
        and (owner is None or d.owner == owner)
        and (cohort is None or month_of(d.created_at) == cohort)
    }


def deal_facts(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    changes: Iterable[StageChange],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    owner: str | None = None,
    cohort: str | None = None,
) -> FunnelFacts:
    """The facts of the deals created in ``[since, until)`` (optionally one owner or cohort).

    >>> from datetime import UTC
    >>> from crmkit.funnel.deal import open_deal, move
    >>> p = Pipeline.new("Sales", ["New", "Qualified", "Proposal"])
    >>> t = datetime(2026, 3, 2, tzinfo=UTC)
    >>> d, c1 = open_deal(p, title="A", value=Money("10", "EUR"), contact_id="c", at=t)
    >>> d, c2 = move(d, p, "Proposal", at=t + timedelta(days=2))
    >>> [(s.stage, s.entered, s.moved_on) for s in deal_facts(p, [d], [c1, c2]).stages]
    [('New', 1, 1), ('Qualified', 1, 1), ('Proposal', 1, 0)]
    """
    names = pipeline.stage_names
    index = {n: i for i, n in enumerate(names)}
    last = len(names) - 1
    chosen = select_deals(pipeline, deals, since=since, until=until, owner=owner, cohort=cohort)
    by_deal: dict[str, list[StageChange]] = defaultdict(list)
    for c in changes:
        if c.deal_id in chosen:
            by_deal[c.deal_id].append(c)
    tally = Tally(names)
    stays = tally.stays
    for deal_id, deal in chosen.items():
        lo = hi = current = index.get(deal.stage, 0)
        history = by_deal.get(deal_id, [])
        if len(history) > 1:
            history = _in_order(history)
        previous: int | None = None  # stage index of the change before, when it is a stage
        before = deal.created_at
        for change in history:  # hot loop (1M changes): plain comparisons, no min()/max()
            at = change.at
            if previous is not None:
                stays[previous].append(at - before)
            previous = index.get(change.to_stage)
            if previous is not None:
                if previous < lo:
                    lo = previous
                elif previous > hi:
                    hi = previous
            before = at
        won = deal.status is DealStatus.WON
        lost = deal.status is DealStatus.LOST
        tally.add(
            lo,
            last if won else hi,
            moved_past_hi=won,
            won=won,
            lost=lost,
            exit_stage=current if lost else None,
            reason=deal.lost_reason,
            created_at=deal.created_at,
            closed_at=deal.closed_at,
            value=deal.value,
        )
    return tally.facts()
