"""What an import batch sees: the store as the batch found it, with what the batch's earlier
rows wrote laid over it.

The batched import (:mod:`crmkit._api._import_batch`) reads everything a batch's rows can
match up front (the holders of all their identities, their fingerprints, the blocking-key
holders of the contacts they may create and those candidates) and writes the contacts it
creates, their review items and fingerprints at the end, a table at a time. In between,
this view answers each row as the store would have if every earlier row had been written
on its own: a later row with an earlier row's email finds the contact that row created, and
the review of a later contact sees the earlier ones.

Updates of contacts the store already held are held back too where the store can write
them at once (:class:`~crmkit.storage.protocols.BulkContactUpdates`, on backends whose write
units do not run side by side), else written as they are made; the view lays the blocking
keys they gain and lose over the store's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from crmkit.contacts import Contact
from crmkit.identity.contact_match import key_limit, match_keys, same_match_fields
from crmkit.identity.review import ReviewItem
from crmkit.storage._identity import check_identities
from crmkit.storage.protocols import (
    UnitOfWork,
    add_contacts,
    add_reviews,
    contacts_by_identities,
    find_fingerprints,
    held_updates,
    prepared_forms_of,
    put_fingerprints,
)

__all__ = ["BatchView"]


class BatchView:
    """The store plus the batch's unwritten contacts; offers what matching and the review of
    a new contact read (``match_key_holders``, ``find_many``, ``prepared_forms``)."""

    def __init__(
        self,
        uow: UnitOfWork,
        identity_keys: Iterable[str],
        fingerprints: Iterable[str],
        known: Mapping[str, Contact] | None = None,
    ):
        self._uow = uow
        self._repo: Any = uow.contacts
        # Contacts as the import's earlier batches left them: reused when the store still
        # holds that version (ContactVersions), instead of read and built again.
        self._known = known or {}
        served = getattr(self._repo, "versions", None)
        self._versions: Callable[[Collection[str]], dict[str, int]] | None = (
            served if callable(served) else None
        )
        self.prepared_forms = prepared_forms_of(uow.contacts)
        self._contacts: dict[str, Contact] = {}  # current version of each contact seen
        self._gone: set[str] = set()  # ids the store does not hold
        self._owners: dict[str, list[str]] = {}  # identity key -> every holder's id
        self._load(set(identity_keys))
        self._fingerprints = find_fingerprints(uow.import_rows, set(fingerprints))
        self._fetch(self._fingerprints.values())
        # Held back until flush(), in the order they were made.
        self._created: dict[str, Contact] = {}
        self._reviews: list[ReviewItem] = []
        self._puts: dict[str, str] = {}
        self._created_blocks: dict[str, set[str]] = {}  # blocking key -> unwritten holders
        # Held-back updates of stored contacts: id -> (the stored version, the latest), and
        # the blocking keys the latest versions gained and lost against the stored ones.
        self._update_many = held_updates(self._repo)
        self._updates: dict[str, tuple[Contact, Contact]] = {}
        self._gained: dict[str, set[str]] = {}
        self._lost: dict[str, set[str]] = {}
        # Stored holders of blocking keys at their usual limits; None: too common.
        self._capped = getattr(self._repo, "match_key_holders_capped", None)
        self._blocks: dict[str, list[str] | None] = {}

    # -- reading -----------------------------------------------------------------------

    def _load(self, keys: Collection[str]) -> None:
        missing = [k for k in keys if k not in self._owners]
        if not missing:
            return
        held = contacts_by_identities(self._repo, missing)
        for key in missing:
            found = held.get(key, ())
            self._owners[key] = sorted(c.id for c in found)
            for contact in found:
                self._contacts.setdefault(contact.id, contact)

    def _fetch(self, ids: Iterable[str]) -> None:
        wanted = {i for i in ids if i not in self._contacts and i not in self._gone}
        if self._versions is not None and (kept := wanted & self._known.keys()):
            stored = self._versions(kept)
            for cid in kept:
                if stored.get(cid) == self._known[cid].version:
                    self._contacts[cid] = self._known[cid]
                    wanted.discard(cid)
        if not wanted:
            return
        found = self._repo.find_many(wanted)
        for contact in found:
            self._contacts[contact.id] = contact
        self._gone |= wanted - {c.id for c in found}

    def owners(self, key: str) -> list[tuple[str, bool]]:
        """``(contact id, shared)`` for each holder of *key*, in id order (as SQL reads
        them for the uniqueness check)."""
        self._load((key,))
        return [(cid, key in self._contacts[cid].shared_identities) for cid in self._owners[key]]

    def holds(self, key: str) -> bool:
        return bool(self.owners(key))

    def holders(self, keys: Iterable[str]) -> dict[str, list[Contact]]:
        keys = list(keys)
        self._load(keys)
        return {k: [self._contacts[c] for c in self._owners[k]] for k in keys if self._owners[k]}

    def fingerprint(self, fingerprint: str) -> str | None:
        return self._puts.get(fingerprint, self._fingerprints.get(fingerprint))

    def find_by_id(self, contact_id: str) -> Contact | None:
        self._fetch((contact_id,))
        return self._contacts.get(contact_id)

    def find_many(self, contact_ids: Collection[str]) -> list[Contact]:
        self._fetch(contact_ids)
        return [self._contacts[c] for c in sorted(set(contact_ids)) if c in self._contacts]

    def match_key_holders(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        """What ``match_key_holders`` would answer had the batch's contacts been written."""
        if self._capped is None:
            # Without the capped look-up, "no holder" and "too many" look alike: write the
            # batch's contacts first if any holds one of these keys, then ask the store.
            if any(
                self._created_blocks.get(k) or k in self._gained or k in self._lost for k in keys
            ):
                self.flush()
            return dict(self._repo.match_key_holders(keys))
        self.prefetch_blocks(keys)
        out: dict[str, list[str]] = {}
        for key, limit in keys.items():
            stored = self._stored_holders(key, limit)
            if stored is None and self._lost.get(key):
                # Too common as stored, but a held-back update takes the key off a holder,
                # which may bring it under the limit: write the updates and ask again.
                self._write_updates()
                stored = self._stored_holders(key, limit)
            if stored is None:
                continue
            added = (*self._created_blocks.get(key, ()), *self._gained.get(key, ()))
            held = sorted({*stored, *added} - self._lost.get(key, set()))
            if 0 < len(held) <= limit:
                out[key] = held
        return out

    def _stored_holders(self, key: str, limit: int) -> list[str] | None:
        """The store's holders of *key* (None: more than *limit*)."""
        assert self._capped is not None
        if limit != key_limit(key):  # not the usual limit: ask for this key alone
            answer = self._capped({key: limit})
            return answer[key] or None if key in answer else []
        if key not in self._blocks:
            self.prefetch_blocks((key,))
        return self._blocks[key]

    def prefetch_blocks(self, keys: Iterable[str]) -> None:
        """Read the stored holders of these blocking keys (at the usual limits), and the
        contacts among them, for the keys not read yet."""
        assert self._capped is not None
        missing = sorted({k for k in keys if k not in self._blocks})
        if not missing:
            return
        found = self._capped({k: key_limit(k) for k in missing})
        for key in missing:
            held = found.get(key)
            self._blocks[key] = None if held == [] else held or []
        self._fetch({c for k in missing for c in self._blocks[k] or ()})

    @property
    def prefetches_blocks(self) -> bool:
        return self._capped is not None

    # -- writing -----------------------------------------------------------------------

    def add(self, contact: Contact) -> None:
        """Hold *contact* back for flush(); raises ``DuplicateContactError`` as ``add``."""
        keys = contact.identity_keys()
        self._load(keys)
        check_identities(contact, self.owners)
        self._created[contact.id] = self._contacts[contact.id] = contact
        self._gone.discard(contact.id)
        for key in keys:
            self._owners[key] = sorted({*self._owners[key], contact.id})
        for key in match_keys(contact):
            self._created_blocks.setdefault(key, set()).add(contact.id)

    def update(self, before: Contact, after: Contact) -> None:
        """Write *after* (the next version of *before*): into the held-back contact if the
        batch created it, else to the store, held back where it takes updates at once."""
        check_identities(after, self.owners)
        if after.id in self._created:
            self._created[after.id] = after
            for key in match_keys(before):
                self._created_blocks[key].discard(after.id)
            for key in match_keys(after):
                self._created_blocks.setdefault(key, set()).add(after.id)
        elif self._update_many is not None:
            stored = self._updates[after.id][0] if after.id in self._updates else before
            self._updates[after.id] = (stored, after)
            if not same_match_fields(before, after):
                was, now = match_keys(stored), match_keys(after)
                for key in match_keys(before) | now:
                    _mark(self._gained, key, after.id, key in now and key not in was)
                    _mark(self._lost, key, after.id, key in was and key not in now)
        else:
            self._repo.update(after)
            if not same_match_fields(before, after):
                for key in match_keys(before) ^ match_keys(after):
                    self._blocks.pop(key, None)  # read again if asked
        self._contacts[after.id] = after
        gone = before.identity_keys() - after.identity_keys()
        self._load(gone)
        for key in gone:
            self._owners[key] = [c for c in self._owners[key] if c != after.id]
        for key in after.identity_keys() - before.identity_keys():
            self._owners[key] = sorted({*self._owners[key], after.id})

    def add_review(self, item: ReviewItem) -> None:
        self._reviews.append(item)

    def put(self, fingerprint: str, contact_id: str) -> None:
        self._puts[fingerprint] = contact_id

    def seen(self) -> Mapping[str, Contact]:
        """Every contact the batch read or wrote, as it left them (after :meth:`flush`)."""
        return self._contacts

    def flush(self) -> None:
        """Write what is held back: the contacts, then their review items and fingerprints."""
        add_contacts(self._repo, list(self._created.values()))
        self._write_updates()
        add_reviews(self._uow.reviews, self._reviews)
        put_fingerprints(self._uow.import_rows, self._puts)
        for key, ids in self._created_blocks.items():
            stored = self._blocks.get(key)
            if ids and stored is not None:
                held = sorted({*stored, *ids})
                self._blocks[key] = held if len(held) <= key_limit(key) else None
        self._fingerprints.update(self._puts)
        self._created, self._reviews, self._puts = {}, [], {}
        self._created_blocks = {}

    def _write_updates(self) -> None:
        if not self._updates:
            return
        assert self._update_many is not None
        self._update_many(list(self._updates.values()))
        for key in {*self._gained, *self._lost}:
            self._blocks.pop(key, None)  # read again if asked
        self._updates, self._gained, self._lost = {}, {}, {}


def _mark(index: dict[str, set[str]], key: str, contact_id: str, on: bool) -> None:
    """File *contact_id* under *key* in *index*, or take it off."""
    if on:
        index.setdefault(key, set()).add(contact_id)
    elif key in index:
        index[key].discard(contact_id)
        if not index[key]:
            del index[key]
