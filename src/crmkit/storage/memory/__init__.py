"""The in-memory backend: a real backend, passing the same contract suite as the others."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from crmkit.contacts import Contact, Organization
from crmkit.customer_file.revenue import RevenueLine
from crmkit.errors import StorageError
from crmkit.funnel.deal import Deal, StageChange
from crmkit.funnel.lifecycle import LifecycleChange
from crmkit.funnel.pipeline import Pipeline
from crmkit.identity.merging import MergeRecord
from crmkit.privacy.consent import ConsentRecord
from crmkit.segments import Segment
from crmkit.storage._lazy import LazyRepository
from crmkit.storage._segment_data import segment_count_in_memory, segment_members_in_memory
from crmkit.storage.generic._campaigns import GenericCampaignMemberRepository
from crmkit.storage.generic._service import GenericCaseFactRepository
from crmkit.storage.kinds import linked_repositories
from crmkit.storage.memory._automation import (
    MemoryAutomationRepository,
    MemoryOutboxRepository,
    MemoryRoutingRepository,
)
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._contacts import ContactTables, MemoryContactRepository
from crmkit.storage.memory._funnel import (
    MemoryDealRepository,
    MemoryPipelineRepository,
    MemoryStageChangeRepository,
)
from crmkit.storage.memory._import_rows import MemoryImportRowRepository
from crmkit.storage.memory._interactions import InteractionTables, MemoryInteractionRepository
from crmkit.storage.memory._lifecycle import MemoryLifecycleRepository
from crmkit.storage.memory._merges import MemoryMergeRepository
from crmkit.storage.memory._organizations import MemoryOrganizationRepository
from crmkit.storage.memory._privacy import (
    ErasureTables,
    ListTables,
    MemoryErasureRepository,
    MemoryListRepository,
)
from crmkit.storage.memory._records import MemoryRecordStore, RecordTables
from crmkit.storage.memory._revenue import MemoryRevenueRepository
from crmkit.storage.memory._reviews import MemoryReviewRepository, ReviewTables
from crmkit.storage.memory._segments import MemoryConsentRepository, MemorySegmentRepository
from crmkit.storage.memory._tasks import MemoryTaskRepository, MemoryUserRepository
from crmkit.storage.memory._transactions import MemoryTransactionRepository
from crmkit.storage.protocols import ContactRecords
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.task import Task
from crmkit.tasks.users import User
from crmkit.value.ledger import Transaction
from crmkit.value.rates import RatesTable

__all__ = ["MemoryStorage", "MemoryUnitOfWork"]


class _Workspace:
    """Every table of one workspace; workspaces never share a table."""

    def __init__(self) -> None:
        self.contacts = ContactTables()
        self.interactions = InteractionTables()
        self.merges: UndoableDict[str, MergeRecord] = UndoableDict()
        self.organizations: UndoableDict[str, Organization] = UndoableDict()
        self.transactions: UndoableDict[str, Transaction] = UndoableDict()
        self.pipelines: UndoableDict[str, Pipeline] = UndoableDict()
        self.deals: UndoableDict[str, Deal] = UndoableDict()
        self.stage_changes: UndoableDict[str, StageChange] = UndoableDict()
        self.lifecycle: UndoableDict[str, LifecycleChange] = UndoableDict()
        self.consents: UndoableDict[str, ConsentRecord] = UndoableDict()
        self.segments: UndoableDict[str, dict[str, Any]] = UndoableDict()
        self.tasks: UndoableDict[str, Task] = UndoableDict()
        self.users: UndoableDict[str, User] = UndoableDict()
        self.erasures = ErasureTables()
        self.lists = ListTables()
        self.reviews = ReviewTables()
        self.automation_keys: UndoableDict[str, str] = UndoableDict()
        self.outbox: UndoableDict[str, QueuedMessage] = UndoableDict()
        self.routing: UndoableDict[str, str] = UndoableDict()
        self.import_rows: UndoableDict[str, str] = UndoableDict()  # fingerprint -> contact id
        self.revenue: UndoableDict[tuple[str, int], RevenueLine] = UndoableDict()
        self.records = RecordTables()


_R = TypeVar("_R")


class _Repo(LazyRepository["MemoryUnitOfWork", _R]):
    pass


class MemoryUnitOfWork:
    """Serialisable transactions: one unit of work at a time holds the storage's lock.

    Writes go straight into the tables and journal their undo; rollback replays the journal
    backwards. Readers never see a half-done unit of work because they wait for the lock.
    """

    _ws: _Workspace
    _log: UndoLog

    # Repositories are made on first use (see crmkit.storage._lazy).
    contacts = _Repo(lambda u: MemoryContactRepository(u._ws.contacts, u._log))
    interactions = _Repo(
        lambda u: MemoryInteractionRepository(u._ws.interactions, u._log, u._ws.contacts)
    )
    merges = _Repo(lambda u: MemoryMergeRepository(u._ws.merges, u._log))
    organizations = _Repo(lambda u: MemoryOrganizationRepository(u._ws.organizations, u._log))
    transactions = _Repo(lambda u: MemoryTransactionRepository(u._ws.transactions, u._log))
    pipelines = _Repo(lambda u: MemoryPipelineRepository(u._ws.pipelines, u._log))
    stage_changes = _Repo(lambda u: MemoryStageChangeRepository(u._ws.stage_changes, u._log))
    deals = _Repo(lambda u: MemoryDealRepository(u._ws.deals, u._log, u.stage_changes))
    lifecycle = _Repo(lambda u: MemoryLifecycleRepository(u._ws.lifecycle, u._log))
    consents = _Repo(lambda u: MemoryConsentRepository(u._ws.consents, u._log))
    segments = _Repo(lambda u: MemorySegmentRepository(u._ws.segments, u._log))
    tasks = _Repo(lambda u: MemoryTaskRepository(u._ws.tasks, u._log))
    users = _Repo(lambda u: MemoryUserRepository(u._ws.users, u._log))
    erasures = _Repo(lambda u: MemoryErasureRepository(u._ws.erasures, u._log))
    lists = _Repo(lambda u: MemoryListRepository(u._ws.lists, u._log))
    reviews = _Repo(lambda u: MemoryReviewRepository(u._ws.reviews, u._log))
    automation = _Repo(
        lambda u: MemoryAutomationRepository(
            u._ws.automation_keys, u._log, u._ws.contacts, u._ws.interactions, u._ws.transactions
        )
    )
    outbox = _Repo(lambda u: MemoryOutboxRepository(u._ws.outbox, u._log))
    routing = _Repo(lambda u: MemoryRoutingRepository(u._ws.routing, u._log))
    import_rows = _Repo(lambda u: MemoryImportRowRepository(u._ws.import_rows, u._log))
    revenue = _Repo(lambda u: MemoryRevenueRepository(u._ws.revenue, u._log))
    records = _Repo(lambda u: MemoryRecordStore(u._ws.records, u._log))
    # The report's facts are records like any other kind's here: summing them in Python is
    # the reference the SQL backends' sums are held to.
    case_facts = _Repo(lambda u: GenericCaseFactRepository(u.records))
    # Members in the record store: in memory a member is a dict entry either way.
    campaign_members = _Repo(lambda u: GenericCampaignMemberRepository(u.records, u))

    def __init__(self, storage: MemoryStorage, workspace: str) -> None:
        self.workspace = workspace
        self._storage = storage
        self._log = UndoLog()
        self._active = False

    def __enter__(self) -> Self:
        self._storage._lock.acquire()
        try:
            self._ws = self._storage._workspace(self.workspace)
        except BaseException:
            self._storage._lock.release()
            raise
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._active = False
            self._storage._lock.release()

    def segment_members(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> list[Contact]:
        return segment_members_in_memory(self, segment, now=now, rates=rates)

    def segment_count(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> int:
        return segment_count_in_memory(self, segment, now=now, rates=rates)

    def linked(self) -> Mapping[str, ContactRecords]:
        return linked_repositories(self)

    def commit(self) -> None:
        if not self._active:
            raise StorageError("commit() outside the unit of work's `with` block")
        self._log.forget()

    def rollback(self) -> None:
        self._log.rollback()


class MemoryStorage:
    """Keeps everything in Python objects; gone when the process ends.

    >>> from crmkit.contacts import Contact
    >>> storage = MemoryStorage()
    >>> with storage.unit_of_work("acme") as uow:
    ...     uow.contacts.add(Contact.new(name="Besa"))
    ...     uow.commit()
    >>> with storage.unit_of_work("acme") as uow:
    ...     uow.contacts.count()
    1
    >>> with storage.unit_of_work("other") as uow:
    ...     uow.contacts.count()
    0
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._workspaces: dict[str, _Workspace] = {}

    def _workspace(self, name: str) -> _Workspace:
        ws = self._workspaces.get(name)
        if ws is None:
            ws = self._workspaces[name] = _Workspace()
        return ws

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> MemoryUnitOfWork:
        # read_only changes nothing here: the lock already gives readers a consistent view.
        return MemoryUnitOfWork(self, workspace)

    def close(self) -> None:
        with self._lock:
            self._workspaces.clear()

    def __repr__(self) -> str:
        return f"MemoryStorage(workspaces={len(self._workspaces)})"
