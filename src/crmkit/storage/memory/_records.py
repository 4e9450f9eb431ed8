"""The generic record store, in memory (see :mod:`crmkit.storage.records`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import attrs

from crmkit.errors import AlreadyExistsError, RecordNotFoundError, StaleVersionError, UniqueKeyError
from crmkit.storage.memory._base import KeyIndex, UndoableDict, UndoLog
from crmkit.storage.records import (
    StoredRecord,
    check_bounds,
    check_limit,
    check_new_records,
    in_bounds,
)

__all__ = ["MemoryRecordStore", "RecordTables"]


class RecordTables:
    """Records by kind and id; per kind, contact id -> record ids and unique key owners."""

    def __init__(self) -> None:
        self.kinds: dict[str, UndoableDict[str, StoredRecord]] = {}
        self.by_contact = KeyIndex()  # "kind\x1fcontact id" -> record ids
        self.unique: UndoableDict[tuple[str, str, str], str] = UndoableDict()

    def rows(self, kind: str) -> UndoableDict[str, StoredRecord]:
        # An empty table left behind by a rolled-back first write is harmless.
        found = self.kinds.get(kind)
        if found is None:
            found = self.kinds[kind] = UndoableDict()
        return found


def _contact_key(kind: str, contact_id: str) -> str:
    return f"{kind}\x1f{contact_id}"


class MemoryRecordStore:
    def __init__(self, tables: RecordTables, log: UndoLog) -> None:
        self._t = tables
        self._log = log

    def _claim(self, record: StoredRecord, old: StoredRecord | None) -> None:
        before = set(old.unique_keys()) if old else set()
        after = set(record.unique_keys())
        for name, value in sorted(after - before):
            owner = self._t.unique.get((record.kind, name, value))
            if owner is not None and owner != record.id:
                raise UniqueKeyError(record.kind, name, value)
        for name, value in sorted(before - after):
            self._t.unique.pop(self._log, (record.kind, name, value))
        for name, value in sorted(after - before):
            self._t.unique.put(self._log, (record.kind, name, value), record.id)

    def _file(self, record: StoredRecord, old: StoredRecord | None) -> None:
        if old is not None and old.contact_id is not None and old.contact_id != record.contact_id:
            self._t.by_contact.discard(self._log, _contact_key(old.kind, old.contact_id), old.id)
        if record.contact_id is not None:
            self._t.by_contact.add(
                self._log, _contact_key(record.kind, record.contact_id), record.id
            )
        self._t.rows(record.kind).put(self._log, record.id, record)

    def add(self, record: StoredRecord) -> None:
        if record.id in self._t.rows(record.kind):
            raise AlreadyExistsError(record.kind, record.id)
        self._claim(record, None)
        self._file(record, None)

    def add_many(self, records: Iterable[StoredRecord]) -> int:
        """See :class:`crmkit.storage.records.BulkRecordStore`."""
        batch = list(records)
        unique = self._t.unique.data

        def held_ids(kind: str, ids: list[str]) -> list[str]:
            rows = self._t.rows(kind)
            return [i for i in ids if i in rows]

        def held_values(kind: str, name: str, values: list[str]) -> list[str]:
            return [v for v in values if (kind, name, v) in unique]

        check_new_records(batch, held_ids, held_values)
        for record in batch:
            self._claim(record, None)
            self._file(record, None)
        return len(batch)

    def get(self, kind: str, record_id: str) -> StoredRecord:
        found = self._t.rows(kind).get(record_id)
        if found is None:
            raise RecordNotFoundError(kind, record_id)
        return found

    def get_many(self, kind: str, record_ids: Collection[str]) -> list[StoredRecord]:
        rows = self._t.rows(kind)
        return [r for r in (rows.get(i) for i in sorted(set(record_ids))) if r is not None]

    def update(self, record: StoredRecord) -> None:
        old = self.get(record.kind, record.id)
        if record.version != old.version + 1:
            raise StaleVersionError(record.kind, record.id, record.version - 1, old.version)
        self._claim(record, old)
        self._file(record, old)

    def remove(self, kind: str, record_id: str) -> None:
        old = self.get(kind, record_id)
        for name, value in old.unique_keys():
            self._t.unique.pop(self._log, (kind, name, value))
        if old.contact_id is not None:
            self._t.by_contact.discard(self._log, _contact_key(kind, old.contact_id), record_id)
        self._t.rows(kind).pop(self._log, record_id)

    def for_contact(self, kind: str, contact_id: str) -> list[StoredRecord]:
        ids = self._t.by_contact.holders(_contact_key(kind, contact_id))
        return self.get_many(kind, ids)

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
        rows = self._t.rows(kind).data.values()
        if key is None:
            found = sorted(rows, key=lambda r: r.id)
        else:
            hits = [r for r in rows if in_bounds(r.keys.get(key), equals, at_least, at_most)]
            found = sorted(hits, key=lambda r: (r.keys[key], r.id))
        return found if limit is None else found[:limit]

    def key_values(
        self,
        kind: str,
        key: str,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> list[tuple[str, str | None, str]]:
        """See :class:`crmkit.storage.records.KeyValues`."""
        check_bounds(key, equals, at_least, at_most)
        return sorted(
            (r.id, r.contact_id, r.keys[key])
            for r in self._t.rows(kind).data.values()
            if in_bounds(r.keys.get(key), equals, at_least, at_most)
        )

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
        rows = self._t.rows(kind).data.values()
        if key is None:
            return len(rows)
        return sum(1 for r in rows if in_bounds(r.keys.get(key), equals, at_least, at_most))

    def reassign_contact(self, kind: str, from_id: str, to_id: str) -> list[str]:
        ids = sorted(self._t.by_contact.holders(_contact_key(kind, from_id)))
        self.assign_contact(kind, ids, to_id)
        return ids

    def assign_contact(self, kind: str, record_ids: Sequence[str], contact_id: str) -> None:
        for record_id in record_ids:
            old = self.get(kind, record_id)
            self._file(attrs.evolve(old, contact_id=contact_id), old)

    def erase_contact(self, kind: str, contact_id: str) -> int:
        ids = self._t.by_contact.holders(_contact_key(kind, contact_id))
        for record_id in ids:
            self.remove(kind, record_id)
        return len(ids)
