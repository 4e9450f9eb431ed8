"""Protocols of consent, erasure and static lists (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Protocol

from crmkit.privacy.consent import ConsentRecord
from crmkit.privacy.erasure import ErasureRecord
from crmkit.segments.lists import ListChange, StaticList
from crmkit.storage._linked import ContactErasable, ContactLinked
from crmkit.value.ledger import Transaction

__all__ = ["ConsentRepository", "ErasureRepository", "ListRepository"]


class ConsentRepository(ContactLinked, ContactErasable, Protocol):
    """Consent records (granted or withdrawn, per purpose and channel); never edited."""

    def add(self, record: ConsentRecord) -> None: ...

    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        """Oldest first."""
        ...

    def iter_all(self) -> Iterator[ConsentRecord]: ...


class ErasureRepository(Protocol):
    """Erasure records, suppression markers, the workspace's salt and the anonymised ledger."""

    def find_key(self) -> tuple[str, str] | None:
        """The workspace's (salt, check value), or None before the first erasure."""
        ...

    def add_key(self, salt: str, check: str, at: datetime) -> None:
        """Store the salt unless one exists already (the first writer wins)."""
        ...

    def add(self, record: ErasureRecord, markers: Collection[str]) -> None:
        """Store the record under each of its contact ids, and the markers (existing ones kept)."""
        ...

    def find_by_contact(self, contact_id: str) -> ErasureRecord | None: ...

    def iter_all(self) -> Iterator[ErasureRecord]:
        """Oldest first."""
        ...

    def suppressed(self, markers: Collection[str]) -> set[str]:
        """Which of these markers are stored."""
        ...

    def add_transactions(self, entries: Iterable[Transaction]) -> int:
        """Keep anonymised ledger entries (``contact_id`` is the erasure's id)."""
        ...

    def transactions(self) -> list[Transaction]:
        """The anonymised ledger entries, by erasure then time."""
        ...


class ListRepository(ContactLinked, ContactErasable, Protocol):
    """Static lists and the history of their membership; changes are never edited."""

    def add(self, static_list: StaticList) -> None:
        """A new list; :class:`crmkit.errors.AlreadyExistsError` if the name is taken."""
        ...

    def get(self, name: str) -> StaticList:
        """The list, or :class:`crmkit.errors.ListNotFoundError`."""
        ...

    def names(self) -> list[str]: ...

    def delete(self, name: str) -> None:
        """Delete the list and its history."""
        ...

    def add_changes(self, changes: Iterable[ListChange]) -> None: ...

    def changes(self, name: str, *, contact_id: str | None = None) -> list[ListChange]:
        """The list's changes (optionally of one contact), oldest first (``at``, then id)."""
        ...
