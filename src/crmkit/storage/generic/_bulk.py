"""Bulk writes and reads on the generic record store: the backend's fast path, or the
record-by-record way with the same result.

A backend's record store may offer :class:`crmkit.storage.records.BulkRecordStore`
(memory, SQLite and PostgreSQL do). One that does not gets the same result here: the batch
is checked first, exactly as the fast path checks it, then added record by record, so a
refused batch leaves nothing behind either way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from crmkit.storage.records import RecordStore, StoredRecord, check_new_records

__all__ = ["add_records", "key_index", "key_values"]


def add_records(store: RecordStore, records: Iterable[StoredRecord]) -> int:
    """Insert all *records* into *store* or none of them; return how many.

    >>> from crmkit.storage import MemoryStorage
    >>> notes = [StoredRecord("note", f"n-{i}", None, 1, {"i": i}) for i in range(3)]
    >>> with MemoryStorage().unit_of_work("acme") as uow:
    ...     add_records(uow.records, notes)
    3
    """
    # A plain attribute look-up, as for the other fast paths (a runtime protocol check
    # costs more than a small batch).
    fast = getattr(store, "add_many", None)
    if callable(fast):
        return int(fast(records))
    batch = list(records)

    def held_ids(kind: str, ids: list[str]) -> list[str]:
        return [r.id for r in store.get_many(kind, ids)]

    def held_values(kind: str, name: str, values: list[str]) -> list[str]:
        return [v for v in values if store.count(kind, name, equals=v)]

    check_new_records(batch, held_ids, held_values)
    for record in batch:
        store.add(record)
    return len(batch)


def key_values(
    store: RecordStore,
    kind: str,
    key: str,
    *,
    equals: str | None = None,
    at_least: str | None = None,
    at_most: str | None = None,
) -> list[tuple[str, str | None, str]]:
    """``(id, contact id, key value)`` of the records of *kind* whose *key* passes the
    bounds, ordered by id: :class:`crmkit.storage.records.KeyValues` where offered, else
    read from ``select``."""
    fast = getattr(store, "key_values", None)
    if callable(fast):
        return list(fast(kind, key, equals=equals, at_least=at_least, at_most=at_most))
    found = store.select(kind, key, equals=equals, at_least=at_least, at_most=at_most)
    return sorted((r.id, r.contact_id, r.keys[key]) for r in found)


def key_index(
    store: RecordStore,
    kind: str,
    key: str,
    *,
    at_least: str | None = None,
    at_most: str | None = None,
    record_ids: Collection[str] | None = None,
) -> list[tuple[str, str]]:
    """``(id, key value)`` of the records of *kind* whose *key* lies within the bounds (and
    whose id is among *record_ids*, when given), by value then id:
    :class:`crmkit.storage.records.KeyIndex` where offered, else read from the records.

    >>> from crmkit.storage import MemoryStorage
    >>> with MemoryStorage().unit_of_work("acme") as uow:
    ...     for i, day in enumerate(["2027-03-01", "2027-01-01", "2027-02-01"]):
    ...         uow.records.add(StoredRecord("note", f"n-{i}", None, 1, {}, {"due": day}))
    ...     key_index(uow.records, "note", "due", at_least="2027-01-15")
    [('n-2', '2027-02-01'), ('n-0', '2027-03-01')]
    """
    fast = getattr(store, "key_index", None)
    if callable(fast):
        rows = fast(kind, key, at_least=at_least, at_most=at_most, record_ids=record_ids)
        return list(rows)
    if record_ids is None:
        found = store.select(kind, key, at_least=at_least, at_most=at_most)
    else:
        found = store.get_many(kind, record_ids)
    pairs = [(r.id, r.keys[key]) for r in found if key in r.keys]
    return sorted(
        (
            (i, v)
            for i, v in pairs
            if (at_least is None or v >= at_least) and (at_most is None or v <= at_most)
        ),
        key=lambda p: (p[1], p[0]),
    )
