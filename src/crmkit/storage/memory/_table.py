"""A table of frozen records keyed by id, shared by the simple in-memory repositories.

The in-memory twin of :mod:`crmkit.storage.sql._table`: insert, read, optimistic versioned
update, delete, listing, and moving records between contacts, all journaled for rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import attrs

from crmkit.errors import AlreadyExistsError, NotFoundError, StaleVersionError
from crmkit.storage.memory._base import UndoableDict, UndoLog

__all__ = ["MemoryTable"]

T = TypeVar("T")


class MemoryTable(Generic[T]):
    """CRUD on records with an ``id`` (and optionally ``version`` and a contact attribute)."""

    def __init__(
        self,
        rows: UndoableDict[str, T],
        log: UndoLog,
        *,
        kind: str,
        not_found: type[NotFoundError],
        versioned: bool = True,
        contact_attr: str | None = None,
    ) -> None:
        self.rows = rows
        self._log = log
        self._kind = kind
        self._not_found = not_found
        self._versioned = versioned
        self._contact_attr = contact_attr

    def select(
        self, where: Callable[[T], bool] | None = None, order: Callable[[T], Any] | None = None
    ) -> list[T]:
        found = [r for r in self.rows.data.values() if where is None or where(r)]
        found.sort(key=order or (lambda r: getattr(r, "id")))  # noqa: B009
        return found

    def add(self, record: T) -> None:
        key = getattr(record, "id")  # noqa: B009
        if key in self.rows:
            raise AlreadyExistsError(self._kind, key)
        self.rows.put(self._log, key, record)

    def add_many(self, records: Iterable[T]) -> int:
        n = 0
        for record in records:
            self.add(record)
            n += 1
        return n

    def find_by_id(self, key: str) -> T | None:
        return self.rows.get(key)

    def get(self, key: str) -> T:
        found = self.rows.get(key)
        if found is None:
            raise self._not_found(key)
        return found

    def update(self, record: T) -> None:
        key = getattr(record, "id")  # noqa: B009
        old = self.get(key)
        if self._versioned:
            version, stored = getattr(record, "version"), getattr(old, "version")  # noqa: B009
            if version != stored + 1:
                raise StaleVersionError(self._kind, key, version - 1, stored)
        self.rows.put(self._log, key, record)

    def delete(self, key: str) -> None:
        if self.rows.pop(self._log, key) is None:
            raise self._not_found(key)

    def iter_all(self) -> Iterator[T]:
        return iter(self.select())

    def count(self, where: Callable[[T], bool] | None = None) -> int:
        if where is None:
            return len(self.rows)
        return sum(1 for r in self.rows.data.values() if where(r))

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        attr = self._contact()
        ids = sorted(k for k, r in self.rows.data.items() if getattr(r, attr) == from_id)
        self.assign_contact(ids, to_id)
        return ids

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        attr = self._contact()
        for key in record_ids:
            self.rows.put(self._log, key, attrs.evolve(self.get(key), **{attr: contact_id}))  # type: ignore[misc]

    def erase_contact(self, contact_id: str) -> int:
        attr = self._contact()
        ids = [k for k, r in self.rows.data.items() if getattr(r, attr) == contact_id]
        for key in ids:
            self.rows.pop(self._log, key)
        return len(ids)

    def _contact(self) -> str:
        if self._contact_attr is None:
            raise TypeError(f"{self._kind} records do not belong to a contact")
        return self._contact_attr
