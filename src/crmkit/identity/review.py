"""Likely duplicates waiting for a person to decide: the review queue of :class:`crmkit.CRM`.

When :meth:`crmkit.CRM.record` meets someone who looks like a stored contact but not surely
enough to link them, it creates a new contact and files a :class:`ReviewItem` naming the
likely matches; :meth:`crmkit.CRM.resolve_review` then merges or dismisses it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import parse_datetime

__all__ = ["REVIEW_STATUSES", "ReviewItem"]

REVIEW_STATUSES = ("open", "merged", "dismissed")


@attrs.frozen
class ReviewItem:
    """A new contact that may be one of ``candidate_ids`` (best first), with the best
    candidate's ``score`` and ``reasons``.

    ``status`` is ``"open"`` until someone merges (``merge_id`` names the merge) or dismisses
    it; ``resolved_at`` says when.

    >>> from datetime import UTC, datetime
    >>> item = ReviewItem("r1", "c2", ("c1",), 0.8, ("phone shares last 8 digits +8.6",),
    ...                   datetime(2026, 5, 1, tzinfo=UTC))
    >>> item.status, item.contact_ids
    ('open', ('c2', 'c1'))
    >>> ReviewItem.from_dict(item.to_dict()) == item
    True
    """

    id: str
    contact_id: str
    candidate_ids: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    created_at: datetime
    status: str = "open"
    resolved_at: datetime | None = None
    merge_id: str | None = None

    @property
    def contact_ids(self) -> tuple[str, ...]:
        """The new contact first, then the candidates: every contact the item names."""
        return (self.contact_id, *self.candidate_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "candidate_ids": list(self.candidate_ids),
            "score": self.score,
            "reasons": list(self.reasons),
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "resolved_at": None if self.resolved_at is None else self.resolved_at.isoformat(),
            "merge_id": self.merge_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReviewItem:
        resolved = data.get("resolved_at")
        return cls(
            id=data["id"],
            contact_id=data["contact_id"],
            candidate_ids=tuple(data["candidate_ids"]),
            score=float(data["score"]),
            reasons=tuple(data["reasons"]),
            created_at=parse_datetime(data["created_at"], "created_at"),
            status=data.get("status", "open"),
            resolved_at=None if resolved is None else parse_datetime(resolved, "resolved_at"),
            merge_id=data.get("merge_id"),
        )

    def after_merge(
        self, survivor_id: str, merged_id: str, merge_id: str, at: datetime
    ) -> ReviewItem:
        """This item once *merged_id* has been merged into *survivor_id*.

        An item asking about exactly that pair is answered (``"merged"``); any other item
        naming the merged contact names the survivor instead.

        >>> from datetime import UTC, datetime
        >>> t = datetime(2026, 5, 1, tzinfo=UTC)
        >>> item = ReviewItem("r1", "new", ("old", "other"), 0.8, (), t)
        >>> item.after_merge("old", "new", "m1", t).status
        'merged'
        >>> item.after_merge("old", "other", "m1", t).candidate_ids
        ('old',)
        """
        if self.status != "open":
            return self
        asked = {self.contact_id, *self.candidate_ids}
        if (
            survivor_id in asked
            and merged_id in asked
            and (self.contact_id in (survivor_id, merged_id))
        ):
            return attrs.evolve(self, status="merged", resolved_at=at, merge_id=merge_id)
        contact = survivor_id if self.contact_id == merged_id else self.contact_id
        candidates = tuple(
            dict.fromkeys(survivor_id if c == merged_id else c for c in self.candidate_ids)
        )
        candidates = tuple(c for c in candidates if c != contact)
        if not candidates:
            return attrs.evolve(self, status="merged", resolved_at=at, merge_id=merge_id)
        return attrs.evolve(self, contact_id=contact, candidate_ids=candidates)

    def without(self, erased_ids: Collection[str]) -> ReviewItem | None:
        """This item once the contacts *erased_ids* are erased: they leave its candidates,
        and when its new contact or every candidate is gone there is nothing left to decide
        (``None``: the erasure deletes the item, so that it names nobody erased).

        The score and reasons stay those of the best candidate as it was scored.

        >>> from datetime import UTC, datetime
        >>> t = datetime(2026, 5, 1, tzinfo=UTC)
        >>> item = ReviewItem("r1", "new", ("old", "other"), 0.8, (), t)
        >>> item.without({"old"}).candidate_ids
        ('other',)
        >>> item.without({"old", "other"}) is None, item.without({"new"}) is None
        (True, True)
        >>> item.without({"elsewhere"}) is item
        True
        """
        erased = set(erased_ids)
        if self.contact_id in erased:
            return None
        candidates = tuple(c for c in self.candidate_ids if c not in erased)
        if not candidates:
            return None
        return (
            self
            if candidates == self.candidate_ids
            else attrs.evolve(self, candidate_ids=candidates)
        )
