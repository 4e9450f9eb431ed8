"""Organizations in memory."""

from __future__ import annotations

from crmkit.errors import OrganizationNotFoundError
from crmkit.organizations import Organization
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable

__all__ = ["MemoryOrganizationRepository"]


class MemoryOrganizationRepository(MemoryTable[Organization]):
    def __init__(self, rows: UndoableDict[str, Organization], log: UndoLog) -> None:
        super().__init__(rows, log, kind="organization", not_found=OrganizationNotFoundError)
