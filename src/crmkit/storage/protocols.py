"""What a storage backend must provide.

A backend hands out units of work bound to one workspace. Everything read or written goes
through a unit of work; nothing is visible to others until :meth:`UnitOfWork.commit`, and
leaving the ``with`` block without committing rolls everything back. That is how "a write is
all or nothing" holds for every backend, including the in-memory one.

Each aggregate has its own repository on the unit of work (``uow.contacts``,
``uow.interactions``, ...). Repositories whose records hang off a contact implement
:class:`ContactLinked` so a merge can move them and an unmerge can move them back exactly,
and :class:`ContactErasable` so an erasure can remove them; :mod:`crmkit.storage.kinds`
declares each such kind once. Optional fast paths (:class:`PreparedFormsSource`) are detected,
with a fallback that gives the same answers.

A backend must write only the core: :class:`Storage`, and on the unit of work ``workspace``,
``contacts``, ``interactions``, ``records``, ``commit``, ``rollback``, ``__enter__`` and
``__exit__``. :func:`crmkit.storage.complete` (which :class:`crmkit.CRM` applies) serves
every other member the unit of work's class lacks from :mod:`crmkit.storage.generic`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from crmkit.contacts import Contact
from crmkit.interactions import Interaction
from crmkit.segments import Segment
from crmkit.storage._fast_paths import (
    BulkKeys,
    BulkOutbox,
    ContactLocks,
    IdentityOwners,
    LedgerOfMany,
    PreparedFormsSource,
    SegmentMemberIds,
    SegmentValueCounts,
    contacts_by_identities,
    lock_contacts,
    prepared_forms_of,
    queue_once,
    segment_member_ids,
    transactions_of,
    writes_side_by_side,
)
from crmkit.storage._funnel_protocols import (
    DealRepository,
    LifecycleRepository,
    PipelineRepository,
    StageChangeRepository,
)
from crmkit.storage._import_protocols import (
    BulkContacts,
    BulkContactUpdates,
    BulkReviews,
    CappedKeyHolders,
    CommitOffThread,
    ContactVersions,
    FingerprintsOfMany,
    ImportRowRepository,
    add_contacts,
    add_reviews,
    commits_off_thread,
    find_fingerprints,
    held_updates,
    put_fingerprints,
)
from crmkit.storage._linked import ContactErasable, ContactLinked, ContactRecords
from crmkit.storage._marketing_protocols import (
    CampaignEventCounts,
    CampaignMemberRepository,
    MeasuredGroupsSource,
    MeasuredOutcomesSource,
    measured_groups,
    measured_groups_in_python,
    measured_outcomes,
    measured_outcomes_in_python,
)
from crmkit.storage._merge_protocols import MergeRepository, ReviewRepository
from crmkit.storage._privacy import ConsentRepository, ErasureRepository, ListRepository
from crmkit.storage._revenue_protocols import RevenueRepository, TransactionRepository
from crmkit.storage._service_protocols import CaseFactRepository
from crmkit.storage._task_protocols import (
    AutomationRepository,
    OutboxRepository,
    RoutingRepository,
    TaskRepository,
    UserRepository,
)
from crmkit.storage._workspace_protocols import OrganizationRepository, SegmentRepository
from crmkit.storage.records import RecordStore, StoredRecord
from crmkit.value.rates import RatesTable

__all__ = [
    "AutomationRepository",
    "BulkContactUpdates",
    "BulkContacts",
    "BulkKeys",
    "BulkOutbox",
    "BulkReviews",
    "CampaignEventCounts",
    "CampaignMemberRepository",
    "CappedKeyHolders",
    "CaseFactRepository",
    "CommitOffThread",
    "ConsentRepository",
    "ContactErasable",
    "ContactLinked",
    "ContactLocks",
    "ContactRecords",
    "ContactRepository",
    "ContactVersions",
    "DealRepository",
    "ErasureRepository",
    "FingerprintsOfMany",
    "IdentityOwners",
    "ImportRowRepository",
    "InteractionRepository",
    "LedgerOfMany",
    "LifecycleRepository",
    "ListRepository",
    "MeasuredGroupsSource",
    "MeasuredOutcomesSource",
    "MergeRepository",
    "OrganizationRepository",
    "OutboxRepository",
    "PipelineRepository",
    "PreparedFormsSource",
    "RecordStore",
    "RevenueRepository",
    "ReviewRepository",
    "RoutingRepository",
    "SegmentMemberIds",
    "SegmentRepository",
    "SegmentValueCounts",
    "StageChangeRepository",
    "Storage",
    "StoredRecord",
    "TaskRepository",
    "TransactionRepository",
    "UnitOfWork",
    "UserRepository",
    "add_contacts",
    "add_reviews",
    "commits_off_thread",
    "contacts_by_identities",
    "find_fingerprints",
    "held_updates",
    "lock_contacts",
    "measured_groups",
    "measured_groups_in_python",
    "measured_outcomes",
    "measured_outcomes_in_python",
    "prepared_forms_of",
    "put_fingerprints",
    "queue_once",
    "segment_member_ids",
    "transactions_of",
    "writes_side_by_side",
]


class ContactRepository(ContactLinked, Protocol):
    """Contacts of one workspace, with their identity index.

    Identity keys (``email:…``, ``phone:…``, ``handle:<channel>:…``) are unique within the
    workspace unless every owner lists the key in ``Contact.shared_identities``; a conflict
    raises :class:`crmkit.errors.DuplicateContactError` naming the existing owner.
    """

    def add(self, contact: Contact) -> None: ...

    def get(self, contact_id: str) -> Contact:
        """The contact, or :class:`crmkit.errors.ContactNotFoundError`."""
        ...

    def find_by_id(self, contact_id: str) -> Contact | None: ...

    def existing_ids(self, contact_ids: Collection[str]) -> set[str]:
        """Which of these ids are contacts of the workspace (one round trip per batch)."""
        ...

    def update(self, contact: Contact) -> None:
        """Store the next version; ``contact.version`` must be the stored version + 1,
        otherwise :class:`crmkit.errors.StaleVersionError` (a lost update was prevented)."""
        ...

    def remove(self, contact_id: str) -> Contact:
        """Delete the contact and its identities; return what was removed."""
        ...

    def find_by_identity(self, key: str) -> list[Contact]:
        """Owners of an identity key, oldest first (more than one only for shared keys)."""
        ...

    def match_key_holders(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        """Ids of the contacts filed under each blocking key (sorted), for the keys held by
        at most their limit (``{key: limit}``); commoner keys are left out.

        The keys of a contact are :func:`crmkit.identity.contact_match.match_keys`, written
        by ``add``/``update``/``remove`` in the same unit of work as the contact.
        """
        ...

    def find_many(self, contact_ids: Collection[str]) -> list[Contact]:
        """The contacts among these ids that exist, by id."""
        ...

    def rebuild_match_keys(self) -> int:
        """Recompute every contact's blocking keys (after an upgrade); return the count."""
        ...

    def iter_all(self) -> Iterator[Contact]: ...

    def count(self) -> int: ...


class InteractionRepository(ContactLinked, ContactErasable, Protocol):
    """Touchpoints of one workspace, read per contact newest first."""

    def add(self, interaction: Interaction) -> None: ...

    def add_many(self, interactions: Iterable[Interaction]) -> int:
        """Insert many; return how many were written."""
        ...

    def get(self, interaction_id: str) -> Interaction: ...

    def timeline(
        self,
        contact_id: str,
        *,
        limit: int | None = None,
        channel: str | None = None,
        direction: str | None = None,
        handled_by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Interaction]:
        """Newest first; equal timestamps in reverse order of creation (ids are time-ordered).
        ``since`` is inclusive, ``until`` exclusive."""
        ...

    def iter_all(self) -> Iterator[Interaction]: ...

    def count(self) -> int: ...


class UnitOfWork(Protocol):
    """One all-or-nothing transaction on one workspace."""

    @property
    def workspace(self) -> str: ...

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def interactions(self) -> InteractionRepository: ...

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def merges(self) -> MergeRepository: ...

    @property
    def transactions(self) -> TransactionRepository: ...

    @property
    def pipelines(self) -> PipelineRepository: ...

    @property
    def deals(self) -> DealRepository: ...

    @property
    def stage_changes(self) -> StageChangeRepository: ...

    @property
    def lifecycle(self) -> LifecycleRepository: ...

    @property
    def consents(self) -> ConsentRepository: ...

    @property
    def segments(self) -> SegmentRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def erasures(self) -> ErasureRepository: ...

    @property
    def lists(self) -> ListRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def import_rows(self) -> ImportRowRepository: ...

    @property
    def case_facts(self) -> CaseFactRepository: ...

    @property
    def revenue(self) -> RevenueRepository: ...

    @property
    def campaign_members(self) -> CampaignMemberRepository: ...

    @property
    def records(self) -> RecordStore:
        """Records of every kind declared with a codec (:mod:`crmkit.storage.records`)."""
        ...

    def segment_members(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> list[Contact]:
        """The contacts in *segment* at *now*, in the order of ``contacts.iter_all()``.

        Must select exactly what :func:`crmkit.segments.evaluate` selects over this
        workspace (with ``SegmentData(rates=rates)``: purchase totals and RFM over several
        currencies convert each purchase at its day's rate); SQL backends compile the
        segment to SQL. A backend without a faster way can return
        ``crmkit.storage.segment_members_in_memory(self, segment, now=now, rates=rates)``.
        crmkit passes ``rates`` only when it is not None.
        """
        ...

    def segment_count(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> int:
        """``len(segment_members(segment, now=now, rates=rates))``, without building the
        contacts."""
        ...

    @property
    def automation(self) -> AutomationRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def routing(self) -> RoutingRepository: ...

    def linked(self) -> Mapping[str, ContactRecords]:
        """Every repository whose records follow a contact through a merge, by kind name.

        Derive it from the declarations: ``return linked_repositories(self)`` (see
        :mod:`crmkit.storage.kinds`). Merges and erasures read the declarations the
        :class:`crmkit.CRM` was given, so a new kind is declared there, not listed here.
        """
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Storage(Protocol):
    """A backend: hands out units of work, one workspace each."""

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; ``read_only=True`` promises no writes, which lets SQL
        backends avoid taking the write lock."""
        ...

    def close(self) -> None: ...
