"""Pipelines, deals and stage changes on any SQL backend."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from crmkit._types import Money
from crmkit.errors import DealNotFoundError, PipelineNotFoundError, StageChangeNotFoundError
from crmkit.funnel.deal import Deal, DealStatus, StageChange
from crmkit.funnel.facts import FunnelFacts
from crmkit.funnel.pipeline import Pipeline, Stage, pipeline_name_key
from crmkit.storage.sql._deal_ranges import recompute_ranges, widen_ranges
from crmkit.storage.sql._funnel_facts import sql_funnel_facts
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec

__all__ = [
    "SQLDealRepository",
    "SQLPipelineRepository",
    "SQLStageChangeRepository",
    "key_pipeline_names",
]

_MICROSECOND = timedelta(microseconds=1)


def _pipeline_row(p: Pipeline, d: Dialect) -> tuple[Any, ...]:
    stages = [
        {
            "name": s.name,
            "probability": s.probability,
            "rotting_after": None if s.rotting_after is None else s.rotting_after.total_seconds(),
        }
        for s in p.stages
    ]
    return (p.id, p.name, d.json(stages), d.ts(p.created_at), p.version, p.name_key)


def _pipeline(r: Row, d: Dialect) -> Pipeline:
    stages = tuple(
        Stage(
            s["name"],
            s["probability"],
            None if s["rotting_after"] is None else timedelta(seconds=s["rotting_after"]),
        )
        for s in d.json_out(r[2])
    )
    return Pipeline(r[0], r[1], stages, d.ts_out(r[3]), r[4])


def _deal_row(x: Deal, d: Dialect) -> tuple[Any, ...]:
    return (
        x.id,
        x.pipeline_id,
        x.title,
        d.decimal(x.value.amount),
        x.value.currency,
        x.stage,
        x.status.value,
        d.ts(x.created_at),
        d.ts(x.changed_at),
        x.contact_id,
        x.organization_id,
        x.owner,
        None if x.expected_close is None else d.day(x.expected_close),
        None if x.closed_at is None else d.ts(x.closed_at),
        x.lost_reason,
        x.version,
    )


def _deal(r: Row, d: Dialect) -> Deal:
    return Deal(
        id=r[0],
        pipeline_id=r[1],
        title=r[2],
        value=Money(d.decimal_out(r[3]), r[4]),
        stage=r[5],
        status=DealStatus(r[6]),
        created_at=d.ts_out(r[7]),
        changed_at=d.ts_out(r[8]),
        contact_id=r[9],
        organization_id=r[10],
        owner=r[11],
        expected_close=None if r[12] is None else d.day_out(r[12]),
        closed_at=None if r[13] is None else d.ts_out(r[13]),
        lost_reason=r[14],
        version=r[15],
    )


def _change_row(c: StageChange, d: Dialect) -> tuple[Any, ...]:
    return (c.id, c.deal_id, c.pipeline_id, c.from_stage, c.to_stage, d.ts(c.at), c.by)


def _change(r: Row, d: Dialect) -> StageChange:
    return StageChange(r[0], r[1], r[2], r[3], r[4], d.ts_out(r[5]), r[6])


PIPELINES = TableSpec(
    "pipelines",
    "pipeline",
    ("id", "name", "stages", "created_at", "version"),
    _pipeline_row,
    _pipeline,
    PipelineNotFoundError,
    derived=("name_key",),
)
DEALS = TableSpec(
    "deals",
    "deal",
    (
        "id",
        "pipeline_id",
        "title",
        "amount",
        "currency",
        "stage",
        "status",
        "created_at",
        "changed_at",
        "contact_id",
        "organization_id",
        "owner",
        "expected_close",
        "closed_at",
        "lost_reason",
        "version",
    ),
    _deal_row,
    _deal,
    DealNotFoundError,
    contact_column="contact_id",
)
STAGE_CHANGES = TableSpec(
    "stage_changes",
    "stage change",
    ("id", "deal_id", "pipeline_id", "from_stage", "to_stage", "at", "by_user"),
    _change_row,
    _change,
    StageChangeNotFoundError,
    versioned=False,
)


class SQLPipelineRepository(SQLTable[Pipeline]):
    """Pipelines; ``name_key`` (unique per workspace, migration 0020) keeps names apart."""

    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, PIPELINES)

    def add(self, record: Pipeline) -> None:
        record.check_name_free(self.find_by_name(record.name))
        super().add(record)

    def find_by_name(self, name: str) -> Pipeline | None:
        found = self.select("AND name_key = ?", [pipeline_name_key(name)])
        return found[0] if found else None

    def update(self, record: Pipeline) -> None:
        record.check_name_free(self.find_by_name(record.name))
        super().update(record)
        # Stage indexes may have moved: the deals' stored ranges follow.
        recompute_ranges(self._db, self._ws, record.id)


class SQLDealRepository(SQLTable[Deal]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, DEALS)

    def for_pipeline(self, pipeline_id: str, *, status: str | None = None) -> list[Deal]:
        where, params = "AND pipeline_id = ?", [pipeline_id]
        if status is not None:
            where += " AND status = ?"
            params.append(status)
        return self.select(where, params, order="created_at, id")

    def for_contact(self, contact_id: str) -> list[Deal]:
        return self.select("AND contact_id = ?", [contact_id], order="created_at, id")

    def erase_contact(self, contact_id: str) -> int:
        """The contact's deals go with their stage changes (deal titles name people too)."""
        self._db.execute(
            "DELETE FROM stage_changes WHERE workspace = ? AND deal_id IN "
            "(SELECT id FROM deals WHERE workspace = ? AND contact_id = ?)",
            (self._ws, self._ws, contact_id),
        )
        return super().erase_contact(contact_id)

    def funnel_facts(
        self,
        pipeline: Pipeline,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        cohort: Any = None,
    ) -> FunnelFacts:
        """The funnel report's aggregates, computed by the database."""
        return sql_funnel_facts(
            self._db, self._ws, pipeline, since=since, until=until, owner=owner, cohort=cohort
        )


class SQLStageChangeRepository(SQLTable[StageChange]):
    """Stage changes, each stored with its *stay* (``stay_us``: microseconds until the deal's
    next change, NULL while it lasts), which the funnel's time-in-stage figures read."""

    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, STAGE_CHANGES)
        cols = ", ".join(STAGE_CHANGES.columns)
        self._insert_stayed = (
            f"INSERT INTO stage_changes (workspace, {cols}, stay_us)"
            f" VALUES (?{', ?' * len(STAGE_CHANGES.columns)}, ?)"
        )

    def add(self, change: StageChange) -> None:
        super().add(change)
        self._restay([change.deal_id])
        widen_ranges(self._db, self._ws, [change])

    def add_many(self, changes: Iterable[StageChange]) -> int:
        batch = list(changes)
        by_deal: dict[str, list[StageChange]] = defaultdict(list)
        for c in batch:
            by_deal[c.deal_id].append(c)
        # Stays between changes of the same batch are known here; only deals that already had
        # changes need the database to recompute theirs (usually none in a bulk load).
        had_changes = self._deals_with_changes(list(by_deal))
        stays: dict[str, int] = {}
        for history in by_deal.values():
            history.sort(key=lambda c: (c.at, c.id))
            for before, after in itertools.pairwise(history):
                stays[before.id] = (after.at - before.at) // _MICROSECOND
        d = self._db.dialect
        self._db.executemany(
            self._insert_stayed,
            [(self._ws, *_change_row(c, d), stays.get(c.id)) for c in batch],
        )
        if had_changes:
            self._restay(had_changes)
        widen_ranges(self._db, self._ws, batch)
        return len(batch)

    def _deals_with_changes(self, deal_ids: Sequence[str]) -> list[str]:
        d = self._db.dialect
        found: list[str] = []
        for start in range(0, len(deal_ids), d.max_in_list):
            cond, params = d.in_list("deal_id", deal_ids[start : start + d.max_in_list])
            found += [
                r[0]
                for r in self._db.fetchall(
                    f"SELECT DISTINCT deal_id FROM stage_changes WHERE workspace = ? AND {cond}",
                    [self._ws, *params],
                )
            ]
        return found

    def _restay(self, deal_ids: Sequence[str]) -> None:
        """Recompute the stays of every change of *deal_ids* from their order in time."""
        d = self._db.dialect
        dur = d.duration_us("LEAD(at) OVER (PARTITION BY deal_id ORDER BY at, id)", "at")
        for start in range(0, len(deal_ids), d.max_in_list):
            cond, params = d.in_list("deal_id", deal_ids[start : start + d.max_in_list])
            self._db.execute(
                f"UPDATE stage_changes SET stay_us = n.dur FROM (SELECT id AS cid, {dur} AS dur"
                f" FROM stage_changes WHERE workspace = ? AND {cond}) AS n"
                " WHERE stage_changes.workspace = ? AND stage_changes.id = n.cid",
                [self._ws, *params, self._ws],
            )

    def for_deal(self, deal_id: str) -> list[StageChange]:
        return self.select("AND deal_id = ?", [deal_id], order="at, id")

    def for_pipeline(self, pipeline_id: str) -> list[StageChange]:
        return self.select("AND pipeline_id = ?", [pipeline_id], order="at, id")


def key_pipeline_names(db: SQLSession, workspace: str) -> None:
    """Key the names of the workspace's pipelines stored before migration 0020, oldest
    first. A name whose key an older pipeline holds gets the first free suffix, ``"Sales
    (2)"``, and a new version, so that every name finds one pipeline."""
    rows = db.fetchall(
        "SELECT id, name, name_key FROM pipelines WHERE workspace = ? ORDER BY created_at, id",
        (workspace,),
    )
    taken = {r[2] for r in rows if r[2] is not None}
    for pipeline_id, name, key in rows:
        if key is not None:
            continue
        new_name, n = name, 1
        while pipeline_name_key(new_name) in taken:
            n += 1
            new_name = f"{name} ({n})"
        taken.add(pipeline_name_key(new_name))
        db.execute(
            "UPDATE pipelines SET name = ?, name_key = ?, version = version + ?"
            " WHERE workspace = ? AND id = ?",
            (new_name, pipeline_name_key(new_name), int(new_name != name), workspace, pipeline_id),
        )
