"""Erasure records, suppression markers and static lists on any SQL backend."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from crmkit.errors import AlreadyExistsError, ListNotFoundError, NotFoundError
from crmkit.privacy.erasure import ErasureRecord
from crmkit.segments.lists import ListChange, StaticList
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec
from crmkit.storage.sql._transactions import TRANSACTIONS
from crmkit.value.ledger import Transaction

__all__ = ["SQLErasureRepository", "SQLListRepository"]


def _erased_to_row(t: Transaction, d: Dialect) -> tuple[Any, ...]:
    row = TRANSACTIONS.to_row(t, d)
    return (*row[:8], row[9])  # the ledger's columns without the note


def _erased_from_row(r: Row, d: Dialect) -> Transaction:
    return TRANSACTIONS.from_row((*r[:8], None, r[8]), d)


class _ErasedNotFoundError(NotFoundError):
    kind = "erased transaction"


ERASED_TRANSACTIONS = TableSpec(
    "erased_transactions",
    "erased transaction",
    (
        "id",
        "erasure_id",
        "kind",
        "amount",
        "currency",
        "occurred_at",
        "order_id",
        "lines",
        "created_at",
    ),
    _erased_to_row,
    _erased_from_row,
    _ErasedNotFoundError,
    versioned=False,
)


class SQLErasureRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace
        self._ledger = SQLTable(db, workspace, ERASED_TRANSACTIONS)

    def find_key(self) -> tuple[str, str] | None:
        row = self._db.fetchone(
            "SELECT salt, key_check FROM suppression_keys WHERE workspace = ?", (self._ws,)
        )
        return None if row is None else (row[0], row[1])

    def add_key(self, salt: str, check: str, at: datetime) -> None:
        # Two first erasures at once: one salt wins and both use it (they read it back).
        self._db.execute(
            "INSERT INTO suppression_keys (workspace, salt, key_check, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (workspace) DO NOTHING",
            (self._ws, salt, check, self._db.dialect.ts(at)),
        )

    def add(self, record: ErasureRecord, markers: Collection[str]) -> None:
        d = self._db.dialect
        for cid in record.contact_ids:
            if self.find_by_contact(cid) is not None:
                raise AlreadyExistsError("erasure", cid)
        self._db.executemany(
            "INSERT INTO erasures (workspace, contact_id, erasure_id, at, record) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (self._ws, cid, record.id, d.ts(record.at), d.json(record.to_dict()))
                for cid in record.contact_ids
            ],
        )
        self._db.executemany(
            "INSERT INTO suppressions (workspace, marker, erasure_id) VALUES (?, ?, ?) "
            "ON CONFLICT (workspace, marker) DO NOTHING",
            [(self._ws, m, record.id) for m in sorted(markers)],
        )

    def find_by_contact(self, contact_id: str) -> ErasureRecord | None:
        row = self._db.fetchone(
            "SELECT record FROM erasures WHERE workspace = ? AND contact_id = ?",
            (self._ws, contact_id),
        )
        return None if row is None else ErasureRecord.from_dict(self._db.dialect.json_out(row[0]))

    def iter_all(self) -> Iterator[ErasureRecord]:
        rows = self._db.fetchall(
            "SELECT record FROM erasures WHERE workspace = ? ORDER BY at, erasure_id, contact_id",
            (self._ws,),
        )
        unique: dict[str, ErasureRecord] = {}
        for row in rows:
            record = ErasureRecord.from_dict(self._db.dialect.json_out(row[0]))
            unique.setdefault(record.id, record)
        return iter(unique.values())

    def suppressed(self, markers: Collection[str]) -> set[str]:
        d = self._db.dialect
        wanted = sorted(markers)
        found: set[str] = set()
        for start in range(0, len(wanted), d.max_in_list):
            condition, params = d.in_list("marker", wanted[start : start + d.max_in_list])
            rows = self._db.fetchall(
                f"SELECT marker FROM suppressions WHERE workspace = ? AND {condition}",
                (self._ws, *params),
            )
            found.update(r[0] for r in rows)
        return found

    def add_transactions(self, entries: Iterable[Transaction]) -> int:
        return self._ledger.add_many(entries)

    def transactions(self) -> list[Transaction]:
        return self._ledger.select(order="erasure_id, occurred_at, id")


def _change_to_row(c: ListChange, d: Dialect) -> tuple[Any, ...]:
    return (c.id, c.list_name, c.contact_id, bool(c.added), d.ts(c.at), c.by)


def _change_from_row(r: Row, d: Dialect) -> ListChange:
    return ListChange(r[0], r[1], r[2], bool(r[3]), d.ts_out(r[4]), r[5])


class _ChangeNotFoundError(NotFoundError):
    kind = "list change"


LIST_CHANGES = TableSpec(
    "list_changes",
    "list change",
    ("id", "list_name", "contact_id", "added", "at", "by"),
    _change_to_row,
    _change_from_row,
    _ChangeNotFoundError,
    versioned=False,
    contact_column="contact_id",
)


class SQLListRepository:
    """The lists by name, and the table of their changes (which follow merges)."""

    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace
        self._changes = SQLTable(db, workspace, LIST_CHANGES)

    def add(self, static_list: StaticList) -> None:
        d = self._db.dialect
        if self._find(static_list.name) is not None:
            raise AlreadyExistsError("list", static_list.name)
        segment = None if static_list.segment is None else d.json(dict(static_list.segment))
        self._db.execute(
            "INSERT INTO contact_lists (workspace, name, created_at, created_by, segment) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                self._ws,
                static_list.name,
                d.ts(static_list.created_at),
                static_list.created_by,
                segment,
            ),
        )

    def _find(self, name: str) -> StaticList | None:
        d = self._db.dialect
        row = self._db.fetchone(
            "SELECT name, created_at, created_by, segment FROM contact_lists "
            "WHERE workspace = ? AND name = ?",
            (self._ws, name),
        )
        if row is None:
            return None
        segment = None if row[3] is None else d.json_out(row[3])
        return StaticList(row[0], d.ts_out(row[1]), row[2], segment)

    def get(self, name: str) -> StaticList:
        found = self._find(name)
        if found is None:
            raise ListNotFoundError(name)
        return found

    def names(self) -> list[str]:
        rows = self._db.fetchall(
            "SELECT name FROM contact_lists WHERE workspace = ? ORDER BY name", (self._ws,)
        )
        return [r[0] for r in rows]

    def delete(self, name: str) -> None:
        self.get(name)
        self._db.execute(
            "DELETE FROM list_changes WHERE workspace = ? AND list_name = ?", (self._ws, name)
        )
        self._db.execute(
            "DELETE FROM contact_lists WHERE workspace = ? AND name = ?", (self._ws, name)
        )

    def add_changes(self, changes: Iterable[ListChange]) -> None:
        # The foreign key refuses a change to a list that does not exist.
        self._changes.add_many(changes)

    def changes(self, name: str, *, contact_id: str | None = None) -> list[ListChange]:
        where, params = "AND list_name = ?", [name]
        if contact_id is not None:
            where += " AND contact_id = ?"
            params.append(contact_id)
        return self._changes.select(where, params, order="at, id")

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return self._changes.reassign_contact(from_id, to_id)

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self._changes.assign_contact(record_ids, contact_id)

    def erase_contact(self, contact_id: str) -> int:
        return self._changes.erase_contact(contact_id)
