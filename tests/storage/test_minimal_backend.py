"""A backend written as a third party would: only the core of the storage contract.

It keeps each workspace in plain dicts and implements ``Storage``, a unit of work with
``contacts``, ``interactions`` and ``records``, and nothing else; ``crmkit.storage.complete``
serves every other repository on top of its ``records``. It must pass the whole contract
and both state machines, like the backends crmkit ships.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import attrs
import pytest
from hypothesis import HealthCheck, settings

from crmkit.contacts import Contact
from crmkit.errors import (
    AlreadyExistsError,
    ConflictError,
    ContactNotFoundError,
    DuplicateContactError,
    InteractionNotFoundError,
    RecordNotFoundError,
    StaleVersionError,
    StorageError,
    UniqueKeyError,
)
from crmkit.identity.contact_match import match_keys
from crmkit.interactions import Interaction
from crmkit.storage import complete
from crmkit.storage.protocols import Storage
from crmkit.storage.records import StoredRecord, check_bounds, check_limit, in_bounds
from crmkit.testing import RecordStoreMachine, StorageContract, StorageMachine


class _Tables:
    """One workspace. Values are immutable, so a snapshot is a shallow copy of each dict."""

    def __init__(self) -> None:
        self.contacts: dict[str, Contact] = {}
        self.identities: dict[str, tuple[str, ...]] = {}  # identity key -> owner ids
        self.match_keys: dict[str, frozenset[str]] = {}  # blocking key -> holder ids
        self.interactions: dict[str, Interaction] = {}
        self.timelines: dict[str, frozenset[str]] = {}  # contact id -> interaction ids
        self.records: dict[tuple[str, str], StoredRecord] = {}
        self.unique: dict[tuple[str, str, str], str] = {}  # (kind, key, value) -> record id

    def copy(self) -> _Tables:
        out = _Tables()
        out.__dict__.update({name: dict(table) for name, table in vars(self).items()})
        return out


def _file(index: dict[str, Any], key: str, member: str, *, add: bool) -> None:
    held = set(index.get(key, ()))
    held = held | {member} if add else held - {member}
    if held:
        index[key] = frozenset(held)
    else:
        index.pop(key, None)


class DictContacts:
    def __init__(self, t: _Tables) -> None:
        self.t = t

    def _check_identities(self, contact: Contact) -> None:
        for key in sorted(contact.identity_keys()):
            for owner_id in self.t.identities.get(key, ()):
                owner = self.t.contacts[owner_id]
                both_shared = key in contact.shared_identities and key in owner.shared_identities
                if owner_id != contact.id and not both_shared:
                    raise DuplicateContactError(key, owner_id)

    def _index(self, contact: Contact, *, add: bool) -> None:
        for key in contact.identity_keys():
            owners = tuple(o for o in self.t.identities.get(key, ()) if o != contact.id)
            owners = (*owners, contact.id) if add else owners
            if owners:
                self.t.identities[key] = owners
            else:
                self.t.identities.pop(key, None)
        for key in match_keys(contact):
            _file(self.t.match_keys, key, contact.id, add=add)

    def add(self, contact: Contact) -> None:
        if contact.id in self.t.contacts:
            raise AlreadyExistsError("contact", contact.id)
        self._check_identities(contact)
        self.t.contacts[contact.id] = contact
        self._index(contact, add=True)

    def get(self, contact_id: str) -> Contact:
        found = self.t.contacts.get(contact_id)
        if found is None:
            raise ContactNotFoundError(contact_id)
        return found

    def find_by_id(self, contact_id: str) -> Contact | None:
        return self.t.contacts.get(contact_id)

    def existing_ids(self, contact_ids: Collection[str]) -> set[str]:
        return {cid for cid in contact_ids if cid in self.t.contacts}

    def update(self, contact: Contact) -> None:
        old = self.get(contact.id)
        if contact.version != old.version + 1:
            raise StaleVersionError("contact", contact.id, contact.version - 1, old.version)
        self._check_identities(contact)
        self._index(old, add=False)
        self.t.contacts[contact.id] = contact
        self._index(contact, add=True)

    def remove(self, contact_id: str) -> Contact:
        old = self.get(contact_id)
        self._index(old, add=False)
        del self.t.contacts[contact_id]
        return old

    def find_by_identity(self, key: str) -> list[Contact]:
        found = [self.t.contacts[cid] for cid in self.t.identities.get(key, ())]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def match_key_holders(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        held = {key: self.t.match_keys.get(key, frozenset()) for key in keys}
        return {key: sorted(ids) for key, ids in held.items() if 0 < len(ids) <= keys[key]}

    def find_many(self, contact_ids: Collection[str]) -> list[Contact]:
        return [self.t.contacts[c] for c in sorted(set(contact_ids)) if c in self.t.contacts]

    def rebuild_match_keys(self) -> int:
        self.t.match_keys.clear()
        for contact in self.t.contacts.values():
            for key in match_keys(contact):
                _file(self.t.match_keys, key, contact.id, add=True)
        return len(self.t.contacts)

    def iter_all(self) -> Iterator[Contact]:
        return iter(list(self.t.contacts.values()))

    def count(self) -> int:
        return len(self.t.contacts)

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return []  # contacts hang off no contact; merges update and remove them

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        return None


class DictInteractions:
    def __init__(self, t: _Tables) -> None:
        self.t = t

    def _put(self, it: Interaction) -> None:
        old = self.t.interactions.get(it.id)
        if old is not None:
            _file(self.t.timelines, old.contact_id, it.id, add=False)
        self.t.interactions[it.id] = it
        _file(self.t.timelines, it.contact_id, it.id, add=True)

    def add(self, interaction: Interaction) -> None:
        if interaction.id in self.t.interactions:
            raise AlreadyExistsError("interaction", interaction.id)
        if interaction.contact_id not in self.t.contacts:
            raise ConflictError(f"contact {interaction.contact_id!r} does not exist")
        self._put(interaction)

    def add_many(self, interactions: Iterable[Interaction]) -> int:
        return sum(self.add(it) is None for it in interactions)

    def get(self, interaction_id: str) -> Interaction:
        found = self.t.interactions.get(interaction_id)
        if found is None:
            raise InteractionNotFoundError(interaction_id)
        return found

    def _of(self, contact_id: str) -> list[Interaction]:
        found = (self.t.interactions[i] for i in self.t.timelines.get(contact_id, ()))
        return sorted(found, key=lambda it: (it.occurred_at, it.id), reverse=True)

    def timeline(
        self,
        contact_id: str,
        *,
        limit: int | None = None,
        channel: str | None = None,
        direction: str | None = None,
        handled_by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Interaction]:
        found = [
            it
            for it in self._of(contact_id)
            if (channel is None or it.channel == channel)
            and (direction is None or it.direction == direction)
            and (handled_by is None or it.handled_by == handled_by)
            and (since is None or it.occurred_at >= since)
            and (until is None or it.occurred_at < until)
        ]
        return found if limit is None else found[:limit]

    def iter_all(self) -> Iterator[Interaction]:
        return iter(list(self.t.interactions.values()))

    def count(self) -> int:
        return len(self.t.interactions)

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        ids = sorted(self.t.timelines.get(from_id, ()))
        self.assign_contact(ids, to_id)
        return ids

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        for rid in record_ids:
            self._put(attrs.evolve(self.get(rid), contact_id=contact_id))

    def erase_contact(self, contact_id: str) -> int:
        ids = self.t.timelines.pop(contact_id, frozenset())
        for rid in ids:
            del self.t.interactions[rid]
        return len(ids)


class DictRecords:
    def __init__(self, t: _Tables) -> None:
        self.t = t

    def _put(self, record: StoredRecord, old: StoredRecord | None) -> None:
        mine = set(record.unique_keys())
        for name, value in mine:
            holder = self.t.unique.get((record.kind, name, value))
            if holder not in (None, record.id):
                raise UniqueKeyError(record.kind, name, value)
        for name, value in old.unique_keys() if old else ():
            del self.t.unique[(record.kind, name, value)]
        for name, value in mine:
            self.t.unique[(record.kind, name, value)] = record.id
        # Bodies are kept as JSON text would keep them: detached from the caller's objects.
        body = json.loads(json.dumps(dict(record.body)))
        self.t.records[(record.kind, record.id)] = attrs.evolve(record, body=body)

    def add(self, record: StoredRecord) -> None:
        if (record.kind, record.id) in self.t.records:
            raise AlreadyExistsError(record.kind, record.id)
        self._put(record, None)

    def get(self, kind: str, record_id: str) -> StoredRecord:
        found = self.t.records.get((kind, record_id))
        if found is None:
            raise RecordNotFoundError(kind, record_id)
        return found

    def get_many(self, kind: str, record_ids: Collection[str]) -> list[StoredRecord]:
        found = (self.t.records.get((kind, i)) for i in sorted(set(record_ids)))
        return [r for r in found if r is not None]

    def update(self, record: StoredRecord) -> None:
        old = self.get(record.kind, record.id)
        if record.version != old.version + 1:
            raise StaleVersionError(record.kind, record.id, record.version - 1, old.version)
        self._put(record, old)

    def remove(self, kind: str, record_id: str) -> None:
        old = self.get(kind, record_id)
        for name, value in old.unique_keys():
            del self.t.unique[(kind, name, value)]
        del self.t.records[(kind, record_id)]

    def _all(self, kind: str) -> list[StoredRecord]:
        return sorted((r for (k, _), r in self.t.records.items() if k == kind), key=lambda r: r.id)

    def for_contact(self, kind: str, contact_id: str) -> list[StoredRecord]:
        return [r for r in self._all(kind) if r.contact_id == contact_id]

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
        found = self._all(kind)
        if key is not None:
            hits = [r for r in found if in_bounds(r.keys.get(key), equals, at_least, at_most)]
            found = sorted(hits, key=lambda r: (r.keys[key], r.id))
        return found if limit is None else found[:limit]

    def count(
        self,
        kind: str,
        key: str | None = None,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> int:
        return len(self.select(kind, key, equals=equals, at_least=at_least, at_most=at_most))

    def reassign_contact(self, kind: str, from_id: str, to_id: str) -> list[str]:
        ids = [r.id for r in self.for_contact(kind, from_id)]
        self.assign_contact(kind, ids, to_id)
        return ids

    def assign_contact(self, kind: str, record_ids: Sequence[str], contact_id: str) -> None:
        for rid in record_ids:
            old = self.get(kind, rid)
            self.t.records[(kind, rid)] = attrs.evolve(old, contact_id=contact_id)

    def erase_contact(self, kind: str, contact_id: str) -> int:
        gone = self.for_contact(kind, contact_id)
        for record in gone:
            self.remove(kind, record.id)
        return len(gone)


class DictUnitOfWork:
    """Works on a snapshot of the workspace; commit puts the snapshot in its place."""

    def __init__(self, storage: DictStorage, workspace: str) -> None:
        self.workspace = workspace
        self._storage = storage

    def __enter__(self) -> Self:
        self._storage.lock.acquire()
        self._tables = self._storage.workspaces.setdefault(self.workspace, _Tables()).copy()
        self.contacts = DictContacts(self._tables)
        self.interactions = DictInteractions(self._tables)
        self.records = DictRecords(self._tables)
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._storage.lock.release()

    def commit(self) -> None:
        if not getattr(self, "_open", False):
            raise StorageError("commit() outside the unit of work's `with` block")
        self._storage.workspaces[self.workspace] = self._tables
        self._tables = self._tables.copy()
        self.contacts.t = self.interactions.t = self.records.t = self._tables

    def rollback(self) -> None:
        self._tables = self._storage.workspaces[self.workspace].copy()
        self.contacts.t = self.interactions.t = self.records.t = self._tables


class DictStorage:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.workspaces: dict[str, _Tables] = {}

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> DictUnitOfWork:
        return DictUnitOfWork(self, workspace)

    def close(self) -> None:
        self.workspaces.clear()


def make_storage() -> Storage:
    return complete(DictStorage())


class TestMinimalBackend(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        storage = make_storage()
        yield storage
        storage.close()


TestMinimalMachine = StorageMachine.for_backend(make_storage).TestCase
TestMinimalMachine.settings = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestMinimalRecordsMachine = RecordStoreMachine.for_backend(make_storage).TestCase
TestMinimalRecordsMachine.settings = TestMinimalMachine.settings
