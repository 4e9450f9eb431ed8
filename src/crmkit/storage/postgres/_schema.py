"""Whether opening a PostgreSQL schema may create crmkit's tables in it.

A schema that already holds crmkit's tables is migrated forward. An absent or empty one gets
them. One that holds other tables and none of crmkit's is most likely an application's own
schema reached by mistake (a DSN without a schema lands in ``public``), so crmkit's 30-odd
tables go there only when the caller says so with ``create=True``.
"""

from __future__ import annotations

from typing import Any

import psycopg

from crmkit.errors import ConfigurationError

__all__ = ["check_creation"]


def check_creation(conn: psycopg.Connection[Any], schema: str | None, create: bool | None) -> None:
    """Raise :class:`ConfigurationError` unless crmkit may use *schema* (``None``: the
    connection's current schema): it holds crmkit's tables, or it is empty and *create* is
    not ``False``, or *create* is ``True``."""
    row = conn.execute(
        "SELECT coalesce(%s, current_schema()), count(*), "
        "count(*) FILTER (WHERE c.relname = 'crmkit_schema_version') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = coalesce(%s, current_schema()) AND c.relkind IN ('r', 'p')",
        (schema, schema),
    ).fetchone()
    name, tables, ours = (str(row[0]), int(row[1]), int(row[2])) if row else ("?", 0, 0)
    if ours or create is True:
        return
    if create is False:
        raise ConfigurationError(
            f"schema {name!r} holds no crmkit tables; pass create=True to create them"
        )
    if tables:
        raise ConfigurationError(
            f"schema {name!r} holds {tables} tables and none of crmkit's; pass create=True "
            "to add crmkit's beside them, or schema= to keep crmkit in a schema of its own"
        )
