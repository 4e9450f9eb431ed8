"""The generic record store on any SQL backend (see :mod:`crmkit.storage.records`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from itertools import islice
from typing import Any

from crmkit.errors import (
    AlreadyExistsError,
    ConflictError,
    RecordNotFoundError,
    StaleVersionError,
    UniqueKeyError,
)
from crmkit.storage.records import StoredRecord, check_bounds, check_limit, check_new_records
from crmkit.storage.sql._session import Row, SQLSession, fetchall_in

__all__ = ["SQLRecordStore"]

_COLS = "r.id, r.contact_id, r.version, r.body, r.key_values"
_BY_ID = f"SELECT {_COLS} FROM records r WHERE r.workspace = ? AND r.kind = ? "
_INSERT = (
    "INSERT INTO records (workspace, kind, id, contact_id, version, body, key_values) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_KEY = (
    "INSERT INTO record_keys (workspace, kind, name, record_id, value, is_unique) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
# Rows sent per executemany in a bulk insert: memory stays flat for a million records.
_BULK_STEP = 20_000


class SQLRecordStore:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def _record(self, kind: str, row: Row) -> StoredRecord:
        d = self._db.dialect
        keys = d.json_out(row[4])
        body = d.json_out(row[3])
        return StoredRecord(kind, row[0], row[1], int(row[2]), body, keys["keys"], keys["unique"])

    def _columns(self, record: StoredRecord) -> tuple[Any, ...]:
        """contact_id, version, body, key_values."""
        d = self._db.dialect
        # The unique names travel with the values so a read gives back the record written.
        keys = {"keys": dict(record.keys), "unique": sorted(record.unique)}
        return (record.contact_id, record.version, d.json(dict(record.body)), d.json(keys))

    def _check_unique(self, record: StoredRecord, old: StoredRecord | None) -> None:
        # Checked before the first write, so a refused record leaves nothing behind.
        for name, value in record.unique_keys():
            if old is None or old.keys.get(name) != value:
                self._refuse_taken(record, name, value)

    def _key_rows(self, record: StoredRecord) -> list[tuple[Any, ...]]:
        return [
            (self._ws, record.kind, name, record.id, value, name in record.unique)
            for name, value in sorted(record.keys.items())
        ]

    def _insert_keys(self, record: StoredRecord) -> None:
        self._db.executemany(_INSERT_KEY, self._key_rows(record))

    def _refuse_taken(self, record: StoredRecord, name: str, value: str) -> None:
        row = self._db.fetchone(
            "SELECT record_id FROM record_keys WHERE workspace = ? AND kind = ? AND name = ? "
            "AND value = ? AND is_unique = ?",
            (self._ws, record.kind, name, value, True),
        )
        if row is not None and row[0] != record.id:
            raise UniqueKeyError(record.kind, name, value)

    def add(self, record: StoredRecord) -> None:
        if self._db.fetchone(_BY_ID + "AND r.id = ?", (self._ws, record.kind, record.id)):
            raise AlreadyExistsError(record.kind, record.id)
        self._check_unique(record, None)
        self._db.execute(_INSERT, (self._ws, record.kind, record.id, *self._columns(record)))
        self._insert_keys(record)

    def add_many(self, records: Iterable[StoredRecord]) -> int:
        """See :class:`crmkit.storage.records.BulkRecordStore`.

        The constraints check the batch as it is written, inside a savepoint: a refused
        batch is rolled back to it and only then checked record by record, for an error
        that names the record, so a good batch costs no look-up at all."""
        batch = list(records)
        if not batch:
            return 0
        self._db.execute("SAVEPOINT crmkit_add_many")
        try:
            it = iter(batch)
            while chunk := list(islice(it, _BULK_STEP)):
                self._write_rows(
                    [(self._ws, r.kind, r.id, *self._columns(r)) for r in chunk],
                    [row for r in chunk for row in self._key_rows(r)],
                )
        except ConflictError:
            self._db.execute("ROLLBACK TO SAVEPOINT crmkit_add_many")
            self._db.execute("RELEASE SAVEPOINT crmkit_add_many")
            check_new_records(batch, self._held_ids, self._held_values)
            raise  # a constraint the checks do not know (a contact that does not exist)
        self._db.execute("RELEASE SAVEPOINT crmkit_add_many")
        return len(batch)

    def _write_rows(self, records: list[tuple[Any, ...]], keys: list[tuple[Any, ...]]) -> None:
        self._db.executemany(_INSERT, records)
        self._db.executemany(_INSERT_KEY, keys)

    def _held_ids(self, kind: str, ids: list[str]) -> list[str]:
        return self._present("records", "id", kind, "", (), ids)

    def _held_values(self, kind: str, name: str, values: list[str]) -> list[str]:
        return self._present(
            "record_keys", "value", kind, "AND name = ? AND is_unique = ? ", (name, True), values
        )

    def _present(
        self,
        table: str,
        column: str,
        kind: str,
        extra: str,
        params: tuple[Any, ...],
        values: list[str],
    ) -> list[str]:
        """Which of *values* the kind's rows of *table* hold in *column* (*extra* narrows)."""
        rows = fetchall_in(
            self._db,
            f"SELECT {column} FROM {table} WHERE workspace = ? AND kind = ? {extra}AND {{in}}",
            column,
            values,
            (self._ws, kind, *params),
        )
        return [str(r[0]) for r in rows]

    def get(self, kind: str, record_id: str) -> StoredRecord:
        row = self._db.fetchone(_BY_ID + "AND r.id = ?", (self._ws, kind, record_id))
        if row is None:
            raise RecordNotFoundError(kind, record_id)
        return self._record(kind, row)

    def get_many(self, kind: str, record_ids: Collection[str]) -> list[StoredRecord]:
        ids = sorted(set(record_ids))
        rows = fetchall_in(
            self._db, _BY_ID + "AND {in} ORDER BY r.id", "r.id", ids, (self._ws, kind)
        )
        return [self._record(kind, r) for r in rows]

    def update(self, record: StoredRecord) -> None:
        old = self.get(record.kind, record.id)
        if record.version != old.version + 1:
            raise StaleVersionError(record.kind, record.id, record.version - 1, old.version)
        self._check_unique(record, old)
        # The versioned row first: a writer that lost the race waits on the row lock here,
        # then finds the version moved on and stops before touching the key rows.
        changed = self._db.execute(
            "UPDATE records SET contact_id = ?, version = ?, body = ?, key_values = ? "
            "WHERE workspace = ? AND kind = ? AND id = ? AND version = ?",
            (*self._columns(record), self._ws, record.kind, record.id, old.version),
        )
        if changed != 1:  # another writer got there between the read and this write
            raise StaleVersionError(record.kind, record.id, record.version - 1, None)
        self._db.execute(
            "DELETE FROM record_keys WHERE workspace = ? AND kind = ? AND record_id = ?",
            (self._ws, record.kind, record.id),
        )
        self._insert_keys(record)

    def remove(self, kind: str, record_id: str) -> None:
        self.get(kind, record_id)
        self._delete("id", kind, record_id)

    def _delete(self, column: str, kind: str, value: str) -> int:
        self._db.execute(
            "DELETE FROM record_keys WHERE workspace = ? AND kind = ? AND record_id IN "
            f"(SELECT id FROM records WHERE workspace = ? AND kind = ? AND {column} = ?)",
            (self._ws, kind, self._ws, kind, value),
        )
        return self._db.execute(
            f"DELETE FROM records WHERE workspace = ? AND kind = ? AND {column} = ?",
            (self._ws, kind, value),
        )

    def for_contact(self, kind: str, contact_id: str) -> list[StoredRecord]:
        rows = self._db.fetchall(
            _BY_ID + "AND r.contact_id = ? ORDER BY r.id", (self._ws, kind, contact_id)
        )
        return [self._record(kind, r) for r in rows]

    def _where(
        self, key: str, equals: str | None, at_least: str | None, at_most: str | None
    ) -> tuple[str, list[Any]]:
        conds, params = ["k.workspace = ?", "k.kind = ?", "k.name = ?"], [key]
        for op, value in (("=", equals), (">=", at_least), ("<=", at_most)):
            if value is not None:
                conds.append(f"k.value {op} ?")
                params.append(value)
        return " AND ".join(conds), params

    def select(
        self,
        kind: str,
        key: str | None = None,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
        limit: int | None = None,
    ) -> list[StoredRecord]:
        check_bounds(key, equals, at_least, at_most)
        check_limit(limit)
        tail = "" if limit is None else f" LIMIT {int(limit)}"
        if key is None:
            rows = self._db.fetchall(_BY_ID + "ORDER BY r.id" + tail, (self._ws, kind))
            return [self._record(kind, r) for r in rows]
        where, params = self._where(key, equals, at_least, at_most)
        rows = self._db.fetchall(
            f"SELECT {_COLS} FROM record_keys k JOIN records r ON r.workspace = k.workspace "
            f"AND r.kind = k.kind AND r.id = k.record_id WHERE {where} "
            "ORDER BY k.value, k.record_id" + tail,
            (self._ws, kind, *params),
        )
        return [self._record(kind, r) for r in rows]

    def key_index(
        self,
        kind: str,
        key: str,
        *,
        at_least: str | None = None,
        at_most: str | None = None,
        record_ids: Collection[str] | None = None,
    ) -> list[tuple[str, str]]:
        """See :class:`crmkit.storage.records.KeyIndex`: ``record_keys`` only (its value
        index covers a range; its primary key the ids), never ``records``."""
        check_bounds(key, None, at_least, at_most)
        where, params = self._where(key, None, at_least, at_most)
        sql = f"SELECT k.record_id, k.value FROM record_keys k WHERE {where}"
        if record_ids is None:
            rows = self._db.fetchall(sql, (self._ws, kind, *params))
        else:
            ids, rows, step = sorted(set(record_ids)), [], self._db.dialect.max_in_list
            for start in range(0, len(ids), step):
                cond, more = self._db.dialect.in_list("k.record_id", ids[start : start + step])
                rows += self._db.fetchall(f"{sql} AND {cond}", (self._ws, kind, *params, *more))
        return sorted(((str(i), str(v)) for i, v in rows), key=lambda p: (p[1], p[0]))

    def key_values(
        self,
        kind: str,
        key: str,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> list[tuple[str, str | None, str]]:
        """See :class:`crmkit.storage.records.KeyValues`: the key rows joined to the
        records' contact column, no body read."""
        check_bounds(key, equals, at_least, at_most)
        where, params = self._where(key, equals, at_least, at_most)
        rows = self._db.fetchall(
            "SELECT k.record_id, r.contact_id, k.value FROM record_keys k JOIN records r "
            "ON r.workspace = k.workspace AND r.kind = k.kind AND r.id = k.record_id "
            f"WHERE {where} ORDER BY k.record_id",
            (self._ws, kind, *params),
        )
        return [(str(r[0]), r[1], str(r[2])) for r in rows]

    def count(
        self,
        kind: str,
        key: str | None = None,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> int:
        check_bounds(key, equals, at_least, at_most)
        if key is None:
            row = self._db.fetchone(
                "SELECT count(*) FROM records WHERE workspace = ? AND kind = ?", (self._ws, kind)
            )
        else:
            where, params = self._where(key, equals, at_least, at_most)
            row = self._db.fetchone(
                f"SELECT count(*) FROM record_keys k WHERE {where}", (self._ws, kind, *params)
            )
        return int(row[0]) if row else 0

    def reassign_contact(self, kind: str, from_id: str, to_id: str) -> list[str]:
        rows = self._db.fetchall(
            "SELECT id FROM records WHERE workspace = ? AND kind = ? AND contact_id = ? "
            "ORDER BY id",
            (self._ws, kind, from_id),
        )
        self._db.execute(
            "UPDATE records SET contact_id = ? WHERE workspace = ? AND kind = ? AND contact_id = ?",
            (to_id, self._ws, kind, from_id),
        )
        return [str(r[0]) for r in rows]

    def assign_contact(self, kind: str, record_ids: Sequence[str], contact_id: str) -> None:
        self._db.executemany(
            "UPDATE records SET contact_id = ? WHERE workspace = ? AND kind = ? AND id = ?",
            [(contact_id, self._ws, kind, rid) for rid in record_ids],
        )

    def erase_contact(self, kind: str, contact_id: str) -> int:
        return self._delete("contact_id", kind, contact_id)
