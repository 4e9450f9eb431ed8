"""Many rows into one table at once: COPY where the session offers it (PostgreSQL: one
statement however many rows, which on Citus is one trip through the coordinator rather
than one per row), else ``executemany``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmkit.storage.sql._session import SQLSession

__all__ = ["insert_rows", "upsert_rows"]


def insert_rows(
    db: SQLSession, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert *rows*, each starting with the workspace, into *table*'s *columns*."""
    if not rows:
        return
    copy = getattr(db, "copy_rows", None)
    if callable(copy):
        copy(table, columns, rows)
        return
    marks = ", ?" * len(columns)
    db.executemany(f"INSERT INTO {table} (workspace, {', '.join(columns)}) VALUES (?{marks})", rows)


def upsert_rows(db: SQLSession, insert: str, conflict: str, rows: Sequence[Sequence[Any]]) -> None:
    """``insert`` (``INSERT INTO t (...) VALUES``) of many rows per statement, followed by
    ``conflict`` (its ``ON CONFLICT`` clause). Rows must not repeat a conflicting key."""
    if not rows:
        return
    width = len(rows[0])
    row_marks = "(" + ", ".join("?" * width) + ")"
    # SQLite's default limit is 32,766 parameters a statement.
    step = max(1, 30_000 // width)
    for start in range(0, len(rows), step):
        part = rows[start : start + step]
        sql = f"{insert} {', '.join([row_marks] * len(part))} {conflict}"
        db.execute(sql, [v for row in part for v in row])
