"""Interactions on PostgreSQL: bulk inserts go through COPY."""

from __future__ import annotations

from collections.abc import Iterable

from crmkit.interactions import Interaction
from crmkit.storage.postgres._driver import PostgresSession, translate_errors
from crmkit.storage.sql._interactions import SQLInteractionRepository
from crmkit.storage.sql._rows import INTERACTION_COLUMNS, interaction_to_row

__all__ = ["PostgresInteractionRepository"]

_COPY = f"COPY interactions (workspace, {', '.join(INTERACTION_COLUMNS)}) FROM STDIN"


class PostgresInteractionRepository(SQLInteractionRepository):
    # COPY streams rows without a round trip or a parse per row (measured 2-4x faster than
    # executemany for a million rows).
    def add_many(self, interactions: Iterable[Interaction]) -> int:
        db = self._db
        assert isinstance(db, PostgresSession)
        n = 0
        with translate_errors(), db.conn.cursor() as cur, cur.copy(_COPY) as copy:
            for it in interactions:
                copy.write_row((self._ws, *interaction_to_row(it, db.dialect)))
                n += 1
        return n
