"""The protocols of records that hang off a contact (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

__all__ = ["ContactErasable", "ContactLinked", "ContactRecords"]


@runtime_checkable
class ContactLinked(Protocol):
    """Records that belong to a contact and must follow it through merges."""

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        """Point every record of *from_id* at *to_id*; return the ids moved."""
        ...

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        """Point exactly these records at *contact_id* (used to undo a merge)."""
        ...


@runtime_checkable
class ContactErasable(Protocol):
    """Records that belong to a contact and go when the contact is erased.

    Every repository of :meth:`UnitOfWork.linked` implements it, so an erasure removes
    the records of any kind a backend adds, without any change to the erasure code.
    """

    def erase_contact(self, contact_id: str) -> int:
        """Delete every record of *contact_id* (and what hangs off them); return how many."""
        ...


class ContactRecords(ContactLinked, ContactErasable, Protocol):
    """The repository of a contact-linked record kind (see :mod:`crmkit.storage.kinds`):
    it moves records for merges and unmerges, and deletes them for erasures."""
