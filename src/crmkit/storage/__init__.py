"""Pluggable storage: in-memory, SQLite (the embedded default) and PostgreSQL.

Backends implement :class:`crmkit.storage.protocols.Storage`; third parties can write their
own and prove it with the contract suite in :mod:`crmkit.testing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmkit.storage._segment_data import segment_count_in_memory, segment_members_in_memory
from crmkit.storage.generic import complete
from crmkit.storage.memory import MemoryStorage
from crmkit.storage.protocols import (
    ContactLinked,
    ContactRepository,
    InteractionRepository,
    Storage,
    UnitOfWork,
)
from crmkit.storage.sqlite import SQLiteStorage

if TYPE_CHECKING:
    from crmkit.storage.postgres import PostgresStorage

__all__ = [
    "ContactLinked",
    "ContactRepository",
    "InteractionRepository",
    "MemoryStorage",
    "PostgresStorage",
    "SQLiteStorage",
    "Storage",
    "UnitOfWork",
    "complete",
    "open_storage",
    "segment_count_in_memory",
    "segment_members_in_memory",
]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import crmkit` never needs the optional psycopg driver.
    if name == "PostgresStorage":
        from crmkit.storage.postgres import PostgresStorage

        return PostgresStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_storage(target: str) -> Storage:
    """A backend for *target*: ``":memory:"`` or ``"memory://"``, a SQLite path, or a
    ``postgresql://`` URL (needs ``pip install 'crmkit[postgres]'``)."""
    if target in ("memory://", "memory:"):
        return MemoryStorage()
    if target.startswith(("postgresql://", "postgres://")):
        from crmkit.storage.postgres import PostgresStorage

        postgres: Storage = PostgresStorage(target)
        return postgres
    if target.startswith("sqlite:///"):
        target = target.removeprefix("sqlite:///")
    return SQLiteStorage(target)
