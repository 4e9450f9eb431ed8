"""Erasure records, suppression markers and static lists, in memory."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime

from crmkit.errors import AlreadyExistsError, ListNotFoundError, NotFoundError
from crmkit.privacy.erasure import ErasureRecord
from crmkit.segments.lists import ListChange, StaticList
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable
from crmkit.value.ledger import Transaction

__all__ = ["ErasureTables", "ListTables", "MemoryErasureRepository", "MemoryListRepository"]


class ErasureTables:
    def __init__(self) -> None:
        self.key: UndoableDict[str, tuple[str, str]] = UndoableDict()
        self.records: UndoableDict[str, ErasureRecord] = UndoableDict()  # by contact id
        self.markers: UndoableDict[str, str] = UndoableDict()  # marker -> erasure id
        self.transactions: UndoableDict[str, Transaction] = UndoableDict()


class MemoryErasureRepository:
    def __init__(self, tables: ErasureTables, log: UndoLog) -> None:
        self._t = tables
        self._log = log

    def find_key(self) -> tuple[str, str] | None:
        return self._t.key.get("key")

    def add_key(self, salt: str, check: str, at: datetime) -> None:
        if "key" not in self._t.key:
            self._t.key.put(self._log, "key", (salt, check))

    def add(self, record: ErasureRecord, markers: Collection[str]) -> None:
        for cid in record.contact_ids:
            if cid in self._t.records:
                raise AlreadyExistsError("erasure", cid)
            self._t.records.put(self._log, cid, record)
        for marker in markers:
            if marker not in self._t.markers:
                self._t.markers.put(self._log, marker, record.id)

    def find_by_contact(self, contact_id: str) -> ErasureRecord | None:
        return self._t.records.get(contact_id)

    def iter_all(self) -> Iterator[ErasureRecord]:
        unique = {r.id: r for r in self._t.records.values()}
        return iter(sorted(unique.values(), key=lambda r: (r.at, r.id)))

    def suppressed(self, markers: Collection[str]) -> set[str]:
        return {m for m in markers if m in self._t.markers}

    def add_transactions(self, entries: Iterable[Transaction]) -> int:
        n = 0
        for t in entries:
            if t.id in self._t.transactions:
                raise AlreadyExistsError("erased transaction", t.id)
            self._t.transactions.put(self._log, t.id, t)
            n += 1
        return n

    def transactions(self) -> list[Transaction]:
        return sorted(
            self._t.transactions.values(), key=lambda t: (t.contact_id, t.occurred_at, t.id)
        )


class ListTables:
    def __init__(self) -> None:
        self.lists: UndoableDict[str, StaticList] = UndoableDict()
        self.changes: UndoableDict[str, ListChange] = UndoableDict()


class _ChangeNotFoundError(NotFoundError):
    kind = "list change"


class MemoryListRepository:
    """The lists by name, and the table of their changes (which follow merges)."""

    def __init__(self, tables: ListTables, log: UndoLog) -> None:
        self._lists = tables.lists
        self._log = log
        self._changes = MemoryTable(
            tables.changes,
            log,
            kind="list change",
            not_found=_ChangeNotFoundError,
            versioned=False,
            contact_attr="contact_id",
        )

    def add(self, static_list: StaticList) -> None:
        if static_list.name in self._lists:
            raise AlreadyExistsError("list", static_list.name)
        self._lists.put(self._log, static_list.name, static_list)

    def get(self, name: str) -> StaticList:
        found = self._lists.get(name)
        if found is None:
            raise ListNotFoundError(name)
        return found

    def names(self) -> list[str]:
        return sorted(self._lists.data)

    def delete(self, name: str) -> None:
        self.get(name)
        for change in self.changes(name):
            self._changes.delete(change.id)
        self._lists.pop(self._log, name)

    def add_changes(self, changes: Iterable[ListChange]) -> None:
        for change in changes:
            self.get(change.list_name)
            self._changes.add(change)

    def changes(self, name: str, *, contact_id: str | None = None) -> list[ListChange]:
        return self._changes.select(
            lambda c: c.list_name == name and (contact_id is None or c.contact_id == contact_id),
            order=lambda c: (c.at, c.id),
        )

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return self._changes.reassign_contact(from_id, to_id)

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self._changes.assign_contact(record_ids, contact_id)

    def erase_contact(self, contact_id: str) -> int:
        return self._changes.erase_contact(contact_id)
