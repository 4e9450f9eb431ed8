"""Merging two contacts into one, and the ledger entry that lets the merge be undone exactly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import parse_datetime
from crmkit.contacts import Contact, combine_handles
from crmkit.errors import MergeConflictError
from crmkit.identity.review import ReviewItem

__all__ = ["MergeRecord", "MergeResult", "Survivorship", "keep_survivor_fill_gaps", "undo_merge"]

# (survivor, other, now) -> the merged contact, keeping the survivor's id.
Survivorship = Callable[[Contact, Contact, datetime], Contact]

_SCALARS = (
    "name",
    "given_name",
    "family_name",
    "region",
    "city",
    "address",
    "postcode",
    "birthday",
    "organization_id",
    "owner",
    "lifecycle_stage",
)


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
        name: getattr(other, name)
        for name in _SCALARS
        if getattr(survivor, name) is None and getattr(other, name) is not None
    }
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
    # can no longer be undone (see crmkit.privacy.erasure).
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


# Fields an undo does not take back from the merge's snapshots: the id, the bookkeeping, and
# the handles, which are undone as one collection of (channel, handle) pairs.
_NOT_UNDONE = frozenset({"id", "version", "updated_at", "handles", "extra_handles"})
_MISSING = object()


def undo_merge(record: MergeRecord, current: Contact, now: datetime) -> Contact:
    """The survivor as it would be had *record*'s merge not happened, keeping every change
    made since (later merges, edits): per field, the merge's change is taken back; a field the
    merge left alone keeps its current value; in emails, phones, handles, external ids, tags
    and shared identities only what the merge added goes (and what it dropped comes back), and
    custom fields are undone key by key; ``created_at`` keeps an earlier time a later merge
    brought. When nothing changed since, the result is the survivor exactly as it was before
    the merge.

    Raises :class:`crmkit.errors.MergeConflictError` naming every field that both the merge
    and a later change set (``city`` filled in by the merge, then edited).
    """
    before, after = record.survivor_before, record.survivor_after
    changes: dict[str, Any] = {}
    conflicts: list[str] = []
    for name in (f.name for f in attrs.fields(Contact) if f.name not in _NOT_UNDONE):
        was, merged, now_is = getattr(before, name), getattr(after, name), getattr(current, name)
        if now_is == merged:
            changes[name] = was
        elif merged == was or now_is == was or name == "created_at":
            # A later merge that brought an even earlier created_at is no conflict: it stays.
            changes[name] = now_is
        elif isinstance(now_is, Mapping):
            changes[name] = _undo_mapping(name, was, merged, now_is, conflicts)
        elif isinstance(now_is, tuple | frozenset):
            changes[name] = type(now_is)(_undo_items(was, merged, now_is))
        else:
            conflicts.append(name)
    if conflicts:
        raise MergeConflictError(
            record.id, current.id, tuple(conflicts), after.version, current.version
        )
    if current.all_handles == after.all_handles and current.handles == after.handles:
        changes.update(handles=before.handles, extra_handles=before.extra_handles)
    else:
        pairs = _undo_items(before.all_handles, after.all_handles, current.all_handles)
        changes.update(_primary_first(pairs, current, before))
    unchanged_since = current.updated_at == after.updated_at
    changes["updated_at"] = before.updated_at if unchanged_since else now
    return attrs.evolve(current, **changes, version=current.version + 1)


def _undo_items(was: Any, merged: Any, now_is: Any) -> list[Any]:
    added = set(merged) - set(was)
    dropped = set(was) - set(merged)
    kept = [x for x in now_is if x not in added]
    return kept + [x for x in was if x in dropped and x not in kept]


def _undo_mapping(
    name: str,
    was: Mapping[str, Any],
    merged: Mapping[str, Any],
    now_is: Mapping[str, Any],
    conflicts: list[str],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in dict.fromkeys((*now_is, *was)):
        old, new, cur = (m.get(key, _MISSING) for m in (was, merged, now_is))
        if new == old:
            value = cur
        elif cur in (new, old):
            value = old
        else:
            conflicts.append(f"{name}[{key!r}]")
            continue
        if value is not _MISSING:
            out[key] = value
    return out


def _primary_first(
    pairs: list[tuple[str, str]], current: Contact, before: Contact
) -> dict[str, Any]:
    """Split handle pairs into one per network (the current one if kept, else the one from
    before the merge, else the first) and the extras."""
    handles: dict[str, str] = {}
    for channel in dict.fromkeys(c for c, _ in pairs):
        mine = [h for c, h in pairs if c == channel]
        for choice in (current.handles.get(channel), before.handles.get(channel), mine[0]):
            if choice in mine:
                handles[channel] = choice
                break
    extras = tuple(p for p in pairs if handles[p[0]] != p[1])
    return {"handles": handles, "extra_handles": extras}
