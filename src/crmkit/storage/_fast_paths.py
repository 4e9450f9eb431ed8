"""Optional fast paths a backend may offer (re-exported by ``storage.protocols``).

Each is a protocol that a repository may implement on top of the required ones; crmkit
detects it and otherwise falls back to a documented default that gives the same answers,
so a backend never has to implement one to be correct.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from crmkit.contacts import Contact
from crmkit.identity.contact_match import prepared_forms
from crmkit.identity.prepare import PreparedRecord
from crmkit.segments import Segment
from crmkit.tasks.outbox import QueuedMessage
from crmkit.value.ledger import Transaction
from crmkit.value.rates import RatesTable

__all__ = [
    "BulkKeys",
    "BulkOutbox",
    "ContactLocks",
    "IdentityOwners",
    "LedgerOfMany",
    "PreparedFormsSource",
    "SegmentMemberIds",
    "SegmentValueCounts",
    "contacts_by_identities",
    "lock_contacts",
    "prepared_forms_of",
    "queue_once",
    "segment_member_ids",
    "transactions_of",
    "writes_side_by_side",
]


@runtime_checkable
class PreparedFormsSource(Protocol):
    """A contact repository that keeps each stored contact's folded forms (the memory one
    does, since it indexes match keys from them) and can serve them to fuzzy scoring.

    Fallback: :func:`crmkit.identity.contact_match.prepared_forms`, which folds the contact
    again (with a small cache).
    """

    def prepared_forms(self, contact: Contact) -> tuple[PreparedRecord, ...]:
        """The forms :func:`crmkit.identity.contact_match.prepared_forms` would give."""
        ...


def prepared_forms_of(contacts: object) -> Callable[[Contact], tuple[PreparedRecord, ...]]:
    """The repository's :class:`PreparedFormsSource` fast path, or the fallback."""
    # A plain attribute lookup, not isinstance(): a runtime protocol check costs 10-25 us
    # on Python 3.11, more than folding a small candidate set, and this runs per resolve.
    served = getattr(contacts, "prepared_forms", None)
    return served if callable(served) else prepared_forms


@runtime_checkable
class IdentityOwners(Protocol):
    """A contact repository that finds the holders of several identity keys in one call
    (an import row usually carries a phone and a mailbox; each look-up is a round trip).

    Fallback: ``find_by_identity`` per key.
    """

    def find_by_identities(self, keys: Collection[str]) -> dict[str, list[Contact]]:
        """Each key that some contact holds, with its holders as ``find_by_identity`` orders
        them; keys nobody holds are left out."""
        ...


def contacts_by_identities(contacts: Any, keys: Collection[str]) -> dict[str, list[Contact]]:
    """The repository's :class:`IdentityOwners` fast path, or ``find_by_identity`` per key."""
    served = getattr(contacts, "find_by_identities", None)
    if callable(served):
        found: dict[str, list[Contact]] = served(keys)
        return found
    return {key: held for key in keys if (held := contacts.find_by_identity(key))}


@runtime_checkable
class ContactLocks(Protocol):
    """A contact repository whose write units can run side by side (PostgreSQL) and can hold
    row locks on contacts until the unit of work ends. A merge and an unmerge take them on
    both contacts, in id order, before they read them, so a message recorded for either
    waits for them instead of pointing at a contact a merge removes. Where the repository
    offers them, :meth:`crmkit.CRM.record` also checks, after writing, that the identity a
    message came in on still belongs to the contact it found (an unmerge may have given it
    back meanwhile) and tries again if not.

    Fallback: nothing, for backends that run one write unit at a time (memory, SQLite).
    """

    def lock(self, contact_ids: Collection[str]) -> None:
        """Lock these contacts (those that exist) for writing, in sorted id order."""
        ...


def lock_contacts(contacts: object, contact_ids: Collection[str]) -> None:
    """Take :class:`ContactLocks` locks if the repository offers them."""
    lock = getattr(contacts, "lock", None)
    if callable(lock):
        lock(contact_ids)


def writes_side_by_side(contacts: object) -> bool:
    """Whether the repository offers :class:`ContactLocks`: its write units can run side by
    side, so what a unit read may change before it commits."""
    return callable(getattr(contacts, "lock", None))


@runtime_checkable
class SegmentMemberIds(Protocol):
    """A unit of work that selects a segment's member ids without building the contacts
    (SQL backends: the compiled segment's ``SELECT c.id``). A campaign to a million
    members needs their ids only; building a million contacts to read them costs more
    than everything else the launch does.

    Fallback: the ids of ``segment_members``, in the same order.
    """

    def segment_member_ids(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> list[str]:
        """``[c.id for c in segment_members(segment, now=now, rates=rates)]``."""
        ...


def segment_member_ids(
    uow: Any, segment: Segment, *, now: datetime, rates: RatesTable | None = None
) -> list[str]:
    """The unit of work's :class:`SegmentMemberIds` fast path, or the fallback. *rates*
    is passed on only when given, so backends written before it still serve the rest."""
    extra = {} if rates is None else {"rates": rates}
    served = getattr(uow, "segment_member_ids", None)
    if callable(served):
        return list(served(segment, now=now, **extra))
    return [c.id for c in uow.segment_members(segment, now=now, **extra)]


@runtime_checkable
class SegmentValueCounts(Protocol):
    """A unit of work that counts a segment's members by the values of fields (or by
    membership of other segments) without building the contacts: SQL backends run one
    ``GROUP BY`` per dimension, so a breakdown of a million contacts reads a few hundred
    rows, not a million contacts.

    Fallback: :func:`crmkit.segments.breakdown.value_counts` over
    :func:`crmkit.storage.segment_data` (see :func:`crmkit.storage.segment_value_counts`).
    """

    def segment_value_counts(
        self,
        segment: Segment,
        dimensions: Sequence[str | Segment],
        *,
        now: datetime,
        rates: RatesTable | None = None,
    ) -> list[list[tuple[Any, int]]]:
        """For each dimension, ``(stored value, members)`` pairs, in any order: a field's
        values as ``read_field`` gives them (``None`` for contacts without one); a
        segment's as ``True``/``False`` (in it or not). Values with no members are left
        out."""
        ...


@runtime_checkable
class BulkKeys(Protocol):
    """An automation repository that records many idempotency keys in one statement.

    Fallback: ``record_key`` per key.
    """

    def record_keys(self, keys: Iterable[tuple[str, str]], at: datetime) -> set[str]:
        """Record the ``(key, rule)`` pairs whose key is not recorded yet (the first pair
        of a repeated key); return those keys. A key another writer records meanwhile
        raises :class:`crmkit.errors.ConflictError` rather than being counted twice."""
        ...


@runtime_checkable
class BulkOutbox(Protocol):
    """An outbox that queues many messages in one statement. Fallback: ``put`` each."""

    def put_many(self, messages: Iterable[QueuedMessage]) -> int:
        """Queue them all; return how many."""
        ...


def queue_once(uow: Any, messages: Sequence[QueuedMessage], at: datetime) -> int:
    """Queue each message in ``uow.outbox`` whose idempotency key ``uow.automation`` has
    not recorded yet, recording it (done at *at*); return how many were queued. A key
    repeated in *messages* queues its first message only. Uses :class:`BulkKeys` and
    :class:`BulkOutbox` where both repositories offer them."""
    record_keys = getattr(uow.automation, "record_keys", None)
    put_many = getattr(uow.outbox, "put_many", None)
    if callable(record_keys) and callable(put_many):
        new = record_keys([(m.key, m.rule) for m in messages], at)
        first: dict[str, QueuedMessage] = {}
        for m in messages:
            if m.key in new:
                first.setdefault(m.key, m)
        return int(put_many(first.values()))
    queued = 0
    for m in messages:
        if uow.automation.record_key(m.key, m.rule, at):
            uow.outbox.put(m)
            queued += 1
    return queued


@runtime_checkable
class LedgerOfMany(Protocol):
    """A transactions repository that reads many contacts' entries in a time window at
    once (SQL: a query per few hundred contacts along the contact and time index).

    Fallback: ``for_contact`` per contact.
    """

    def for_contacts(
        self, contact_ids: Collection[str], *, since: datetime, until: datetime
    ) -> dict[str, list[Transaction]]:
        """Each of these contacts' entries in ``[since, until)``, oldest first; contacts
        with none are left out."""
        ...


def transactions_of(
    transactions: Any, contact_ids: Collection[str], *, since: datetime, until: datetime
) -> dict[str, list[Transaction]]:
    """The repository's :class:`LedgerOfMany` fast path, or the fallback."""
    served = getattr(transactions, "for_contacts", None)
    if callable(served):
        return dict(served(contact_ids, since=since, until=until))
    found: dict[str, list[Transaction]] = {}
    for cid in sorted(set(contact_ids)):
        entries = transactions.for_contact(cid, since=since, until=until)
        if entries:
            found[cid] = entries
    return found
