"""Optional fast paths a backend may offer (re-exported by ``storage.protocols``).

Each is a protocol that a repository may implement on top of the required ones; crmkit
detects it and otherwise falls back to a documented default that gives the same answers,
so a backend never has to implement one to be correct.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from crmkit.contacts import Contact
from crmkit.identity.contact_match import prepared_forms
from crmkit.identity.prepare import PreparedRecord
from crmkit.segments import Segment

__all__ = [
    "ContactLocks",
    "PreparedFormsSource",
    "SegmentMemberIds",
    "lock_contacts",
    "prepared_forms_of",
    "segment_member_ids",
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

    def segment_member_ids(self, segment: Segment, *, now: datetime) -> list[str]:
        """``[c.id for c in segment_members(segment, now=now)]``."""
        ...


def segment_member_ids(uow: Any, segment: Segment, *, now: datetime) -> list[str]:
    """The unit of work's :class:`SegmentMemberIds` fast path, or the fallback."""
    served = getattr(uow, "segment_member_ids", None)
    if callable(served):
        return list(served(segment, now=now))
    return [c.id for c in uow.segment_members(segment, now=now)]
