"""The kinds of records that hang off a contact, each declared once.

A :class:`RecordKind` says where a kind's records live on a unit of work, how a merge moves
them and an unmerge moves them back, what an erasure keeps of them before they go, and what
:meth:`crmkit.contacts.ContactsAPI.export` shows. Merge, unmerge, erasure and export read
the declarations (:data:`RECORD_KINDS`, plus any a :class:`crmkit.CRM` is given), and the
units of work derive :meth:`UnitOfWork.linked` from them, so adding a kind is one
declaration rather than an edit to each of those.

>>> [kind.name for kind in RECORD_KINDS][:3]
['interactions', 'transactions', 'deals']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from crmkit.errors import ValidationError
from crmkit.privacy.erasure import anonymised_transaction
from crmkit.storage._linked import ContactRecords
from crmkit.storage.protocols import UnitOfWork

__all__ = ["RECORD_KINDS", "ContactRecords", "RecordKind", "check_kinds", "linked_repositories"]


@attrs.frozen
class RecordKind:
    """One kind of record that belongs to a contact.

    ``name`` keys the kind in :attr:`crmkit.identity.merging.MergeRecord.moved`,
    :attr:`crmkit.privacy.erasure.ErasureRecord.removed` and the export; stored merge records name
    it, so it never changes once released.

    ``repository`` finds the kind's :class:`ContactRecords` on a unit of work; a merge moves
    its records and an erasure deletes them. ``None`` leaves merges and erasures to code of
    the kind's own (review items are renamed by the merge's review step, not moved, and
    an erasure takes the erased contacts out of them, deleting those left with nothing to
    decide: ``crmkit._api.reviews.follow_erasure``).

    ``export`` reads the person's records for a subject access request; ``None`` keeps the
    kind out of the export (say why where you declare it).

    ``keep_on_erasure(uow, contact_id, erasure_id)`` runs before an erasure deletes the
    records, for a kind that must outlive the person in anonymised form (the ledger).
    """

    name: str
    repository: Callable[[UnitOfWork], ContactRecords] | None
    export: Callable[[UnitOfWork, str], Iterable[Any]] | None = None
    keep_on_erasure: Callable[[UnitOfWork, str, str], None] | None = None


def _keep_ledger(uow: UnitOfWork, contact_id: str, erasure_id: str) -> None:
    # The accounts need the entries; the person goes from them (see crmkit.privacy.erasure).
    entries = uow.transactions.for_contact(contact_id)
    uow.erasures.add_transactions(anonymised_transaction(t, erasure_id) for t in entries)


def _list_changes(uow: UnitOfWork, contact_id: str) -> list[Any]:
    lists = uow.lists
    return [ch for name in lists.names() for ch in lists.changes(name, contact_id=contact_id)]


def _queued(uow: UnitOfWork, contact_id: str) -> list[Any]:
    # The outbox holds only unsent messages, so reading it whole stays small.
    return [m for m in uow.outbox.pending() if m.contact_id == contact_id]


# The order is the order merges move and erasures remove records in (and of the export's
# keys' insertion, although export_person sorts them).
RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "interactions",
        lambda uow: uow.interactions,
        export=lambda uow, cid: uow.interactions.timeline(cid, limit=None),
    ),
    RecordKind(
        "transactions",
        lambda uow: uow.transactions,
        export=lambda uow, cid: uow.transactions.for_contact(cid),
        keep_on_erasure=_keep_ledger,
    ),
    RecordKind("deals", lambda uow: uow.deals, export=lambda uow, cid: uow.deals.for_contact(cid)),
    RecordKind(
        "lifecycle",
        lambda uow: uow.lifecycle,
        export=lambda uow, cid: uow.lifecycle.for_contact(cid),
    ),
    RecordKind(
        "consents",
        lambda uow: uow.consents,
        export=lambda uow, cid: uow.consents.for_contact(cid),
    ),
    RecordKind("tasks", lambda uow: uow.tasks, export=lambda uow, cid: uow.tasks.for_contact(cid)),
    RecordKind("lists", lambda uow: uow.lists, export=_list_changes),
    RecordKind("outbox", lambda uow: uow.outbox, export=_queued),
    # Fingerprints are one-way digests of imported rows: they hold no value to show, and the
    # export already carries every identity the rows gave the contact.
    RecordKind("import_rows", lambda uow: uow.import_rows),
    RecordKind("reviews", None, export=lambda uow, cid: uow.reviews.for_contact(cid)),
)


def linked_repositories(
    uow: UnitOfWork, kinds: Sequence[RecordKind] = RECORD_KINDS
) -> Mapping[str, ContactRecords]:
    """The repository of each kind that merges move and erasures remove, by kind name."""
    return {kind.name: kind.repository(uow) for kind in kinds if kind.repository is not None}


def check_kinds(kinds: Iterable[RecordKind]) -> tuple[RecordKind, ...]:
    """The kinds as a tuple, refusing anything but a :class:`RecordKind` and a name twice
    (the second would silently take the first one's moved records and export key)."""
    out = tuple(kinds)
    seen: set[str] = set()
    for kind in out:
        if not isinstance(kind, RecordKind):
            raise ValidationError("record_kinds", kind, "expected crmkit.storage.kinds.RecordKind")
        if kind.name in seen:
            raise ValidationError("record_kinds", kind.name, "a kind name may appear only once")
        seen.add(kind.name)
    return out
