"""Case facts on any SQL backend: the service report's sums in one grouped pass."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit.service.case import CASE_KIND, Case
from crmkit.service.facts import (
    CaseFacts,
    GroupFigures,
    ServiceFigures,
    case_facts,
    in_order,
    median_us,
    microseconds,
)
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.sql._records import SQLRecordStore
from crmkit.storage.sql._session import SQLSession

__all__ = ["SQLCaseFactRepository", "write_missing_facts"]

_COLUMNS = tuple(a.name for a in attrs.fields(CaseFacts))
_CLOCKS = ("first_response", "resolution")
_RANGE = "workspace = ? AND opened_us >= ? AND opened_us < ?"
# The same filter with the key range switched off (unary plus): SQLite then reads the
# period's rows from the indexes of migration 0021 in group or value order, sorting nothing.
_STREAM = "workspace = ? AND +opened_us >= ? AND +opened_us < ?"
# Streaming reads every case of the workspace: worth it from this share of them on.
_STREAM_SHARE = 0.3


def _states(clock: str) -> str:
    # What crmkit.service.facts.judged says, for a report made at the bound parameter.
    due = f"{clock}_due_us"
    return (
        f"SUM(CASE WHEN {clock} = 'met' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {clock} = 'breached' OR ({clock} = 'running' AND {due} < ?) "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {clock} = 'running' AND ({due} IS NULL OR {due} >= ?) "
        "THEN 1 ELSE 0 END)"
    )


_GROUPS = (
    "SELECT reason, priority, assignee, COUNT(*), "
    f"{_states('first_response')}, {_states('resolution')}, "
    "COALESCE(SUM(score), 0), COUNT(score), "
    "COUNT(first_response_used_us), COUNT(resolution_used_us) "
    "FROM case_facts WHERE {where} GROUP BY reason, priority, assignee"
)
_PREVIOUS = f"SELECT reason, COUNT(*) FROM case_facts WHERE {_RANGE} GROUP BY reason"
_INSERT = (
    f"INSERT INTO case_facts (workspace, {', '.join(_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' for _ in _COLUMNS)})"
)
_UPDATE = (
    f"UPDATE case_facts SET {', '.join(f'{c} = ?' for c in _COLUMNS[2:])} "
    "WHERE workspace = ? AND opened_us = ? AND case_id = ?"
)


def _trio(values: Any) -> dict[str, int]:
    return dict(zip(("met", "breached", "pending"), map(int, values), strict=True))


class SQLCaseFactRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def put(self, facts: CaseFacts) -> None:
        row = attrs.astuple(facts)
        # opened_us never changes, so (workspace, opened_us, case_id) finds the row.
        changed = self._db.execute(_UPDATE, (*row[2:], self._ws, facts.opened_us, facts.case_id))
        if changed == 0:
            self._db.execute(_INSERT, (self._ws, *row))

    def figures(self, *, since: datetime, until: datetime, at: datetime) -> ServiceFigures:
        lo, hi, now = microseconds(since), microseconds(until), microseconds(at)
        where = _STREAM if self._mostly(lo, hi) else _RANGE
        rows = self._db.fetchall(
            _GROUPS.format(where=where), (now, now, now, now, self._ws, lo, hi)
        )
        groups = [
            GroupFigures(
                str(r[0]),
                str(r[1]),
                None if r[2] is None else str(r[2]),
                int(r[3]),
                _trio(r[4:7]),
                _trio(r[7:10]),
                int(r[10]),
                int(r[11]),
            )
            for r in rows
        ]
        used = [sum(int(r[12]) for r in rows), sum(int(r[13]) for r in rows)]
        previous = self._db.fetchall(_PREVIOUS, (self._ws, lo - (hi - lo), lo))
        medians = [self._median(c, n, where, lo, hi) for c, n in zip(_CLOCKS, used, strict=True)]
        return ServiceFigures(
            groups=in_order(groups),
            previous={str(r[0]): int(r[1]) for r in sorted(previous, key=lambda r: str(r[0]))},
            median_first_response=medians[0],
            median_resolution=medians[1],
        )

    def _mostly(self, lo: int, hi: int) -> bool:
        """Whether ``[lo, hi)`` likely holds most of the workspace's cases (SQLite only; its
        share of the time the cases span, from two key look-ups)."""
        if self._db.dialect.name != "sqlite":
            return False
        ends = self._db.fetchone(
            "SELECT (SELECT MIN(opened_us) FROM case_facts WHERE workspace = ?), "
            "(SELECT MAX(opened_us) FROM case_facts WHERE workspace = ?)",
            (self._ws, self._ws),
        )
        if ends is None or ends[0] is None:
            return False
        first, last = int(ends[0]), int(ends[1]) + 1
        covered = max(0, min(hi, last) - max(lo, first))
        return covered >= _STREAM_SHARE * (last - first)

    def _median(self, clock: str, count: int, where: str, lo: int, hi: int) -> timedelta | None:
        if not count:
            return None
        column = f"{clock}_used_us"
        rows = self._db.fetchall(
            f"SELECT {column} FROM case_facts WHERE {where} AND {column} IS NOT NULL "
            f"ORDER BY {column} LIMIT ? OFFSET ?",
            (self._ws, lo, hi, 1 if count % 2 else 2, (count - 1) // 2),
        )
        # The middle value, or the middle two: their median is the whole column's.
        return median_us(int(r[0]) for r in rows)


def write_missing_facts(db: SQLSession, workspace: str) -> None:
    """Write the facts of the workspace's cases stored before migration 0021."""
    codec = AttrsCodec(Case)
    facts = SQLCaseFactRepository(db, workspace)
    for stored in SQLRecordStore(db, workspace).select(CASE_KIND):
        facts.put(case_facts(codec.decode(stored)))
