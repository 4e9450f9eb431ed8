"""Merging two contacts and undoing the merge, for :class:`crmkit.CRM`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from crmkit._api._base import Context
from crmkit._api.identity.reviews import follow_merge, undo_follow_merge
from crmkit._types import new_id
from crmkit.errors import (
    ConfigurationError,
    ConflictError,
    ContactNotFoundError,
    CRMError,
    ErasedContactError,
    InvalidTransitionError,
    StaleVersionError,
    UnmergeOrderError,
    ValidationError,
)
from crmkit.identity.merging import (
    MergeRecord,
    MergeResult,
    Survivorship,
    keep_survivor_fill_gaps,
    undo_merge,
)
from crmkit.identity.survivorship import survivorship
from crmkit.storage.kinds import linked_repositories
from crmkit.storage.protocols import UnitOfWork, lock_contacts

__all__ = ["merge_contacts", "unmerge_contacts"]


# A merge (or an unmerge) is tried again when a concurrent writer got in the way: a message
# recorded for one of the pair after the merge moved its records (PostgreSQL then refuses to
# delete the contact it points at), an edit of the survivor between read and write, the same
# merge undone by someone else at the same moment. The whole unit
# of work is rolled back each time, so nothing is half done and nothing is lost; waits grow
# from _BACKOFF seconds, with jitter so that colliding merges do not collide again.
_MERGE_ATTEMPTS = 6
_BACKOFF = 0.02
# How many later merges an out-of-order unmerge looks through to name the ones to undo first.
_LONGEST_CHAIN = 100
_T = TypeVar("_T")


class _DryRunFinishedError(Exception):
    """Leaves a dry-run unit of work so everything it did is rolled back."""


def merge_contacts(
    ctx: Context,
    survivor_id: str,
    other_id: str,
    *,
    rules: Survivorship | Mapping[str, str] | None = None,
    dry_run: bool = False,
    by: str | None = None,
) -> MergeResult:
    if survivor_id == other_id:
        raise ValidationError("other_id", other_id, "cannot merge a contact into itself")
    # A mapping names a rule per field ("most_recent", "most_complete", "survivor").
    if rules is None:
        chosen: Survivorship = keep_survivor_fill_gaps
    elif isinstance(rules, Mapping):
        chosen = survivorship(rules=rules)
    else:
        chosen = rules
    return _retrying(lambda: _merge_once(ctx, survivor_id, other_id, chosen, rules, dry_run, by))


def _retrying(attempt: Callable[[], _T]) -> _T:
    """Run one attempt at a merge or an unmerge, again while a concurrent writer's conflict
    is in the way."""
    for n in range(_MERGE_ATTEMPTS):
        try:
            return attempt()
        except ConflictError as exc:
            # Only a concurrent writer's conflict is worth another try; a duplicate identity
            # or an erased person would fail the same way again.
            if type(exc) not in (ConflictError, StaleVersionError):
                raise
            if n == _MERGE_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, _BACKOFF * 2**n))
    raise AssertionError("unreachable")  # pragma: no cover


def _merge_once(
    ctx: Context,
    survivor_id: str,
    other_id: str,
    chosen: Survivorship,
    rules: object,
    dry_run: bool,
    by: str | None,
) -> MergeResult:
    now = ctx.clock()
    result: MergeResult | None = None
    try:
        with ctx.write() as uow:
            lock_contacts(uow.contacts, (survivor_id, other_id))
            survivor = uow.contacts.get(survivor_id)
            other = uow.contacts.get(other_id)
            merged = chosen(survivor, other, now)
            if merged.id != survivor.id:
                raise ValidationError("rules", rules, "survivorship must keep the survivor's id")
            merged = attrs.evolve(merged, version=survivor.version + 1, updated_at=now)
            # Records move first (nothing may point at a removed contact), then the other is
            # removed, which frees its identities for the survivor to take.
            moved = {
                name: tuple(repo.reassign_contact(other.id, survivor.id))
                for name, repo in linked_repositories(uow, ctx.record_kinds).items()
            }
            uow.contacts.remove(other.id)
            uow.contacts.update(merged)
            counts = {name: len(ids) for name, ids in moved.items()}
            if dry_run:
                result = MergeResult(None, merged, counts)
                raise _DryRunFinishedError
            merge_id = new_id()
            reviews = follow_merge(uow, survivor.id, other.id, merge_id, now)
            record = MergeRecord(merge_id, survivor, other, merged, moved, now, by, reviews=reviews)
            uow.merges.add(record)
            uow.commit()
            return MergeResult(record.id, merged, counts)
    except _DryRunFinishedError:
        assert result is not None
        return result


def unmerge_contacts(ctx: Context, merge_id: str) -> MergeRecord:
    return _retrying(lambda: _unmerge_once(ctx, merge_id))


def _unmerge_once(ctx: Context, merge_id: str) -> MergeRecord:
    now = ctx.clock()
    with ctx.write() as uow:
        record = uow.merges.get(merge_id)
        # The locks a merge takes, in the same order: a message recorded for the pair waits
        # until the records are back where they belong (see crmkit.CRM.record).
        lock_contacts(uow.contacts, (record.survivor_id, record.merged_id))
        record = uow.merges.get(merge_id)  # as it is now, under the locks
        if record.erased_at is not None:
            # The snapshots were scrubbed: there is nothing left to restore.
            raise ErasedContactError(record.survivor_id, f"merge {merge_id!r} cannot be undone")
        if record.undone_at is not None:
            raise InvalidTransitionError("merge_id", merge_id, "this merge was already undone")
        current = uow.contacts.find_by_id(record.survivor_id)
        if current is None:
            raise _merged_since(uow, record)
        # Takes back what this merge did and keeps what happened since (later merges of the
        # survivor, edits), so merges can be undone in any order; a field both the merge and
        # a later change set raises MergeConflictError naming it.
        uow.contacts.update(undo_merge(record, current, now))
        uow.contacts.add(record.merged_before)
        linked = linked_repositories(uow, ctx.record_kinds)
        for name, ids in record.moved.items():
            if name not in linked:
                raise ConfigurationError(
                    f"merge {merge_id!r} moved {name}, a record kind this "
                    "CRM was not given (record_kinds=)"
                )
            linked[name].assign_contact(ids, record.merged_id)
        uow.interactions.assign_contact(_came_in_on_theirs(uow, record), record.merged_id)
        undo_follow_merge(uow, record.reviews)
        uow.merges.mark_undone(merge_id, now)
        uow.commit()
    return attrs.evolve(record, undone_at=now)


def _merged_since(uow: UnitOfWork, record: MergeRecord) -> CRMError:
    """Why the survivor of *record* is gone: the later merges that took it (the one to undo
    first is the newest), or, failing those, that it is not found."""
    chain: list[MergeRecord] = []
    contact_id = record.survivor_id
    while len(chain) < _LONGEST_CHAIN:
        takers = [
            m
            for m in uow.merges.involving([contact_id])
            if m.merged_id == contact_id and m.undone_at is None and m.at >= record.at
        ]
        if not takers:
            break
        chain.append(takers[-1])  # oldest first: the one that holds it now is the newest
        contact_id = takers[-1].survivor_id
        if uow.contacts.find_by_id(contact_id) is not None:
            break
    if not chain:
        return ContactNotFoundError(record.survivor_id)
    undo_first = tuple(m.id for m in reversed(chain))
    return UnmergeOrderError(record.id, record.survivor_id, undo_first, chain[0].survivor_id)


def _came_in_on_theirs(uow: UnitOfWork, record: MergeRecord) -> list[str]:
    """Interactions recorded onto the survivor after the merge through an identity that only
    the merged contact had (its email, its handle): they follow that identity back."""
    theirs = record.merged_before.identity_keys() - record.survivor_before.identity_keys()
    moved = set(record.moved.get("interactions", ()))
    return [
        i.id
        for i in uow.interactions.timeline(record.survivor_id, limit=None)
        if i.via in theirs and i.id not in moved and i.created_at >= record.at
    ]
