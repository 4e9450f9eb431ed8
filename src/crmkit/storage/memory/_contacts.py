"""Contacts and their identity index, in memory."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

import attrs

from crmkit.contacts import Contact
from crmkit.errors import AlreadyExistsError, ContactNotFoundError, StaleVersionError
from crmkit.storage._identity import check_identities
from crmkit.storage.memory._base import UndoableDict, UndoLog

__all__ = ["ContactTables", "MemoryContactRepository"]


class ContactTables:
    """The contacts of one workspace plus identity key -> owner ids."""

    def __init__(self) -> None:
        self.rows: UndoableDict[str, Contact] = UndoableDict()
        self.identities: UndoableDict[str, tuple[str, ...]] = UndoableDict()


class MemoryContactRepository:
    def __init__(self, tables: ContactTables, log: UndoLog) -> None:
        self._t = tables
        self._log = log

    def _owners(self, key: str) -> list[tuple[str, bool]]:
        out = []
        for cid in self._t.identities.get(key) or ():
            owner = self._t.rows.get(cid)
            if owner is not None:
                out.append((cid, key in owner.shared_identities))
        return out

    def _index(self, contact: Contact, old: Contact | None) -> None:
        old_keys = old.identity_keys() if old else frozenset()
        new_keys = contact.identity_keys()
        for key in old_keys - new_keys:
            owners = tuple(c for c in self._t.identities.get(key) or () if c != contact.id)
            if owners:
                self._t.identities.put(self._log, key, owners)
            else:
                self._t.identities.pop(self._log, key)
        for key in new_keys - old_keys:
            owners = self._t.identities.get(key) or ()
            self._t.identities.put(self._log, key, (*owners, contact.id))

    def add(self, contact: Contact) -> None:
        if contact.id in self._t.rows:
            raise AlreadyExistsError("contact", contact.id)
        check_identities(contact, self._owners)
        self._t.rows.put(self._log, contact.id, contact)
        self._index(contact, None)

    def get(self, contact_id: str) -> Contact:
        found = self._t.rows.get(contact_id)
        if found is None:
            raise ContactNotFoundError(contact_id)
        return found

    def find_by_id(self, contact_id: str) -> Contact | None:
        return self._t.rows.get(contact_id)

    def existing_ids(self, contact_ids: Collection[str]) -> set[str]:
        return {cid for cid in contact_ids if cid in self._t.rows}

    def update(self, contact: Contact) -> None:
        old = self.get(contact.id)
        if contact.version != old.version + 1:
            raise StaleVersionError("contact", contact.id, contact.version - 1, old.version)
        check_identities(contact, self._owners)
        self._t.rows.put(self._log, contact.id, contact)
        self._index(contact, old)

    def remove(self, contact_id: str) -> Contact:
        old = self.get(contact_id)
        self._index(attrs.evolve(old, emails=(), phones=(), handles={}), old)
        self._t.rows.pop(self._log, contact_id)
        return old

    def find_by_identity(self, key: str) -> list[Contact]:
        ids = self._t.identities.get(key) or ()
        found = (self._t.rows.get(cid) for cid in ids)
        return sorted((c for c in found if c is not None), key=lambda c: (c.created_at, c.id))

    def iter_all(self) -> Iterator[Contact]:
        return self._t.rows.values()

    def count(self) -> int:
        return len(self._t.rows)

    # Contacts do not hang off other contacts; merges handle them through update/remove.
    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return []

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        return None
