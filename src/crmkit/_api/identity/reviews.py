"""The duplicate-review queue of :class:`crmkit.CRM`, and how merges carry it along."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from crmkit._api._base import Context
from crmkit.errors import InvalidTransitionError, ValidationError
from crmkit.identity.merging import MergeResult
from crmkit.identity.review import REVIEW_STATUSES, ReviewItem
from crmkit.storage.protocols import UnitOfWork

__all__ = [
    "follow_erasure",
    "follow_merge",
    "resolve_review",
    "review_queue",
    "undo_follow_merge",
]

_ACTIONS = ("merge", "dismiss")


def review_queue(ctx: Context, status: str | None) -> list[ReviewItem]:
    if status is not None and status not in REVIEW_STATUSES:
        raise ValidationError("status", status, f"expected one of {REVIEW_STATUSES} or None")
    with ctx.read() as uow:
        return uow.reviews.select(status=status)


def resolve_review(
    ctx: Context,
    item_id: str,
    action: str,
    *,
    candidate_id: str | None,
    merge: Callable[[str, str], MergeResult],
) -> ReviewItem:
    if action not in _ACTIONS:
        raise ValidationError("action", action, f"expected one of {_ACTIONS}")
    with ctx.read() as uow:
        item = uow.reviews.get(item_id)
    if item.status != "open":
        raise InvalidTransitionError("item_id", item_id, f"this item is already {item.status}")
    if action == "merge":
        survivor = candidate_id if candidate_id is not None else item.candidate_ids[0]
        if survivor not in item.candidate_ids:
            raise ValidationError("candidate_id", candidate_id, "not a candidate of this item")
        # The older contact survives; the merge marks this item merged in its transaction.
        merge(survivor, item.contact_id)
        with ctx.read() as uow:
            return uow.reviews.get(item_id)
    now = ctx.clock()
    with ctx.write() as uow:
        current = uow.reviews.get(item_id)
        if current.status != "open":  # someone else decided in the meantime
            raise InvalidTransitionError(
                "item_id", item_id, f"this item is already {current.status}"
            )
        dismissed = attrs.evolve(current, status="dismissed", resolved_at=now)
        uow.reviews.update(dismissed)
        uow.commit()
    return dismissed


def follow_merge(
    uow: UnitOfWork, survivor_id: str, merged_id: str, merge_id: str, at: datetime
) -> tuple[ReviewItem, ...]:
    """Bring the open items naming *merged_id* up to date with the merge; return them as
    they were, for the merge ledger (so :func:`undo_follow_merge` can put them back)."""
    before = []
    for item in uow.reviews.for_contact(merged_id):
        after = item.after_merge(survivor_id, merged_id, merge_id, at)
        if after != item:
            uow.reviews.update(after)
            before.append(item)
    return tuple(before)


def undo_follow_merge(uow: UnitOfWork, items: Sequence[ReviewItem]) -> None:
    """Put back the review items a merge changed, exactly as they were before it."""
    for item in items:
        uow.reviews.update(item)


def follow_erasure(uow: UnitOfWork, erased_ids: Sequence[str]) -> int:
    """Take the erased contacts out of every review item naming them, whatever its status;
    delete the items left with nothing to decide. Returns how many were deleted."""
    deleted = 0
    items = {item.id: item for cid in erased_ids for item in uow.reviews.for_contact(cid)}
    for item in items.values():
        after = item.without(erased_ids)
        if after is None:
            uow.reviews.remove(item.id)
            deleted += 1
        elif after != item:
            uow.reviews.update(after)
    return deleted
