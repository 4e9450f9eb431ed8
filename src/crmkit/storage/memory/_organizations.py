"""Organizations in memory."""

from __future__ import annotations

from collections.abc import Iterator

from crmkit.contacts import Organization
from crmkit.errors import AlreadyExistsError, OrganizationNotFoundError, StaleVersionError
from crmkit.storage.memory._base import UndoableDict, UndoLog

__all__ = ["MemoryOrganizationRepository"]


class MemoryOrganizationRepository:
    def __init__(self, rows: UndoableDict[str, Organization], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def add(self, org: Organization) -> None:
        if org.id in self._rows:
            raise AlreadyExistsError("organization", org.id)
        self._rows.put(self._log, org.id, org)

    def get(self, org_id: str) -> Organization:
        found = self._rows.get(org_id)
        if found is None:
            raise OrganizationNotFoundError(org_id)
        return found

    def find_by_id(self, org_id: str) -> Organization | None:
        return self._rows.get(org_id)

    def update(self, org: Organization) -> None:
        old = self.get(org.id)
        if org.version != old.version + 1:
            raise StaleVersionError("organization", org.id, org.version - 1, old.version)
        self._rows.put(self._log, org.id, org)

    def iter_all(self) -> Iterator[Organization]:
        return self._rows.values()

    def count(self) -> int:
        return len(self._rows)
