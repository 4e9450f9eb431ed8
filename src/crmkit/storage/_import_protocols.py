"""The protocol of import fingerprints, and the optional fast paths an import uses a batch
at a time (re-exported by ``storage.protocols``).

Each fast path is offered by a repository on top of the required protocol; crmkit detects
it and otherwise falls back to the required verbs, one item at a time, with the same
results.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from crmkit.contacts import Contact
from crmkit.identity.review import ReviewItem
from crmkit.storage._linked import ContactErasable, ContactLinked

__all__ = [
    "BulkContactUpdates",
    "BulkContacts",
    "BulkReviews",
    "CappedKeyHolders",
    "CommitOffThread",
    "ContactVersions",
    "FingerprintsOfMany",
    "ImportRowRepository",
    "add_contacts",
    "add_reviews",
    "commits_off_thread",
    "find_fingerprints",
    "held_updates",
    "put_fingerprints",
]


class ImportRowRepository(ContactLinked, ContactErasable, Protocol):
    """Which contact each imported row became, by the row's fingerprint
    (:func:`crmkit.importing.row_fingerprint`, a SHA-256 hex digest: no values are kept).

    Fingerprints follow their contact through merges (the record ids that
    ``reassign_contact`` returns and ``assign_contact`` takes are the fingerprints) and go
    with it when it is erased.
    """

    def find(self, fingerprint: str) -> str | None:
        """The id of the contact the row became, or None for a row never imported."""
        ...

    def put(self, fingerprint: str, contact_id: str) -> None:
        """Remember (or re-point) the row's contact."""
        ...


@runtime_checkable
class FingerprintsOfMany(Protocol):
    """An import-rows repository that reads and writes a batch's fingerprints at once.

    Fallback: ``find`` and ``put`` per fingerprint.
    """

    def find_many(self, fingerprints: Collection[str]) -> dict[str, str]:
        """Each of these fingerprints that is known, with its contact's id."""
        ...

    def put_many(self, contacts: Mapping[str, str]) -> None:
        """``put`` each ``fingerprint: contact_id`` pair."""
        ...


def find_fingerprints(import_rows: Any, fingerprints: Collection[str]) -> dict[str, str]:
    """The :class:`FingerprintsOfMany` fast path, or ``find`` per fingerprint."""
    served = getattr(import_rows, "find_many", None)
    if callable(served):
        return dict(served(fingerprints))
    return {fp: cid for fp in fingerprints if (cid := import_rows.find(fp)) is not None}


def put_fingerprints(import_rows: Any, contacts: Mapping[str, str]) -> None:
    """The :class:`FingerprintsOfMany` fast path, or ``put`` per fingerprint."""
    served = getattr(import_rows, "put_many", None)
    if callable(served):
        served(contacts)
        return
    for fingerprint, contact_id in contacts.items():
        import_rows.put(fingerprint, contact_id)


@runtime_checkable
class BulkContacts(Protocol):
    """A contact repository that adds many new contacts in a few statements (one per table
    rather than four or five per contact).

    Fallback: ``add`` per contact.
    """

    def add_many(self, contacts: Sequence[Contact]) -> None:
        """``add`` each contact, in order: the same checks, the same errors."""
        ...


def add_contacts(repo: Any, contacts: Sequence[Contact]) -> None:
    """The :class:`BulkContacts` fast path, or ``add`` per contact."""
    _add_all(repo, contacts)


@runtime_checkable
class BulkContactUpdates(Protocol):
    """A contact repository that writes many changed contacts at once (a statement per
    table for their identities, tags and match keys rather than several per contact).

    Fallback: the import writes each change with ``update`` as it is made.
    """

    def update_many(self, changes: Sequence[tuple[Contact, Contact]]) -> None:
        """For each ``(stored, after)``, each contact once, in order: write *after* over
        *stored*, the version the store holds, which *after* may be several versions on (a
        batch that changed a contact twice). Raises what ``update`` would:
        ``ContactNotFoundError``, ``StaleVersionError`` if the store holds another version,
        ``DuplicateContactError`` for an identity another contact holds (each change checked
        against the ones before it); the unit of work is then not to be committed."""
        ...


def held_updates(repo: Any) -> Callable[[Sequence[tuple[Contact, Contact]]], None] | None:
    """The repository's :class:`BulkContactUpdates` fast path, where an import may hold its
    updates back until its batch is written: not where write units run side by side
    (:class:`crmkit.storage.protocols.ContactLocks`), since there an update written at once
    is what keeps other writers off the contact until the batch commits."""
    served = getattr(repo, "update_many", None)
    if not callable(served) or callable(getattr(repo, "lock", None)):
        return None
    return served  # type: ignore[no-any-return]


@runtime_checkable
class ContactVersions(Protocol):
    """A contact repository that reads the stored versions of many contacts without building
    them, so that an import can reuse the contacts an earlier batch of it read or wrote (a
    version is a contact's content: every write makes the next one).

    Fallback: the import reads each batch's contacts again.
    """

    def versions(self, contact_ids: Collection[str]) -> dict[str, int]:
        """The stored version of each of these contacts that exists."""
        ...


@runtime_checkable
class CappedKeyHolders(Protocol):
    """A contact repository that tells a blocking key nobody holds from one too common to
    look up (``match_key_holders`` leaves both out), so an import can read a whole batch's
    keys at once and add the holders it has not written yet itself.

    Fallback: the import writes its held-back contacts before such a look-up.
    """

    def match_key_holders_capped(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        """Each key some contact holds, with its holders in id order if they are at most
        the key's limit, else with an empty list (too common to look up)."""
        ...


@runtime_checkable
class BulkReviews(Protocol):
    """A review repository that files many new items at once. Fallback: ``add`` each."""

    def add_many(self, items: Sequence[ReviewItem]) -> None:
        """``add`` each item, in order."""
        ...


def add_reviews(repo: Any, items: Sequence[ReviewItem]) -> None:
    """The :class:`BulkReviews` fast path, or ``add`` per item."""
    _add_all(repo, items)


def _add_all(repo: Any, items: Sequence[Any]) -> None:
    served = getattr(repo, "add_many", None)
    if callable(served):
        served(items)
        return
    for item in items:
        repo.add(item)


@runtime_checkable
class CommitOffThread(Protocol):
    """A unit of work whose ``commit()`` may run on another thread than the one that opened
    it, while that thread does work that touches no storage, and which gains from it (its
    commit waits on the disk or the network without holding the GIL). An import reads its
    next batch meanwhile.

    Fallback: the import commits, then reads the next batch.
    """

    commits_off_thread: bool


def commits_off_thread(uow: Any) -> bool:
    """True when *uow* may be committed on another thread (:class:`CommitOffThread`)."""
    return getattr(uow, "commits_off_thread", False) is True
