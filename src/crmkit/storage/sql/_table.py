"""A table of frozen records keyed by (workspace, id), shared by the simple SQL repositories.

Repositories for deals, tasks, organizations and the like differ only in their columns, row
mapping and a few domain queries; this class holds the rest once: insert, read, optimistic
versioned update, delete, listing, and moving records between contacts for merges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import attrs

from crmkit.errors import AlreadyExistsError, NotFoundError, StaleVersionError
from crmkit.storage.sql._session import Dialect, Row, SQLSession

__all__ = ["SQLTable", "TableSpec"]

T = TypeVar("T")


@attrs.frozen
class TableSpec(Generic[T]):
    """How one record type maps onto one table. ``columns[0]`` must be ``"id"``.

    ``to_row`` gives the values of ``columns`` then of ``derived``: columns computed from the
    record (folded twins) that are written with it but never read back.
    """

    table: str
    kind: str
    columns: tuple[str, ...]
    to_row: Callable[[T, Dialect], tuple[Any, ...]]
    from_row: Callable[[Row, Dialect], T]
    not_found: type[NotFoundError]
    versioned: bool = True
    contact_column: str | None = None
    derived: tuple[str, ...] = ()

    @property
    def written(self) -> tuple[str, ...]:
        return self.columns + self.derived


class SQLTable(Generic[T]):
    """CRUD on one :class:`TableSpec` inside one workspace."""

    def __init__(self, db: SQLSession, workspace: str, spec: TableSpec[T]) -> None:
        self._db = db
        self._ws = workspace
        self._spec = spec
        self._select = f"SELECT {', '.join(spec.columns)} FROM {spec.table} WHERE workspace = ? "
        self._insert = (
            f"INSERT INTO {spec.table} (workspace, {', '.join(spec.written)})"
            f" VALUES (?{', ?' * len(spec.written)})"
        )

    def _rows(self, where: str, params: Sequence[Any]) -> list[T]:
        d = self._db.dialect
        return [self._spec.from_row(r, d) for r in self._db.fetchall(self._select + where, params)]

    def select(self, where: str = "", params: Sequence[Any] = (), order: str = "id") -> list[T]:
        """Records matching an SQL condition (``AND ...``) with ``?`` parameters."""
        return self._rows(f"{where} ORDER BY {order}", (self._ws, *params))

    def add(self, record: T) -> None:
        key = getattr(record, "id")  # noqa: B009 - records are any attrs class with an id
        if self.find_by_id(key) is not None:
            raise AlreadyExistsError(self._spec.kind, key)
        self._db.execute(self._insert, (self._ws, *self._spec.to_row(record, self._db.dialect)))

    def add_many(self, records: Iterable[T]) -> int:
        d = self._db.dialect
        rows = [(self._ws, *self._spec.to_row(r, d)) for r in records]
        self._db.executemany(self._insert, rows)
        return len(rows)

    def find_by_id(self, key: str) -> T | None:
        found = self._rows("AND id = ?", (self._ws, key))
        return found[0] if found else None

    def get(self, key: str) -> T:
        found = self.find_by_id(key)
        if found is None:
            raise self._spec.not_found(key)
        return found

    def update(self, record: T) -> None:
        """Replace a record; versioned tables require ``version`` = stored + 1."""
        key = getattr(record, "id")  # noqa: B009
        row = self._spec.to_row(record, self._db.dialect)
        sets = ", ".join(f"{c} = ?" for c in self._spec.written[1:])
        sql = f"UPDATE {self._spec.table} SET {sets} WHERE workspace = ? AND id = ?"
        params: list[Any] = [*row[1:], self._ws, key]
        if self._spec.versioned:
            old = self.get(key)
            version = getattr(record, "version")  # noqa: B009
            if version != getattr(old, "version") + 1:  # noqa: B009
                raise StaleVersionError(self._spec.kind, key, version - 1, getattr(old, "version"))  # noqa: B009
            sql += " AND version = ?"
            params.append(version - 1)
        if self._db.execute(sql, params) != 1:
            if self.find_by_id(key) is None:
                raise self._spec.not_found(key)
            raise StaleVersionError(self._spec.kind, key, getattr(record, "version", 0) - 1, None)

    def delete(self, key: str) -> None:
        if (
            self._db.execute(
                f"DELETE FROM {self._spec.table} WHERE workspace = ? AND id = ?", (self._ws, key)
            )
            != 1
        ):
            raise self._spec.not_found(key)

    def iter_all(self) -> Iterator[T]:
        return iter(self.select())

    def count(self, where: str = "", params: Sequence[Any] = ()) -> int:
        row = self._db.fetchone(
            f"SELECT count(*) FROM {self._spec.table} WHERE workspace = ? {where}",
            (self._ws, *params),
        )
        return int(row[0]) if row else 0

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        col = self._contact_column()
        rows = self._db.fetchall(
            f"SELECT id FROM {self._spec.table} WHERE workspace = ? AND {col} = ? ORDER BY id",
            (self._ws, from_id),
        )
        self._db.execute(
            f"UPDATE {self._spec.table} SET {col} = ? WHERE workspace = ? AND {col} = ?",
            (to_id, self._ws, from_id),
        )
        return [r[0] for r in rows]

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        col = self._contact_column()
        self._db.executemany(
            f"UPDATE {self._spec.table} SET {col} = ? WHERE workspace = ? AND id = ?",
            [(contact_id, self._ws, rid) for rid in record_ids],
        )

    def erase_contact(self, contact_id: str) -> int:
        col = self._contact_column()
        return self._db.execute(
            f"DELETE FROM {self._spec.table} WHERE workspace = ? AND {col} = ?",
            (self._ws, contact_id),
        )

    def _contact_column(self) -> str:
        if self._spec.contact_column is None:
            raise TypeError(f"{self._spec.table} records do not belong to a contact")
        return self._spec.contact_column
