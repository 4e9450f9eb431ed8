"""Erasure records, suppression markers, the salt, the anonymised ledger and static lists,
kept in the generic record store."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

from crmkit.errors import AlreadyExistsError, ListNotFoundError, NotFoundError, RecordNotFoundError
from crmkit.privacy.erasure import ErasureRecord
from crmkit.segments.lists import ListChange, StaticList
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic._table import DictCodec, LinkedThrough, RecordTable, TableKind
from crmkit.storage.records import RecordStore, StoredRecord
from crmkit.value.ledger import Transaction

__all__ = ["GenericErasureRepository", "GenericListRepository"]

ERASURE_KEY = "_erasure_key"
ERASURE_OF = "_erasure_of"  # contact id -> erasure id
SUPPRESSION = "_suppression"  # marker -> erasure id


def _not_found(key: str) -> RecordNotFoundError:
    return RecordNotFoundError("erasure", key)


class _ChangeNotFoundError(NotFoundError):
    kind = "list change"


ERASURES = TableKind("_erasure", "erasure", AttrsCodec(ErasureRecord, contact=None), _not_found)
# Anonymised entries: their contact_id is the erasure's id, so it stays in the body.
ERASED_LEDGER = TableKind(
    "_erased_transaction", "erased transaction", AttrsCodec(Transaction, contact=None), _not_found
)
LISTS = TableKind(
    "_list",
    "list",
    DictCodec(StaticList.to_dict, StaticList.from_dict, id_of=lambda s: s.name),
    ListNotFoundError,
)
LIST_CHANGES = TableKind(
    "_list_change",
    "list change",
    AttrsCodec(ListChange, keys=lambda c: {"list": c.list_name}),
    _ChangeNotFoundError,
)


def _pointer(kind: str, record_id: str, erasure_id: str) -> StoredRecord:
    return StoredRecord(kind, record_id, None, 1, {"erasure": erasure_id})


class GenericErasureRepository:
    def __init__(self, store: RecordStore) -> None:
        self._store = store
        self._records = RecordTable(store, ERASURES)
        self._ledger = RecordTable(store, ERASED_LEDGER)

    def find_key(self) -> tuple[str, str] | None:
        found = self._store.get_many(ERASURE_KEY, ["key"])
        return (found[0].body["salt"], found[0].body["check"]) if found else None

    def add_key(self, salt: str, check: str, at: datetime) -> None:
        if self.find_key() is None:
            body = {"salt": salt, "check": check, "at": at.isoformat()}
            self._store.add(StoredRecord(ERASURE_KEY, "key", None, 1, body))

    def add(self, record: ErasureRecord, markers: Collection[str]) -> None:
        for cid in record.contact_ids:
            if self._store.get_many(ERASURE_OF, [cid]):
                raise AlreadyExistsError("erasure", cid)
            self._store.add(_pointer(ERASURE_OF, cid, record.id))
        if self._records.find_by_id(record.id) is None:
            self._records.add(record)
        held = {r.id for r in self._store.get_many(SUPPRESSION, markers)}
        for marker in sorted(set(markers) - held):
            self._store.add(_pointer(SUPPRESSION, marker, record.id))

    def find_by_contact(self, contact_id: str) -> ErasureRecord | None:
        found = self._store.get_many(ERASURE_OF, [contact_id])
        return self._records.find_by_id(found[0].body["erasure"]) if found else None

    def iter_all(self) -> Iterator[ErasureRecord]:
        return iter(sorted(self._records.all(), key=lambda r: (r.at, r.id)))

    def suppressed(self, markers: Collection[str]) -> set[str]:
        return {r.id for r in self._store.get_many(SUPPRESSION, markers)}

    def add_transactions(self, entries: Iterable[Transaction]) -> int:
        return self._ledger.add_many(entries)

    def transactions(self) -> list[Transaction]:
        return sorted(self._ledger.all(), key=lambda t: (t.contact_id, t.occurred_at, t.id))


class GenericListRepository(LinkedThrough):
    """The lists by name, and the table of their changes (which follow merges)."""

    def __init__(self, store: RecordStore) -> None:
        self._lists = RecordTable(store, LISTS)
        self._changes = RecordTable(store, LIST_CHANGES)
        self.links = self._changes

    def add(self, static_list: StaticList) -> None:
        self._lists.add(static_list)

    def get(self, name: str) -> StaticList:
        return self._lists.get(name)

    def names(self) -> list[str]:
        return [s.name for s in self._lists.all()]

    def delete(self, name: str) -> None:
        self.get(name)
        for change in self._changes.where("list", name):
            self._changes.delete(change.id)
        self._lists.delete(name)

    def add_changes(self, changes: Iterable[ListChange]) -> None:
        known: set[str] = set()
        for change in changes:
            if change.list_name not in known:
                self.get(change.list_name)
                known.add(change.list_name)
            self._changes.add(change)

    def changes(self, name: str, *, contact_id: str | None = None) -> list[ListChange]:
        if contact_id is None:
            found = self._changes.where("list", name)
        else:
            found = [c for c in self._changes.of_contact(contact_id) if c.list_name == name]
        return sorted(found, key=lambda c: (c.at, c.id))
