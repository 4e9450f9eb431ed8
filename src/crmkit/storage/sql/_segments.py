"""Saved segments and consent records on any SQL backend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crmkit.errors import ConsentNotFoundError, SegmentNotFoundError
from crmkit.privacy.consent import ConsentRecord
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec

__all__ = ["SQLConsentRepository", "SQLSegmentRepository"]


def _to_row(c: ConsentRecord, d: Dialect) -> tuple[Any, ...]:
    return (
        c.id,
        c.contact_id,
        c.purpose,
        c.channel,
        bool(c.granted),
        d.ts(c.at),
        c.source,
        c.proof,
    )


def _from_row(r: Row, d: Dialect) -> ConsentRecord:
    return ConsentRecord(r[0], r[1], r[2], r[3], bool(r[4]), d.ts_out(r[5]), r[6], r[7])


CONSENTS = TableSpec(
    "consents",
    "consent record",
    ("id", "contact_id", "purpose", "channel", "granted", "at", "source", "proof"),
    _to_row,
    _from_row,
    ConsentNotFoundError,
    versioned=False,
    contact_column="contact_id",
)


class SQLConsentRepository(SQLTable[ConsentRecord]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, CONSENTS)

    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        return self.select("AND contact_id = ?", [contact_id], order="at, id")


class SQLSegmentRepository:
    """Saved segment definitions by name (JSON from ``Segment.to_dict``)."""

    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def put(self, name: str, definition: dict[str, Any], at: datetime) -> None:
        d = self._db.dialect
        self._db.execute("DELETE FROM segments WHERE workspace = ? AND name = ?", (self._ws, name))
        self._db.execute(
            "INSERT INTO segments (workspace, name, definition, saved_at) VALUES (?, ?, ?, ?)",
            (self._ws, name, d.json(definition), d.ts(at)),
        )

    def get(self, name: str) -> dict[str, Any]:
        row = self._db.fetchone(
            "SELECT definition FROM segments WHERE workspace = ? AND name = ?", (self._ws, name)
        )
        if row is None:
            raise SegmentNotFoundError(name)
        value: dict[str, Any] = self._db.dialect.json_out(row[0])
        return value

    def names(self) -> list[str]:
        rows = self._db.fetchall(
            "SELECT name FROM segments WHERE workspace = ? ORDER BY name", (self._ws,)
        )
        return [r[0] for r in rows]

    def delete(self, name: str) -> None:
        if (
            self._db.execute(
                "DELETE FROM segments WHERE workspace = ? AND name = ?", (self._ws, name)
            )
            != 1
        ):
            raise SegmentNotFoundError(name)
