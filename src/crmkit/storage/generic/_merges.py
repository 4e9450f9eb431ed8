"""The merge ledger and the duplicate-review queue, kept in the generic record store."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import attrs

from crmkit.errors import MergeNotFoundError, ReviewItemNotFoundError
from crmkit.identity.merging import MergeRecord
from crmkit.identity.review import ReviewItem
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic._table import DictCodec, RecordTable, TableKind
from crmkit.storage.records import RecordStore, StoredRecord

__all__ = ["GenericMergeRepository", "GenericReviewRepository"]

MERGES = TableKind(
    "_merge",
    "merge",
    DictCodec(
        MergeRecord.to_dict,
        MergeRecord.from_dict,
        id_of=lambda r: r.id,
        keys=lambda r: {"survivor": r.survivor_id, "merged": r.merged_id},
    ),
    MergeNotFoundError,
)
REVIEWS = TableKind(
    "_review",
    "review item",
    AttrsCodec(ReviewItem, contact=None, keys=lambda i: {"status": i.status}),
    ReviewItemNotFoundError,
)
# One record per (item, contact named): the contacts an item names are many, a key holds one.
REVIEW_LINK = "_review_link"


class GenericMergeRepository(RecordTable[MergeRecord]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, MERGES)

    def mark_undone(self, merge_id: str, at: datetime) -> None:
        self.update(attrs.evolve(self.get(merge_id), undone_at=at))

    def involving(self, contact_ids: Collection[str]) -> list[MergeRecord]:
        found = {
            r.id: r
            for cid in set(contact_ids)
            for key in ("survivor", "merged")
            for r in self.where(key, cid)
        }
        return sorted(found.values(), key=lambda r: (r.at, r.id))


def _link_id(item_id: str, contact_id: str) -> str:
    return f"{item_id}\x1f{contact_id}"


class GenericReviewRepository(RecordTable[ReviewItem]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, REVIEWS)

    def _link(self, item: ReviewItem, old: ReviewItem | None) -> None:
        before = set(old.contact_ids) if old else set()
        after = set(item.contact_ids)
        for cid in sorted(before - after):
            self.store.remove(REVIEW_LINK, _link_id(item.id, cid))
        for cid in sorted(after - before):
            self.store.add(
                StoredRecord(
                    REVIEW_LINK,
                    _link_id(item.id, cid),
                    None,
                    1,
                    {"item": item.id},
                    {"contact": cid},
                )
            )

    def add(self, item: ReviewItem) -> None:
        super().add(item)
        self._link(item, None)

    def update(self, item: ReviewItem) -> None:
        old = self.get(item.id)
        super().update(item)
        self._link(item, old)

    def remove(self, item_id: str) -> None:
        old = self.get(item_id)
        for cid in sorted(set(old.contact_ids)):
            self.store.remove(REVIEW_LINK, _link_id(item_id, cid))
        self.store.remove(self.kind.name, item_id)

    def select(self, *, status: str | None = None) -> list[ReviewItem]:
        found = self.all() if status is None else self.where("status", status)
        return sorted(found, key=lambda i: (i.created_at, i.id))

    def for_contact(self, contact_id: str) -> list[ReviewItem]:
        links = self.store.select(REVIEW_LINK, "contact", equals=contact_id)
        items = self.store.get_many(self.kind.name, {link.body["item"] for link in links})
        return sorted(
            (self.kind.codec.decode(r) for r in items), key=lambda i: (i.created_at, i.id)
        )
