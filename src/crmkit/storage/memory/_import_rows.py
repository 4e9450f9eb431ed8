"""Import fingerprints in memory."""

from __future__ import annotations

from collections.abc import Sequence

from crmkit.storage.memory._base import UndoableDict, UndoLog

__all__ = ["MemoryImportRowRepository"]


class MemoryImportRowRepository:
    def __init__(self, rows: UndoableDict[str, str], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def find(self, fingerprint: str) -> str | None:
        return self._rows.get(fingerprint)

    def put(self, fingerprint: str, contact_id: str) -> None:
        self._rows.put(self._log, fingerprint, contact_id)

    def _of(self, contact_id: str) -> list[str]:
        return sorted(fp for fp, cid in self._rows.data.items() if cid == contact_id)

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        moved = self._of(from_id)
        self.assign_contact(moved, to_id)
        return moved

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        for fingerprint in record_ids:
            self._rows.put(self._log, fingerprint, contact_id)

    def erase_contact(self, contact_id: str) -> int:
        gone = self._of(contact_id)
        for fingerprint in gone:
            self._rows.pop(self._log, fingerprint)
        return len(gone)
