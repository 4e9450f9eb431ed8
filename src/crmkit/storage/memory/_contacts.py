"""Contacts with their identity index and match-key index, in memory."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from crmkit.contacts import Contact
from crmkit.errors import AlreadyExistsError, ContactNotFoundError, StaleVersionError
from crmkit.identity.contact_match import (
    fold_contact,
    keys_of_forms,
    match_keys,
    prepared_forms,
    same_match_fields,
)
from crmkit.identity.prepare import PreparedRecord
from crmkit.storage._identity import check_identities
from crmkit.storage.memory._base import KeyIndex, UndoableDict, UndoLog

__all__ = ["ContactTables", "MemoryContactRepository"]


class ContactTables:
    """The contacts of one workspace plus identity key -> owner ids and blocking key ->
    holder ids (both journaled, so a rollback restores them with the contacts)."""

    def __init__(self) -> None:
        self.rows: UndoableDict[str, Contact] = UndoableDict()
        self.identities: UndoableDict[str, tuple[str, ...]] = UndoableDict()
        self.match_keys = KeyIndex()
        # The engine's folded forms of each contact, as IdentityIndex keeps them: scoring a
        # candidate then costs no folding. Not journaled: an entry is used only while it
        # belongs to the stored version (checked by identity), so a rollback cannot mislead.
        self.forms: dict[str, tuple[Contact, tuple[PreparedRecord, ...]]] = {}


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
        _refile(
            self._t.identities,
            self._log,
            contact.id,
            old.identity_keys() if old else frozenset(),
            contact.identity_keys(),
        )
        if old is None or not same_match_fields(old, contact):
            forms = fold_contact(contact)
            self._t.forms[contact.id] = (contact, forms)
            old_keys = match_keys(old) if old else frozenset()
            new_keys = keys_of_forms(forms)
            for key in old_keys - new_keys:
                self._t.match_keys.discard(self._log, key, contact.id)
            for key in new_keys - old_keys:
                self._t.match_keys.add(self._log, key, contact.id)

    def _unindex(self, old: Contact) -> None:
        _refile(self._t.identities, self._log, old.id, old.identity_keys(), frozenset())
        for key in match_keys(old):
            self._t.match_keys.discard(self._log, key, old.id)
        self._t.forms.pop(old.id, None)

    def prepared_forms(self, contact: Contact) -> tuple[PreparedRecord, ...]:
        """The folded forms of a stored contact, kept since it was written."""
        held = self._t.forms.get(contact.id)
        if held is not None and same_match_fields(held[0], contact):
            return held[1]
        return prepared_forms(contact)

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

    def versions(self, contact_ids: Collection[str]) -> dict[str, int]:
        """See :class:`crmkit.storage.protocols.ContactVersions`."""
        return {cid: c.version for cid in contact_ids if (c := self._t.rows.get(cid))}

    def update(self, contact: Contact) -> None:
        old = self.get(contact.id)
        if contact.version != old.version + 1:
            raise StaleVersionError("contact", contact.id, contact.version - 1, old.version)
        check_identities(contact, self._owners)
        self._t.rows.put(self._log, contact.id, contact)
        self._index(contact, old)

    def update_many(self, changes: Sequence[tuple[Contact, Contact]]) -> None:
        """See :class:`crmkit.storage.protocols.BulkContactUpdates`."""
        for old, contact in changes:
            stored = self.get(contact.id)
            if stored.version != old.version or contact.version <= old.version:
                raise StaleVersionError("contact", contact.id, old.version, stored.version)
            check_identities(contact, self._owners)
            self._t.rows.put(self._log, contact.id, contact)
            self._index(contact, stored)

    def remove(self, contact_id: str) -> Contact:
        old = self.get(contact_id)
        self._unindex(old)
        self._t.rows.pop(self._log, contact_id)
        return old

    def match_key_holders(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        out = {}
        for key, limit in keys.items():
            if 0 < self._t.match_keys.count(key) <= limit:
                out[key] = sorted(self._t.match_keys.holders(key))
        return out

    def match_key_holders_capped(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        """See :class:`crmkit.storage.protocols.CappedKeyHolders`."""
        out = {}
        for key, limit in keys.items():
            count = self._t.match_keys.count(key)
            if 0 < count <= limit:
                out[key] = sorted(self._t.match_keys.holders(key))
            elif count:  # too common to look up
                out[key] = []
        return out

    def find_many(self, contact_ids: Collection[str]) -> list[Contact]:
        found = (self._t.rows.get(cid) for cid in sorted(set(contact_ids)))
        return [c for c in found if c is not None]

    def rebuild_match_keys(self) -> int:
        index = self._t.match_keys
        for key in list(index.data):
            for holder in index.holders(key):
                index.discard(self._log, key, holder)
        contacts = list(self._t.rows.values())
        for contact in contacts:
            for key in match_keys(contact):
                index.add(self._log, key, contact.id)
        return len(contacts)

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


def _refile(
    index: UndoableDict[str, tuple[str, ...]],
    log: UndoLog,
    contact_id: str,
    old_keys: frozenset[str],
    new_keys: frozenset[str],
) -> None:
    """Move *contact_id* from the owners of *old_keys* to those of *new_keys* (identity
    keys: almost always one owner, so copying the tuple is cheap)."""
    for key in old_keys - new_keys:
        holders = tuple(c for c in index.get(key) or () if c != contact_id)
        if holders:
            index.put(log, key, holders)
        else:
            index.pop(log, key)
    for key in new_keys - old_keys:
        holders = index.get(key) or ()
        index.put(log, key, (*holders, contact_id))
