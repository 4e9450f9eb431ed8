"""Pluggable storage: in-memory, SQLite (the embedded default) and PostgreSQL.

Backends implement :class:`crmkit.storage.protocols.Storage`; third parties can write their
own and prove it with the contract suite in :mod:`crmkit.testing`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from crmkit.errors import ConfigurationError, ValidationError
from crmkit.storage._segment_data import (
    segment_count_in_memory,
    segment_members_in_memory,
    segment_value_counts,
)
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
    "is_postgres_url",
    "open_storage",
    "segment_count_in_memory",
    "segment_members_in_memory",
    "segment_value_counts",
]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import crmkit` never needs the optional psycopg driver.
    if name == "PostgresStorage":
        from crmkit.storage.postgres import PostgresStorage

        return PostgresStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_postgres_url(target: str) -> bool:
    """Whether *target* names a PostgreSQL database rather than a SQLite file or memory.

    >>> is_postgres_url("postgresql://crm@db/crm"), is_postgres_url("crm.sqlite")
    (True, False)
    """
    return target.startswith(("postgresql://", "postgres://"))


def open_storage(target: str, *, schema: str | None = None, create: bool | None = None) -> Storage:
    """A backend for *target*: ``":memory:"`` or ``"memory://"``, a SQLite path, or a
    ``postgresql://`` URL (needs ``pip install 'crmkit[postgres]'``).

    ``schema`` (PostgreSQL only) is the schema crmkit's tables live in. ``create``: a SQLite
    file, or crmkit's tables in a schema, are created when absent unless ``create=False``;
    on PostgreSQL a schema holding other tables and none of crmkit's is used only with
    ``create=True`` (see :class:`crmkit.storage.postgres.PostgresStorage`).

    >>> open_storage("missing.sqlite", create=False)
    Traceback (most recent call last):
    ...
    crmkit.errors.ConfigurationError: missing.sqlite: no such database file (create=False)
    """
    if is_postgres_url(target):
        from crmkit.storage.postgres import PostgresStorage

        postgres: Storage = PostgresStorage(target, schema=schema, create=create)
        return postgres
    if create not in (None, True, False):
        raise ValidationError("create", create, "True, False or None")
    if schema is not None:
        raise ValidationError("schema", schema, "only a PostgreSQL database has schemas")
    if target in ("memory://", "memory:"):
        return MemoryStorage()
    target = target.removeprefix("sqlite:///")
    if create is False and target != ":memory:" and not os.path.isfile(target):
        raise ConfigurationError(f"{target}: no such database file (create=False)")
    return SQLiteStorage(target)
