"""Import fingerprints on any SQL backend."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from crmkit.storage.sql._bulk_insert import upsert_rows
from crmkit.storage.sql._session import SQLSession, fetchall_in

__all__ = ["SQLImportRowRepository"]

_INSERT = "INSERT INTO import_rows (workspace, fingerprint, contact_id) VALUES"
_ON_CONFLICT = (
    "ON CONFLICT (workspace, fingerprint) DO UPDATE SET contact_id = excluded.contact_id "
    "WHERE import_rows.contact_id <> excluded.contact_id"
)
_PUT = f"{_INSERT} (?, ?, ?) {_ON_CONFLICT}"


class SQLImportRowRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def find(self, fingerprint: str) -> str | None:
        row = self._db.fetchone(
            "SELECT contact_id FROM import_rows WHERE workspace = ? AND fingerprint = ?",
            (self._ws, fingerprint),
        )
        return None if row is None else str(row[0])

    def find_many(self, fingerprints: Collection[str]) -> dict[str, str]:
        """See :class:`crmkit.storage.protocols.FingerprintsOfMany`."""
        rows = fetchall_in(
            self._db,
            "SELECT fingerprint, contact_id FROM import_rows WHERE workspace = ? AND {in}",
            "fingerprint",
            sorted(set(fingerprints)),
            (self._ws,),
        )
        return {str(fp): str(cid) for fp, cid in rows}

    def put_many(self, contacts: Mapping[str, str]) -> None:
        """See :class:`crmkit.storage.protocols.FingerprintsOfMany`."""
        rows = [(self._ws, fp, cid) for fp, cid in contacts.items()]
        upsert_rows(self._db, _INSERT, _ON_CONFLICT, rows)

    def put(self, fingerprint: str, contact_id: str) -> None:
        # One statement whether the row is new, moved or unchanged (an unchanged one is not
        # rewritten): an import pays a round trip per statement, dearly on Citus.
        self._db.execute(_PUT, (self._ws, fingerprint, contact_id))

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        rows = self._db.fetchall(
            "SELECT fingerprint FROM import_rows WHERE workspace = ? AND contact_id = ? "
            "ORDER BY fingerprint",
            (self._ws, from_id),
        )
        self._db.execute(
            "UPDATE import_rows SET contact_id = ? WHERE workspace = ? AND contact_id = ?",
            (to_id, self._ws, from_id),
        )
        return [str(r[0]) for r in rows]

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self._db.executemany(
            "UPDATE import_rows SET contact_id = ? WHERE workspace = ? AND fingerprint = ?",
            [(contact_id, self._ws, fp) for fp in record_ids],
        )

    def erase_contact(self, contact_id: str) -> int:
        return self._db.execute(
            "DELETE FROM import_rows WHERE workspace = ? AND contact_id = ?",
            (self._ws, contact_id),
        )
