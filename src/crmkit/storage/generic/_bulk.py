"""Bulk writes and reads on the generic record store: the backend's fast path, or the
record-by-record way with the same result.

A backend's record store may offer :class:`crmkit.storage.records.BulkRecordStore`
(memory, SQLite and PostgreSQL do). One that does not gets the same result here: the batch
is checked first, exactly as the fast path checks it, then added record by record, so a
refused batch leaves nothing behind either way.
"""

from __future__ import annotations

from collections.abc import Iterable

from crmkit.storage.records import RecordStore, StoredRecord, check_new_records

__all__ = ["add_records", "key_values"]


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
