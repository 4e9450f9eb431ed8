"""The protocols of workspace-level records that hang off no contact: organizations and
saved segment definitions (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from crmkit.organizations import Organization

__all__ = ["OrganizationRepository", "SegmentRepository"]


class OrganizationRepository(Protocol):
    """Organizations of one workspace."""

    def add(self, org: Organization) -> None: ...

    def get(self, org_id: str) -> Organization: ...

    def find_by_id(self, org_id: str) -> Organization | None: ...

    def update(self, org: Organization) -> None:
        """Store the next version (``org.version`` = stored + 1) or raise StaleVersionError."""
        ...

    def iter_all(self) -> Iterator[Organization]: ...

    def count(self) -> int: ...


class SegmentRepository(Protocol):
    """Saved segment definitions by name."""

    def put(self, name: str, definition: dict[str, Any], at: datetime) -> None: ...

    def get(self, name: str) -> dict[str, Any]:
        """The stored definition, or :class:`crmkit.errors.SegmentNotFoundError`."""
        ...

    def names(self) -> list[str]: ...

    def delete(self, name: str) -> None: ...
