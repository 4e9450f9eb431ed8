"""Contact lifecycle steps, in memory."""

from __future__ import annotations

from crmkit.errors import LifecycleChangeNotFoundError
from crmkit.funnel.lifecycle import LifecycleChange
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable

__all__ = ["MemoryLifecycleRepository"]


class MemoryLifecycleRepository(MemoryTable[LifecycleChange]):
    def __init__(self, rows: UndoableDict[str, LifecycleChange], log: UndoLog) -> None:
        super().__init__(
            rows,
            log,
            kind="lifecycle change",
            not_found=LifecycleChangeNotFoundError,
            versioned=False,
            contact_attr="contact_id",
        )

    def for_contact(self, contact_id: str) -> list[LifecycleChange]:
        return self.select(lambda c: c.contact_id == contact_id, order=lambda c: (c.at, c.id))

    def latest_for_contact(self, contact_id: str) -> LifecycleChange | None:
        found = self.for_contact(contact_id)
        return found[-1] if found else None
