"""Merging two contacts into one, and the ledger entry that lets the merge be undone exactly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import parse_datetime
from crmkit.contacts import Contact, combine_handles
from crmkit.review import ReviewItem

__all__ = ["MergeRecord", "MergeResult", "Survivorship", "keep_survivor_fill_gaps"]

# (survivor, other, now) -> the merged contact, keeping the survivor's id.
Survivorship = Callable[[Contact, Contact, datetime], Contact]

_SCALARS = ("name", "given_name", "family_name", "region", "city", "address", "postcode",
            "birthday", "organization_id", "owner", "lifecycle_stage")  # fmt: skip


def keep_survivor_fill_gaps(survivor: Contact, other: Contact, now: datetime) -> Contact:
    """The default survivorship: the survivor's values win, the other's fill its gaps, and
    every email, phone, handle, external id and tag of both is kept.

    >>> from datetime import UTC, datetime
    >>> a = Contact.new(name="Besa Kola", emails=["besa@example.al"])
    >>> b = Contact.new(name="B. Kola", city="Tiranë", phones=["+355691234567"])
    >>> m = keep_survivor_fill_gaps(a, b, datetime(2026, 1, 1, tzinfo=UTC))
    >>> m.name, m.city, m.emails, m.phones
    ('Besa Kola', 'Tiranë', ('besa@example.al',), ('+355691234567',))
    """
    changes: dict[str, Any] = {
        name: getattr(other, name) for name in _SCALARS
        if getattr(survivor, name) is None and getattr(other, name) is not None
    }  # fmt: skip
    handles, extra_handles = combine_handles(survivor, other)
    changes.update(
        emails=tuple(dict.fromkeys((*survivor.emails, *other.emails))),
        phones=tuple(dict.fromkeys((*survivor.phones, *other.phones))),
        handles=handles,
        extra_handles=extra_handles,
        external_ids=tuple(dict.fromkeys((*survivor.external_ids, *other.external_ids))),
        tags=survivor.tags | other.tags,
        custom={**other.custom, **survivor.custom},
        shared_identities=survivor.shared_identities | other.shared_identities,
        created_at=min(survivor.created_at, other.created_at),
        updated_at=now,
        version=survivor.version + 1,
    )
    return attrs.evolve(survivor, **changes)


@attrs.frozen
class MergeRecord:
    """What a merge changed, kept so :meth:`crmkit.CRM.unmerge` can put it back exactly."""

    id: str
    survivor_before: Contact
    merged_before: Contact
    survivor_after: Contact
    moved: Mapping[str, tuple[str, ...]]  # repository name -> ids of the records moved
    at: datetime
    by: str | None = None
    undone_at: datetime | None = None
    # Set when a contact of the merge was erased: the snapshots are blanked and the merge
    # can no longer be undone (see crmkit.erasure).
    erased_at: datetime | None = None
    # Review items the merge answered or renamed, as they were before it.
    reviews: tuple[ReviewItem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "survivor_before": self.survivor_before.to_dict(),
            "merged_before": self.merged_before.to_dict(),
            "survivor_after": self.survivor_after.to_dict(),
            "moved": {name: list(ids) for name, ids in self.moved.items()},
            "at": self.at.isoformat(),
            "by": self.by,
            "undone_at": None if self.undone_at is None else self.undone_at.isoformat(),
            "reviews": [item.to_dict() for item in self.reviews],
        }
        if self.erased_at is not None:
            out["erased_at"] = self.erased_at.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MergeRecord:
        undone = data.get("undone_at")
        erased = data.get("erased_at")
        return cls(
            id=data["id"],
            survivor_before=Contact.from_dict(data["survivor_before"]),
            merged_before=Contact.from_dict(data["merged_before"]),
            survivor_after=Contact.from_dict(data["survivor_after"]),
            moved={name: tuple(ids) for name, ids in data["moved"].items()},
            at=parse_datetime(data["at"], "at"),
            by=data.get("by"),
            undone_at=None if undone is None else parse_datetime(undone, "undone_at"),
            erased_at=None if erased is None else parse_datetime(erased, "erased_at"),
            reviews=tuple(ReviewItem.from_dict(d) for d in data.get("reviews", ())),
        )

    @property
    def survivor_id(self) -> str:
        return self.survivor_before.id

    @property
    def merged_id(self) -> str:
        return self.merged_before.id


@attrs.frozen
class MergeResult:
    """The outcome of :meth:`crmkit.CRM.merge` (or its dry run, when ``merge_id`` is None)."""

    merge_id: str | None
    contact: Contact
    moved: Mapping[str, int]
