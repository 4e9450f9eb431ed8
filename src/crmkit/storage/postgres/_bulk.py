"""Bulk inserts through COPY: rows stream to the server without a round trip or a parse each.

Measured on a million interactions: 2-4x faster than ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crmkit.interactions import Interaction
from crmkit.storage.postgres._driver import PostgresSession
from crmkit.storage.sql._interactions import SQLInteractionRepository
from crmkit.storage.sql._rows import INTERACTION_COLUMNS, interaction_to_row
from crmkit.storage.sql._session import SQLSession
from crmkit.storage.sql._transactions import TRANSACTIONS, SQLTransactionRepository
from crmkit.value.ledger import Transaction

__all__ = ["PostgresInteractionRepository", "PostgresTransactionRepository", "copy_rows"]


def copy_rows(
    db: SQLSession, table: str, columns: Iterable[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """COPY *rows* (each starting with the workspace) into *table*; how many were sent."""
    if not isinstance(db, PostgresSession):  # pragma: no cover - wiring error
        raise TypeError(f"COPY needs a PostgresSession, not {type(db).__name__}")
    return db.copy_rows(table, columns, rows)


class PostgresInteractionRepository(SQLInteractionRepository):
    def add_many(self, interactions: Iterable[Interaction]) -> int:
        ws, d = self._ws, self._db.dialect
        rows = ((ws, *interaction_to_row(it, d)) for it in interactions)
        return copy_rows(self._db, "interactions", INTERACTION_COLUMNS, rows)


class PostgresTransactionRepository(SQLTransactionRepository):
    def add_many(self, records: Iterable[Transaction]) -> int:
        ws, d = self._ws, self._db.dialect
        rows = ((ws, *TRANSACTIONS.to_row(t, d)) for t in records)
        return copy_rows(self._db, TRANSACTIONS.table, TRANSACTIONS.written, rows)
