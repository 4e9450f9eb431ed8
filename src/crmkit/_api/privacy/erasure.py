"""``crm.contacts.erase``, ``crm.erasures`` and the suppression check every write path runs.

What an erasure removes and keeps is described in :mod:`crmkit.privacy.erasure`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from crmkit._api._base import Context
from crmkit._api.identity._identities import lookup_keys
from crmkit._api.identity.reviews import follow_erasure
from crmkit._types import new_id
from crmkit.contacts import Contact
from crmkit.errors import ConfigurationError, SuppressedContactError, ValidationError
from crmkit.privacy.erasure import (
    ErasureRecord,
    SuppressionKey,
    identity_field,
    new_salt,
    scrubbed_merge,
)
from crmkit.storage.kinds import linked_repositories
from crmkit.storage.protocols import ContactErasable, UnitOfWork
from crmkit.value.ledger import Transaction

__all__ = ["ErasuresAPI", "Suppression", "erase_contact"]


class Suppression:
    """The suppression check of one unit of work: is an identity an erased person's?

    The workspace's key is read once; before the first erasure there is none and every check
    is free.
    """

    def __init__(self, ctx: Context, uow: UnitOfWork) -> None:
        self._uow = uow
        stored = uow.erasures.find_key()
        self._key = (
            None
            if stored is None
            else SuppressionKey.derive(stored[0], pepper=ctx.suppression_pepper).verify(stored[1])
        )

    def first_hit(
        self, identity_keys: Iterable[str], held: Callable[[str], bool] | None = None
    ) -> str | None:
        """The first of these identity keys that belongs to an erased person, if any.
        *held* tells whether a living contact holds a key (default: the store says; an
        import batch also counts the contacts it has not written yet)."""
        if self._key is None:
            return None
        by_marker = {self._key.marker(k): k for k in sorted(set(identity_keys))}
        if not by_marker:
            return None
        hits = self._uow.erasures.suppressed(by_marker.keys())
        for key in sorted(by_marker[m] for m in hits):
            # A shared identity (a family landline) that a living contact still holds is that
            # contact's, not the erased person coming back.
            if not (held(key) if held else self._uow.contacts.find_by_identity(key)):
                return key
        return None

    def check(self, identity_keys: Iterable[str]) -> None:
        """Raise :class:`SuppressedContactError` naming the first suppressed identity."""
        hit = self.first_hit(identity_keys)
        if hit is not None:
            raise SuppressedContactError(*identity_field(hit))

    def check_change(self, before: Contact | None, after: Contact) -> None:
        """Check the identities *after* holds that *before* did not."""
        old = before.identity_keys() if before is not None else frozenset()
        self.check(after.identity_keys() - old)


def _merged_into(uow: UnitOfWork, contact_id: str) -> tuple[list[str], list[Any]]:
    """The contact and every contact merged into it (directly or through a chain of merges
    not undone), and every merge ledger entry any of them appears in."""
    ids = [contact_id]
    records: dict[str, Any] = {}
    frontier = {contact_id}
    while frontier:
        found = uow.merges.involving(frontier)
        frontier = set()
        for record in found:
            records[record.id] = record
            if (
                record.undone_at is None
                and record.erased_at is None
                and record.survivor_id in ids
                and record.merged_id not in ids
            ):
                ids.append(record.merged_id)
                frontier.add(record.merged_id)
    return ids, sorted(records.values(), key=lambda r: (r.at, r.id))


def _key(ctx: Context, uow: UnitOfWork, at: Any) -> SuppressionKey:
    stored = uow.erasures.find_key()
    if stored is None:
        salt = new_salt()
        uow.erasures.add_key(
            salt, SuppressionKey.derive(salt, pepper=ctx.suppression_pepper).check, at
        )
        stored = uow.erasures.find_key()
        if stored is None:  # pragma: no cover - the insert above or a concurrent one stored it
            raise ConfigurationError("the workspace's suppression salt could not be stored")
    return SuppressionKey.derive(stored[0], pepper=ctx.suppression_pepper).verify(stored[1])


def erase_contact(
    ctx: Context, contact_id: str, *, by: str | None = None, reason: str | None = None
) -> ErasureRecord:
    if by is not None and (not isinstance(by, str) or not by.strip()):
        raise ValidationError("by", by, "the name of who erased the contact")
    why = ErasureRecord.check_reason(reason)
    now = ctx.clock()
    with ctx.write() as uow:
        done = uow.erasures.find_by_contact(contact_id)
        if done is not None:
            return done  # erasing twice changes nothing
        contact = uow.contacts.get(contact_id)
        key = _key(ctx, uow, now)
        erasure_id = new_id()
        ids, merges = _merged_into(uow, contact.id)
        for record in merges:
            uow.merges.update(scrubbed_merge(record, now))
        # Every kind keeps what must outlive the person before any record goes, so a kind's
        # hook may still read the others.
        for kind in ctx.record_kinds:
            if kind.keep_on_erasure is not None:
                kind.keep_on_erasure(uow, contact.id, erasure_id)
        removed: dict[str, int] = {}
        for name, repo in linked_repositories(uow, ctx.record_kinds).items():
            if not isinstance(repo, ContactErasable):
                raise ConfigurationError(f"the backend's {name} repository cannot erase records")
            removed[name] = repo.erase_contact(contact.id)
        uow.contacts.remove(contact.id)
        # Review items are the kind's own code (see crmkit.storage.kinds): the erased ids
        # leave them, and items with nothing left to decide go.
        removed["reviews"] = follow_erasure(uow, ids)
        # Done keys are named after their subject and day: a birthday greeting's holds the
        # birthday (see crmkit.tasks.automation.automation_key).
        removed["automation_keys"] = sum(uow.automation.erase_subject(i) for i in ids)
        markers = key.markers(contact.identity_keys())
        removed["merges_scrubbed"] = len(merges)
        record = ErasureRecord(
            id=erasure_id,
            contact_ids=tuple(ids),
            at=now,
            by=by,
            reason=why,
            markers=len(markers),
            removed=removed,
        )
        uow.erasures.add(record, markers)
        uow.commit()
    # A backend that keeps deleted bytes in its files until a cheap step (SQLite's WAL until
    # a checkpoint) takes that step now; PostgreSQL's VACUUM is left to the application.
    settle = getattr(ctx.storage, "after_erasure", None)
    if callable(settle):
        settle()
    return record


class ErasuresAPI:
    """Who was erased, the ledger kept for the accounts, and the suppression check.

    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> c = crm.contacts.create(name="Besa", emails=["besa@example.al"])
    >>> record = crm.contacts.erase(c.id, by="dpo", reason="request #17")
    >>> crm.erasures.find(c.id) == record, crm.erasures.is_suppressed(email="BESA@example.al")
    (True, True)
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def find(self, contact_id: str) -> ErasureRecord | None:
        """The erasure of this contact id, or None if it was never erased."""
        with self._ctx.read() as uow:
            return uow.erasures.find_by_contact(contact_id)

    def all(self) -> list[ErasureRecord]:
        """Every erasure of the workspace, oldest first."""
        with self._ctx.read() as uow:
            return list(uow.erasures.iter_all())

    def transactions(self) -> list[Transaction]:
        """The ledger entries of erased people, kept for the accounts: ``contact_id`` is the
        erasure's id (a pseudonym), the note is gone, amounts and dates are as they were."""
        with self._ctx.read() as uow:
            return uow.erasures.transactions()

    def is_suppressed(
        self,
        *,
        email: Any = None,
        phone: Any = None,
        handle: Any = None,
        external_id: Any = None,
        region: str | None = None,
    ) -> bool:
        """Whether any of these identities belongs to an erased person (check a bought or
        shared list before using it)."""
        _, labelled = lookup_keys(
            region or self._ctx.default_region,
            email=email,
            phone=phone,
            handle=handle,
            external_id=external_id,
        )
        with self._ctx.read() as uow:
            return Suppression(self._ctx, uow).first_hit([key for _, key in labelled]) is not None
