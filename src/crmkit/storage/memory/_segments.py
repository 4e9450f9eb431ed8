"""Saved segments and consent records, in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crmkit.errors import ConsentNotFoundError, SegmentNotFoundError
from crmkit.privacy.consent import ConsentRecord
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable

__all__ = ["MemoryConsentRepository", "MemorySegmentRepository"]


class MemoryConsentRepository(MemoryTable[ConsentRecord]):
    def __init__(self, rows: UndoableDict[str, ConsentRecord], log: UndoLog) -> None:
        super().__init__(
            rows,
            log,
            kind="consent record",
            not_found=ConsentNotFoundError,
            versioned=False,
            contact_attr="contact_id",
        )

    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        return self.select(lambda c: c.contact_id == contact_id, order=lambda c: (c.at, c.id))


class MemorySegmentRepository:
    def __init__(self, rows: UndoableDict[str, dict[str, Any]], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def put(self, name: str, definition: dict[str, Any], at: datetime) -> None:
        self._rows.put(self._log, name, definition)

    def get(self, name: str) -> dict[str, Any]:
        found = self._rows.get(name)
        if found is None:
            raise SegmentNotFoundError(name)
        return found

    def names(self) -> list[str]:
        return sorted(self._rows.data)

    def delete(self, name: str) -> None:
        if self._rows.pop(self._log, name) is None:
            raise SegmentNotFoundError(name)
