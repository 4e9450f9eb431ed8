"""Interactions on any SQL backend; the timeline reads one index range."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from crmkit.errors import InteractionNotFoundError
from crmkit.interactions import Interaction
from crmkit.storage.sql._rows import INTERACTION_COLUMNS, interaction_from_row, interaction_to_row
from crmkit.storage.sql._session import SQLSession

__all__ = ["INSERT_INTERACTION", "SQLInteractionRepository"]

_COLS = ", ".join(INTERACTION_COLUMNS)
INSERT_INTERACTION = (
    f"INSERT INTO interactions (workspace, {_COLS}) VALUES (?{', ?' * len(INTERACTION_COLUMNS)})"
)
_SELECT = f"SELECT {_COLS} FROM interactions WHERE workspace = ? "


class SQLInteractionRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def add(self, interaction: Interaction) -> None:
        self._db.execute(
            INSERT_INTERACTION, (self._ws, *interaction_to_row(interaction, self._db.dialect))
        )

    def add_many(self, interactions: Iterable[Interaction]) -> int:
        d, ws = self._db.dialect, self._ws
        rows = [(ws, *interaction_to_row(i, d)) for i in interactions]
        self._db.executemany(INSERT_INTERACTION, rows)
        return len(rows)

    def get(self, interaction_id: str) -> Interaction:
        row = self._db.fetchone(_SELECT + "AND id = ?", (self._ws, interaction_id))
        if row is None:
            raise InteractionNotFoundError(interaction_id)
        return interaction_from_row(row, self._db.dialect)

    def timeline(
        self,
        contact_id: str,
        *,
        limit: int | None = None,
        channel: str | None = None,
        direction: str | None = None,
        handled_by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Interaction]:
        d = self._db.dialect
        sql = _SELECT + "AND contact_id = ?"
        params: list[Any] = [self._ws, contact_id]
        for column, value in (
            ("channel", channel),
            ("direction", direction),
            ("handled_by", handled_by),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(str(value))
        if since is not None:
            sql += " AND occurred_at >= ?"
            params.append(d.ts(since))
        if until is not None:
            sql += " AND occurred_at < ?"
            params.append(d.ts(until))
        sql += " ORDER BY occurred_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [interaction_from_row(r, d) for r in self._db.fetchall(sql, params)]

    def iter_all(self) -> Iterator[Interaction]:
        rows = self._db.fetchall(_SELECT + "ORDER BY id", (self._ws,))
        return (interaction_from_row(r, self._db.dialect) for r in rows)

    def count(self) -> int:
        row = self._db.fetchone(
            "SELECT count(*) FROM interactions WHERE workspace = ?", (self._ws,)
        )
        return int(row[0]) if row else 0

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        rows = self._db.fetchall(
            "SELECT id FROM interactions WHERE workspace = ? AND contact_id = ? ORDER BY id",
            (self._ws, from_id),
        )
        ids = [r[0] for r in rows]
        self._db.execute(
            "UPDATE interactions SET contact_id = ? WHERE workspace = ? AND contact_id = ?",
            (to_id, self._ws, from_id),
        )
        return ids

    def erase_contact(self, contact_id: str) -> int:
        return self._db.execute(
            "DELETE FROM interactions WHERE workspace = ? AND contact_id = ?",
            (self._ws, contact_id),
        )

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self._db.executemany(
            "UPDATE interactions SET contact_id = ? WHERE workspace = ? AND id = ?",
            [(contact_id, self._ws, rid) for rid in record_ids],
        )
