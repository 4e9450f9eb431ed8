"""The protocols of the merge ledger and the duplicate-review queue (re-exported by
``storage.protocols``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from crmkit.identity.merging import MergeRecord
from crmkit.identity.review import ReviewItem

__all__ = ["MergeRepository", "ReviewRepository"]


class MergeRepository(Protocol):
    """The merge ledger of one workspace."""

    def add(self, record: MergeRecord) -> None: ...

    def get(self, merge_id: str) -> MergeRecord:
        """The record, or :class:`crmkit.errors.MergeNotFoundError`."""
        ...

    def mark_undone(self, merge_id: str, at: datetime) -> None: ...

    def involving(self, contact_ids: Collection[str]) -> list[MergeRecord]:
        """Every merge whose survivor or merged contact is one of *contact_ids*, oldest first."""
        ...

    def update(self, record: MergeRecord) -> None:
        """Replace a stored merge record (used to scrub one after an erasure)."""
        ...


class ReviewRepository(Protocol):
    """Likely duplicates waiting for a decision (:class:`crmkit.identity.review.ReviewItem`)."""

    def add(self, item: ReviewItem) -> None: ...

    def get(self, item_id: str) -> ReviewItem:
        """The item, or :class:`crmkit.errors.ReviewItemNotFoundError`."""
        ...

    def update(self, item: ReviewItem) -> None:
        """Replace the stored item (status changes, contacts renamed by a merge)."""
        ...

    def remove(self, item_id: str) -> None:
        """Delete the item (an erasure left it nothing to decide), or
        :class:`crmkit.errors.ReviewItemNotFoundError`."""
        ...

    def select(self, *, status: str | None = None) -> list[ReviewItem]:
        """Items (of one status), oldest first."""
        ...

    def for_contact(self, contact_id: str) -> list[ReviewItem]:
        """Items naming the contact as the new contact or as a candidate, oldest first."""
        ...
