"""The generic record store: one protocol for every kind a capability declares.

A backend stores records of any kind through ``uow.records`` without knowing the kind: a
record is an id, an optional contact, a version, a JSON body and a few string *keys* the
kind chose to look records up by (a status, a due time, a coupon code). The kind's codec
(:class:`crmkit.storage.codec.AttrsCodec`) turns domain objects into bodies and keys and
back, so a new kind needs no new table, repository or migration in any backend.

Keys are compared as strings. A kind that ranges over a key writes values that sort as
text: :func:`crmkit.storage.codec.sortable_time` for datetimes, zero-padded numbers.

>>> from crmkit.storage import MemoryStorage
>>> storage = MemoryStorage()
>>> with storage.unit_of_work("acme") as uow:
...     uow.records.add(StoredRecord("note", "n-1", None, 1, {"text": "hi"}, {"tag": "a"}))
...     [r.body["text"] for r in uow.records.select("note", "tag", equals="a")]
['hi']
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from crmkit.errors import AlreadyExistsError, UniqueKeyError, ValidationError

__all__ = [
    "BulkRecordStore",
    "KeyIndex",
    "KeyValues",
    "KindRecords",
    "RecordStore",
    "StoredRecord",
    "check_new_records",
]


def _frozen_dict(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


def _keys(value: Mapping[str, str | None]) -> Mapping[str, str]:
    out: dict[str, str] = {}
    for name, key in value.items():
        if key is None:
            continue
        if not isinstance(name, str) or not isinstance(key, str):
            raise ValidationError("keys", {name: key}, "key names and values must be text")
        out[name] = key
    return out


def _names(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class StoredRecord:
    """One record as a backend stores it.

    ``keys`` are the values the kind looks the record up by (a key whose value is ``None``
    is left out); those named in ``unique`` may be held by one record of the kind only.
    ``body`` is JSON: text, numbers, booleans, ``None``, lists and string-keyed objects.
    """

    kind: str
    id: str
    contact_id: str | None
    version: int
    body: Mapping[str, Any] = attrs.field(converter=_frozen_dict)
    keys: Mapping[str, str] = attrs.field(factory=dict, converter=_keys)
    unique: frozenset[str] = attrs.field(factory=frozenset, converter=_names)

    def unique_keys(self) -> list[tuple[str, str]]:
        """The ``(name, value)`` pairs no other record of the kind may hold."""
        return sorted((n, v) for n, v in self.keys.items() if n in self.unique)


@runtime_checkable
class RecordStore(Protocol):
    """Records of every declared kind in one workspace (``uow.records``).

    Ids are unique per kind. Lists come back ordered by id (crmkit's ids are time-ordered),
    key look-ups by key value then id.
    """

    def add(self, record: StoredRecord) -> None:
        """Insert; :class:`crmkit.errors.AlreadyExistsError` for an id the kind holds,
        :class:`crmkit.errors.UniqueKeyError` for a unique key value another record holds."""
        ...

    def get(self, kind: str, record_id: str) -> StoredRecord:
        """The record, or :class:`crmkit.errors.RecordNotFoundError`."""
        ...

    def get_many(self, kind: str, record_ids: Collection[str]) -> list[StoredRecord]:
        """The records among these ids that exist, by id."""
        ...

    def update(self, record: StoredRecord) -> None:
        """Replace body and keys; ``record.version`` must be the stored version + 1, else
        :class:`crmkit.errors.StaleVersionError`."""
        ...

    def remove(self, kind: str, record_id: str) -> None:
        """Delete one record, or :class:`crmkit.errors.RecordNotFoundError`."""
        ...

    def for_contact(self, kind: str, contact_id: str) -> list[StoredRecord]: ...

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
        """Every record of the kind (by id), or those whose *key* equals a value or lies
        within the inclusive bounds (by key value, then id); at most *limit* of them."""
        ...

    def count(
        self,
        kind: str,
        key: str | None = None,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> int:
        """``len(select(...))`` without reading the records."""
        ...

    def reassign_contact(self, kind: str, from_id: str, to_id: str) -> list[str]:
        """Point every record of the kind held by *from_id* at *to_id*; return their ids."""
        ...

    def assign_contact(self, kind: str, record_ids: Sequence[str], contact_id: str) -> None:
        """Point exactly these records at *contact_id* (an unmerge)."""
        ...

    def erase_contact(self, kind: str, contact_id: str) -> int:
        """Delete the kind's records of *contact_id*; return how many."""
        ...


@runtime_checkable
class BulkRecordStore(Protocol):
    """A record store that inserts many records at once (an optional fast path: memory,
    SQLite and PostgreSQL offer it).

    Fallback: :func:`crmkit.storage.generic.add_records` adds them one by one after the
    same checks, with the same result.
    """

    def add_many(self, records: Iterable[StoredRecord]) -> int:
        """Insert every record, or none: an id the kind holds or that the batch repeats
        raises :class:`crmkit.errors.AlreadyExistsError`, a unique key value held or
        repeated :class:`crmkit.errors.UniqueKeyError`, and the store is as it was before
        the call (the unit of work goes on). Returns how many were inserted."""
        ...


@runtime_checkable
class KeyValues(Protocol):
    """A record store that reads one key of many records without their bodies (an optional
    fast path: memory, SQLite and PostgreSQL offer it). A report over a million records
    that needs only their contacts and one key skips decoding a million bodies.

    Fallback: :func:`crmkit.storage.generic.key_values`, from ``select``.
    """

    def key_values(
        self,
        kind: str,
        key: str,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> list[tuple[str, str | None, str]]:
        """``(id, contact id, key value)`` of the records ``select(kind, key, ...)`` finds,
        ordered by id."""
        ...


@runtime_checkable
class KeyIndex(Protocol):
    """A record store that answers from its key index alone, reading no record (an
    optional fast path: SQLite and PostgreSQL offer it). A look-up in a range of a million
    contracts that needs their ids and one key costs index pages, not one random read per
    record. (:meth:`KeyValues.key_values` also gives the contact, so it reads the records.)

    Fallback: :func:`crmkit.storage.generic.key_index`, from ``select`` and ``get_many``.
    """

    def key_index(
        self,
        kind: str,
        key: str,
        *,
        at_least: str | None = None,
        at_most: str | None = None,
        record_ids: Collection[str] | None = None,
    ) -> list[tuple[str, str]]:
        """``(id, key value)`` of the records of *kind* that have *key* within the
        inclusive bounds (and, when *record_ids* is given, are among them), ordered by key
        value, then id."""
        ...


def check_new_records(
    records: Sequence[StoredRecord],
    held_ids: Callable[[str, list[str]], Collection[str]],
    held_values: Callable[[str, str, list[str]], Collection[str]],
) -> None:
    """Refuse a bulk insert, before it writes, as adding the records one by one would:
    ids or unique key values the batch repeats, then those the store holds already
    (*held_ids(kind, ids)* and *held_values(kind, key name, values)* say which)."""
    ids: dict[str, set[str]] = {}
    values: dict[tuple[str, str], set[str]] = {}
    for r in records:
        if not isinstance(r, StoredRecord):
            raise ValidationError("records", r, "expected StoredRecord values")
        seen = ids.setdefault(r.kind, set())
        if r.id in seen:
            raise AlreadyExistsError(r.kind, r.id)
        seen.add(r.id)
        for name, value in r.unique_keys():
            taken = values.setdefault((r.kind, name), set())
            if value in taken:
                raise UniqueKeyError(r.kind, name, value)
            taken.add(value)
    for kind, wanted in sorted(ids.items()):
        held = held_ids(kind, sorted(wanted))
        if held:
            raise AlreadyExistsError(kind, min(held))
    for (kind, name), wanted in sorted(values.items()):
        held = held_values(kind, name, sorted(wanted))
        if held:
            raise UniqueKeyError(kind, name, min(held))


class KindRecords:
    """One kind's records as a :class:`crmkit.storage.protocols.ContactRecords`, so merges,
    unmerges and erasures treat a generically stored kind like any other."""

    def __init__(self, store: RecordStore, kind: str) -> None:
        self._store = store
        self._kind = kind

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return self._store.reassign_contact(self._kind, from_id, to_id)

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self._store.assign_contact(self._kind, record_ids, contact_id)

    def erase_contact(self, contact_id: str) -> int:
        return self._store.erase_contact(self._kind, contact_id)


def check_bounds(
    key: str | None, equals: str | None, at_least: str | None, at_most: str | None
) -> None:
    """Refuse a look-up that names bounds without a key, or a value and a range at once."""
    if key is None and (equals, at_least, at_most) != (None, None, None):
        raise ValidationError("key", None, "a value or bounds need a key to compare")
    if equals is not None and (at_least, at_most) != (None, None):
        raise ValidationError("equals", equals, "give a value or bounds, not both")


def check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError("limit", limit, "expected a whole number of records, 0 or more")


def in_bounds(
    value: str | None, equals: str | None, at_least: str | None, at_most: str | None
) -> bool:
    """Whether a key value passes a look-up (the in-memory twin of the SQL condition)."""
    if value is None:
        return False
    if equals is not None:
        return value == equals
    return (at_least is None or value >= at_least) and (at_most is None or value <= at_most)
