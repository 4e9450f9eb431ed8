"""One aggregate kept as a record kind of the generic store, with the repository verbs the
protocols share: add, get, versioned update, listing, moving records between contacts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs

from crmkit.errors import AlreadyExistsError, RecordNotFoundError, StaleVersionError, UniqueKeyError
from crmkit.storage._linked import ContactRecords
from crmkit.storage.records import KindRecords, RecordStore, StoredRecord

__all__ = ["Codec", "DictCodec", "LinkedThrough", "RecordTable", "TableKind", "upsert"]

T = TypeVar("T")


class Codec(Protocol[T]):
    """What a table needs of a codec (:class:`crmkit.storage.codec.AttrsCodec` is one)."""

    versioned: bool

    def encode(self, kind: str, record: T, *, version: int | None = None) -> StoredRecord: ...

    def decode(self, stored: StoredRecord) -> T: ...


def _no_keys(record: Any) -> Mapping[str, str | None]:
    return {}


class DictCodec(Generic[T]):
    """A codec through a class's own ``to_dict``/``from_dict`` (merge records, static lists),
    for records whose fields the attrs codec cannot describe; they belong to no contact."""

    versioned = False

    def __init__(
        self,
        dump: Callable[[T], Mapping[str, Any]],
        load: Callable[[Mapping[str, Any]], T],
        *,
        id_of: Callable[[T], str],
        keys: Callable[[T], Mapping[str, str | None]] = _no_keys,
    ) -> None:
        self._dump = dump
        self._load = load
        self._id_of = id_of
        self._keys = keys

    def encode(self, kind: str, record: T, *, version: int | None = None) -> StoredRecord:
        return StoredRecord(
            kind, self._id_of(record), None, version or 1, self._dump(record), self._keys(record)
        )

    def decode(self, stored: StoredRecord) -> T:
        return self._load(stored.body)


@attrs.frozen
class TableKind(Generic[T]):
    """A stored kind (``name`` starts with ``_``: crmkit's own) and how errors name it."""

    name: str
    label: str
    codec: Codec[T]
    not_found: Callable[[str], Exception]


def upsert(store: RecordStore, record: StoredRecord) -> None:
    """Insert, or overwrite what the id holds with the next version."""
    old = store.get_many(record.kind, [record.id])
    if old:
        store.update(attrs.evolve(record, version=old[0].version + 1))
    else:
        store.add(record)


class LinkedThrough:
    """Moves and erases a contact's records through ``self.links`` (merges, erasures)."""

    links: ContactRecords

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return self.links.reassign_contact(from_id, to_id)

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self.links.assign_contact(record_ids, contact_id)

    def erase_contact(self, contact_id: str) -> int:
        return self.links.erase_contact(contact_id)


class RecordTable(LinkedThrough, Generic[T]):
    """The records of one :class:`TableKind` on a unit of work's record store."""

    def __init__(self, store: RecordStore, kind: TableKind[T]) -> None:
        self.links = KindRecords(store, kind.name)
        self.store = store
        self.kind = kind
        self._name = kind.name
        self._codec = kind.codec

    def _decode(self, found: Iterable[StoredRecord]) -> list[T]:
        return [self._codec.decode(r) for r in found]

    def add(self, record: T) -> None:
        stored = self._codec.encode(self._name, record)
        try:
            self.store.add(stored)
        except UniqueKeyError:
            raise
        except AlreadyExistsError as exc:
            raise AlreadyExistsError(self.kind.label, stored.id) from exc

    def add_many(self, records: Iterable[T]) -> int:
        n = 0
        for record in records:
            self.add(record)
            n += 1
        return n

    def stored(self, record_id: str) -> StoredRecord:
        try:
            return self.store.get(self._name, record_id)
        except RecordNotFoundError:
            raise self.kind.not_found(record_id) from None

    def get(self, record_id: str) -> T:
        return self._codec.decode(self.stored(record_id))

    def find_by_id(self, record_id: str) -> T | None:
        found = self.store.get_many(self._name, [record_id])
        return self._codec.decode(found[0]) if found else None

    def update(self, record: T) -> None:
        """Versioned classes must carry the stored version + 1; others overwrite."""
        if self._codec.versioned:
            stored = self._codec.encode(self._name, record)
            old = self.stored(stored.id)
            if stored.version != old.version + 1:
                raise StaleVersionError(self.kind.label, stored.id, stored.version - 1, old.version)
        else:
            old = self.stored(getattr(record, "id"))  # noqa: B009
            stored = self._codec.encode(self._name, record, version=old.version + 1)
        self.store.update(stored)

    def delete(self, record_id: str) -> None:
        try:
            self.store.remove(self._name, record_id)
        except RecordNotFoundError:
            raise self.kind.not_found(record_id) from None

    def all(self) -> list[T]:
        """Every record, by id."""
        return self._decode(self.store.select(self._name))

    def iter_all(self) -> Iterator[T]:
        return iter(self.all())

    def count(self) -> int:
        return self.store.count(self._name)

    def where(self, key: str, value: str) -> list[T]:
        """The records whose *key* is *value*, by id."""
        return self._decode(self.store.select(self._name, key, equals=value))

    def of_contact(self, contact_id: str) -> list[T]:
        return self._decode(self.store.for_contact(self._name, contact_id))
