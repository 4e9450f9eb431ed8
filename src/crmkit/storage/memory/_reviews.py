"""The duplicate-review queue, in memory."""

from __future__ import annotations

from crmkit.errors import AlreadyExistsError, ReviewItemNotFoundError
from crmkit.identity.review import ReviewItem
from crmkit.storage.memory._base import KeyIndex, UndoableDict, UndoLog

__all__ = ["MemoryReviewRepository", "ReviewTables"]


class ReviewTables:
    """Review items by id, and contact id -> ids of the items naming it."""

    def __init__(self) -> None:
        self.rows: UndoableDict[str, ReviewItem] = UndoableDict()
        self.links = KeyIndex()


class MemoryReviewRepository:
    def __init__(self, tables: ReviewTables, log: UndoLog) -> None:
        self._t = tables
        self._log = log

    def _link(self, item: ReviewItem, old: ReviewItem | None) -> None:
        before = set(old.contact_ids) if old else set()
        after = set(item.contact_ids)
        for cid in before - after:
            self._t.links.discard(self._log, cid, item.id)
        for cid in after - before:
            self._t.links.add(self._log, cid, item.id)

    def add(self, item: ReviewItem) -> None:
        if item.id in self._t.rows:
            raise AlreadyExistsError("review item", item.id)
        self._t.rows.put(self._log, item.id, item)
        self._link(item, None)

    def get(self, item_id: str) -> ReviewItem:
        found = self._t.rows.get(item_id)
        if found is None:
            raise ReviewItemNotFoundError(item_id)
        return found

    def update(self, item: ReviewItem) -> None:
        old = self.get(item.id)
        self._t.rows.put(self._log, item.id, item)
        self._link(item, old)

    def remove(self, item_id: str) -> None:
        old = self._t.rows.pop(self._log, item_id)
        if old is None:
            raise ReviewItemNotFoundError(item_id)
        for cid in set(old.contact_ids):
            self._t.links.discard(self._log, cid, item_id)

    def select(self, *, status: str | None = None) -> list[ReviewItem]:
        found = (i for i in self._t.rows.values() if status is None or i.status == status)
        return sorted(found, key=lambda i: (i.created_at, i.id))

    def for_contact(self, contact_id: str) -> list[ReviewItem]:
        items = (self._t.rows.get(rid) for rid in self._t.links.holders(contact_id))
        return sorted((i for i in items if i is not None), key=lambda i: (i.created_at, i.id))
