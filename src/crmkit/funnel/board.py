"""The board now and then: what it looked like on a past date, and the deals going stale."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import ensure_aware
from crmkit.funnel._table import render_table, to_dataframe
from crmkit.funnel.deal import Deal, DealStatus, StageChange

# forecast lives in its own module; it stays importable from here for existing callers.
from crmkit.funnel.forecast import ForecastMonth, forecast
from crmkit.funnel.pipeline import Pipeline

__all__ = ["Board", "ForecastMonth", "forecast", "pipeline_as_of", "rotting_deals"]


@attrs.frozen
class Board:
    """Which deals stood in which stage at ``at``, and which had been won or lost by then."""

    at: datetime
    columns: tuple[tuple[str, tuple[str, ...]], ...]  # (stage, deal ids), in pipeline order
    won: int
    lost: int
    pipeline_id: str | None = None

    @classmethod
    def from_positions(
        cls, pipeline: Pipeline, at: datetime, positions: Iterable[tuple[str, str]]
    ) -> Board:
        """The board from each deal's last ``to_stage`` at *at*, as ``(deal_id, to_stage)``
        pairs (what a SQL backend returns with one window query).

        >>> from datetime import UTC
        >>> p = Pipeline.new("Sales", ["New", "Proposal"])
        >>> b = Board.from_positions(p, datetime(2026, 3, 1, tzinfo=UTC),
        ...                          [("d2", "New"), ("d1", "New"), ("d3", "won")])
        >>> b.column("New"), b.won, b.open
        (('d1', 'd2'), 1, 2)
        """
        columns: dict[str, list[str]] = {name: [] for name in pipeline.stage_names}
        won = lost = 0
        for deal_id, stage in positions:
            if stage == DealStatus.WON:
                won += 1
            elif stage == DealStatus.LOST:
                lost += 1
            elif stage in columns:
                columns[stage].append(deal_id)
        return cls(
            at, tuple((k, tuple(sorted(v))) for k, v in columns.items()), won, lost, pipeline.id
        )

    def column(self, stage: str) -> tuple[str, ...]:
        """Ids of the deals standing in *stage* (sorted)."""
        return dict(self.columns).get(stage, ())

    @property
    def open(self) -> int:
        return sum(len(ids) for _, ids in self.columns)

    def to_rows(self) -> list[dict[str, Any]]:
        return [{"stage": s, "deals": len(ids)} for s, ids in self.columns]

    def to_dataframe(self) -> Any:
        return to_dataframe(self.to_rows())

    def __repr__(self) -> str:
        title = (
            f"Board at {self.at.isoformat()}: open {self.open}, won {self.won}, lost {self.lost}"
        )
        return render_table(title, self.to_rows(), ["stage", "deals"])


def pipeline_as_of(
    pipeline: Pipeline, deals: Iterable[Deal], changes: Iterable[StageChange], when: datetime
) -> Board:
    """Replay the history up to *when* (inclusive): the board as it looked then.

    >>> from datetime import UTC, timedelta
    >>> from crmkit._types import Money
    >>> from crmkit.funnel.deal import open_deal, move
    >>> p = Pipeline.new("Sales", ["New", "Won over"])
    >>> t = datetime(2026, 3, 2, tzinfo=UTC)
    >>> d, c1 = open_deal(p, title="A", value=Money("1", "EUR"), contact_id="c", at=t, id="d1")
    >>> d, c2 = move(d, p, "Won over", at=t + timedelta(days=5))
    >>> pipeline_as_of(p, [d], [c1, c2], t + timedelta(days=1)).column("New")
    ('d1',)
    """
    at = ensure_aware(when, "when")
    ids = {d.id for d in deals if d.pipeline_id == pipeline.id and d.created_at <= at}
    last: dict[str, StageChange] = {}
    for c in changes:
        if c.at > at or c.deal_id not in ids:
            continue
        seen = last.get(c.deal_id)
        if seen is None or (c.at, c.id) > (seen.at, seen.id):
            last[c.deal_id] = c
    return Board.from_positions(pipeline, at, ((k, c.to_stage) for k, c in last.items()))


def rotting_deals(
    pipeline: Pipeline, deals: Iterable[Deal], now: datetime, *, owner: str | None = None
) -> list[Deal]:
    """Open deals that have sat in their stage longer than the stage's ``rotting_after``,
    most overdue first (optionally only *owner*'s).

    ``Deal.changed_at`` is when the deal entered its current stage (only stage changes set
    it), so no history is needed.

    >>> from datetime import UTC, timedelta
    >>> from crmkit._types import Money
    >>> from crmkit.funnel.deal import open_deal
    >>> from crmkit.funnel.pipeline import Stage
    >>> p = Pipeline.new("Sales", [Stage("New", rotting_after=timedelta(days=7))])
    >>> t = datetime(2026, 3, 2, tzinfo=UTC)
    >>> d, _ = open_deal(p, title="A", value=Money("1", "EUR"), contact_id="c", at=t)
    >>> [x.title for x in rotting_deals(p, [d], t + timedelta(days=8))]
    ['A']
    >>> rotting_deals(p, [d], t + timedelta(days=6))
    []
    """
    at = ensure_aware(now, "now")
    limits = {s.name: s.rotting_after for s in pipeline.stages}
    late = []
    for d in deals:
        if d.pipeline_id != pipeline.id or d.status is not DealStatus.OPEN:
            continue
        if owner is not None and d.owner != owner:
            continue
        limit = limits.get(d.stage)
        if limit is not None and at - d.changed_at > limit:
            late.append((at - d.changed_at - limit, d))
    late.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [d for _, d in late]
