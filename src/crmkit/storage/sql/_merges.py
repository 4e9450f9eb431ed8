"""The merge ledger on any SQL backend: one row per merge, the details as JSON."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import attrs

from crmkit.errors import MergeNotFoundError
from crmkit.identity.merging import MergeRecord
from crmkit.storage.sql._session import SQLSession

__all__ = ["SQLMergeRepository"]


class SQLMergeRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def add(self, record: MergeRecord) -> None:
        d = self._db.dialect
        self._db.execute(
            "INSERT INTO merges (workspace, id, survivor_id, merged_id, record, at, undone_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self._ws,
                record.id,
                record.survivor_id,
                record.merged_id,
                d.json(record.to_dict()),
                d.ts(record.at),
                None if record.undone_at is None else d.ts(record.undone_at),
            ),
        )

    def _record(self, row: tuple[object, ...]) -> MergeRecord:
        d = self._db.dialect
        record = MergeRecord.from_dict(d.json_out(row[0]))
        return attrs.evolve(record, undone_at=None if row[1] is None else d.ts_out(row[1]))

    def get(self, merge_id: str) -> MergeRecord:
        row = self._db.fetchone(
            "SELECT record, undone_at FROM merges WHERE workspace = ? AND id = ?",
            (self._ws, merge_id),
        )
        if row is None:
            raise MergeNotFoundError(merge_id)
        return self._record(row)

    def involving(self, contact_ids: Collection[str]) -> list[MergeRecord]:
        d = self._db.dialect
        ids = sorted(contact_ids)
        found: dict[str, MergeRecord] = {}
        for start in range(0, len(ids), d.max_in_list):
            chunk = ids[start : start + d.max_in_list]
            for column in ("survivor_id", "merged_id"):  # each has its own index
                condition, params = d.in_list(column, chunk)
                rows = self._db.fetchall(
                    f"SELECT record, undone_at FROM merges WHERE workspace = ? AND {condition}",
                    (self._ws, *params),
                )
                for row in rows:
                    record = self._record(row)
                    found[record.id] = record
        return sorted(found.values(), key=lambda r: (r.at, r.id))

    def update(self, record: MergeRecord) -> None:
        d = self._db.dialect
        changed = self._db.execute(
            "UPDATE merges SET record = ?, undone_at = ? WHERE workspace = ? AND id = ?",
            (
                d.json(record.to_dict()),
                None if record.undone_at is None else d.ts(record.undone_at),
                self._ws,
                record.id,
            ),
        )
        if changed != 1:
            raise MergeNotFoundError(record.id)

    def mark_undone(self, merge_id: str, at: datetime) -> None:
        changed = self._db.execute(
            "UPDATE merges SET undone_at = ? WHERE workspace = ? AND id = ?",
            (self._db.dialect.ts(at), self._ws, merge_id),
        )
        if changed != 1:
            raise MergeNotFoundError(merge_id)
