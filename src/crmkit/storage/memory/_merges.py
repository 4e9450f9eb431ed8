"""The merge ledger, in memory."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import attrs

from crmkit.errors import AlreadyExistsError, MergeNotFoundError
from crmkit.identity.merging import MergeRecord
from crmkit.storage.memory._base import UndoableDict, UndoLog

__all__ = ["MemoryMergeRepository"]


class MemoryMergeRepository:
    def __init__(self, rows: UndoableDict[str, MergeRecord], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def add(self, record: MergeRecord) -> None:
        if record.id in self._rows:
            raise AlreadyExistsError("merge", record.id)
        self._rows.put(self._log, record.id, record)

    def get(self, merge_id: str) -> MergeRecord:
        found = self._rows.get(merge_id)
        if found is None:
            raise MergeNotFoundError(merge_id)
        return found

    def mark_undone(self, merge_id: str, at: datetime) -> None:
        self._rows.put(self._log, merge_id, attrs.evolve(self.get(merge_id), undone_at=at))

    def involving(self, contact_ids: Collection[str]) -> list[MergeRecord]:
        ids = set(contact_ids)
        found = [r for r in self._rows.values() if r.survivor_id in ids or r.merged_id in ids]
        return sorted(found, key=lambda r: (r.at, r.id))

    def update(self, record: MergeRecord) -> None:
        self.get(record.id)
        self._rows.put(self._log, record.id, record)
