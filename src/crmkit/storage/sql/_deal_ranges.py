"""Each deal's covered stage range, kept on its row so funnel counts read deals, not changes.

A deal's range is the lowest and highest index, in its pipeline's order, of every stage its
changes went to (see :mod:`crmkit.funnel.facts`); ``range_lo``/``range_hi`` are NULL while it
has no change into a stage of the pipeline. Adding changes only widens a range, so it is
kept without reading history; renaming or reordering a pipeline's stages recomputes its deals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from crmkit.funnel.deal import StageChange
from crmkit.storage.sql._session import SQLSession

__all__ = ["recompute_ranges", "widen_ranges"]

# Keep the stored bound unless the new one lies beyond it (portable: no LEAST/GREATEST).
_WIDEN = (
    "UPDATE deals SET"
    " range_lo = CASE WHEN range_lo IS NULL OR range_lo > ? THEN ? ELSE range_lo END,"
    " range_hi = CASE WHEN range_hi IS NULL OR range_hi < ? THEN ? ELSE range_hi END"
    " WHERE workspace = ? AND id = ?"
)


def _stage_indexes(
    db: SQLSession, workspace: str, pipeline_ids: Iterable[str]
) -> dict[str, dict[str, int]]:
    out = {}
    for pid in set(pipeline_ids):
        row = db.fetchone(
            "SELECT stages FROM pipelines WHERE workspace = ? AND id = ?", (workspace, pid)
        )
        stages = [] if row is None else db.dialect.json_out(row[0])
        out[pid] = {s["name"]: i for i, s in enumerate(stages)}
    return out


def widen_ranges(db: SQLSession, workspace: str, changes: Sequence[StageChange]) -> None:
    """Widen the ranges of the deals *changes* belong to (they are already stored)."""
    indexes = _stage_indexes(db, workspace, (c.pipeline_id for c in changes))
    ranges: dict[str, tuple[int, int]] = {}
    for c in changes:
        i = indexes[c.pipeline_id].get(c.to_stage)
        if i is None:
            continue
        lo, hi = ranges.get(c.deal_id, (i, i))
        ranges[c.deal_id] = (min(lo, i), max(hi, i))
    db.executemany(_WIDEN, [(lo, lo, hi, hi, workspace, deal) for deal, (lo, hi) in ranges.items()])


def recompute_ranges(db: SQLSession, workspace: str, pipeline_id: str) -> None:
    """Recompute every range of the pipeline's deals from their changes (one statement)."""
    names = list(_stage_indexes(db, workspace, [pipeline_id])[pipeline_id])
    params: list[Any] = []
    if names:
        case = "CASE c.to_stage " + " ".join("WHEN ? THEN ?" for _ in names) + " END"
        for i, name in enumerate(names):
            params += [name, i]
    else:
        case = "NULL"
    pick = (
        "(SELECT {f}(" + case + ") FROM stage_changes c"
        " WHERE c.workspace = deals.workspace AND c.deal_id = deals.id)"
    )
    db.execute(
        f"UPDATE deals SET range_lo = {pick.format(f='min')}, range_hi = {pick.format(f='max')}"
        " WHERE workspace = ? AND pipeline_id = ?",
        [*params, *params, workspace, pipeline_id],
    )
