"""The in-memory backend: a real backend, passing the same contract suite as the others."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from crmkit.consent import ConsentRecord
from crmkit.contacts import Contact, Organization
from crmkit.errors import StorageError
from crmkit.funnel.deal import Deal, StageChange
from crmkit.funnel.lifecycle import LifecycleChange
from crmkit.funnel.pipeline import Pipeline
from crmkit.ledger import Transaction
from crmkit.merging import MergeRecord
from crmkit.segments import Segment
from crmkit.storage._segment_data import segment_count_in_memory, segment_members_in_memory
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
from crmkit.storage.memory._reviews import MemoryReviewRepository, ReviewTables
from crmkit.storage.memory._segments import MemoryConsentRepository, MemorySegmentRepository
from crmkit.storage.memory._tasks import MemoryTaskRepository, MemoryUserRepository
from crmkit.storage.memory._transactions import MemoryTransactionRepository
from crmkit.storage.protocols import ContactLinked
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.task import Task
from crmkit.tasks.users import User

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


class MemoryUnitOfWork:
    """Serialisable transactions: one unit of work at a time holds the storage's lock.

    Writes go straight into the tables and journal their undo; rollback replays the journal
    backwards. Readers never see a half-done unit of work because they wait for the lock.
    """

    contacts: MemoryContactRepository
    interactions: MemoryInteractionRepository
    merges: MemoryMergeRepository
    organizations: MemoryOrganizationRepository
    transactions: MemoryTransactionRepository
    pipelines: MemoryPipelineRepository
    deals: MemoryDealRepository
    stage_changes: MemoryStageChangeRepository
    lifecycle: MemoryLifecycleRepository
    consents: MemoryConsentRepository
    segments: MemorySegmentRepository
    tasks: MemoryTaskRepository
    users: MemoryUserRepository
    erasures: MemoryErasureRepository
    lists: MemoryListRepository
    reviews: MemoryReviewRepository
    automation: MemoryAutomationRepository
    outbox: MemoryOutboxRepository
    routing: MemoryRoutingRepository

    def __init__(self, storage: MemoryStorage, workspace: str) -> None:
        self.workspace = workspace
        self._storage = storage
        self._log = UndoLog()
        self._active = False

    def __enter__(self) -> Self:
        self._storage._lock.acquire()
        try:
            ws = self._storage._workspace(self.workspace)
            self.contacts = MemoryContactRepository(ws.contacts, self._log)
            self.interactions = MemoryInteractionRepository(ws.interactions, self._log, ws.contacts)
            self.merges = MemoryMergeRepository(ws.merges, self._log)
            self.organizations = MemoryOrganizationRepository(ws.organizations, self._log)
            self.transactions = MemoryTransactionRepository(ws.transactions, self._log)
            self.pipelines = MemoryPipelineRepository(ws.pipelines, self._log)
            self.stage_changes = MemoryStageChangeRepository(ws.stage_changes, self._log)
            self.deals = MemoryDealRepository(ws.deals, self._log, self.stage_changes)
            self.lifecycle = MemoryLifecycleRepository(ws.lifecycle, self._log)
            self.consents = MemoryConsentRepository(ws.consents, self._log)
            self.segments = MemorySegmentRepository(ws.segments, self._log)
            self.tasks = MemoryTaskRepository(ws.tasks, self._log)
            self.users = MemoryUserRepository(ws.users, self._log)
            self.erasures = MemoryErasureRepository(ws.erasures, self._log)
            self.lists = MemoryListRepository(ws.lists, self._log)
            self.reviews = MemoryReviewRepository(ws.reviews, self._log)
            self.automation = MemoryAutomationRepository(
                ws.automation_keys, self._log, ws.contacts, ws.interactions, ws.transactions
            )
            self.outbox = MemoryOutboxRepository(ws.outbox, self._log)
            self.routing = MemoryRoutingRepository(ws.routing, self._log)
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

    def segment_members(self, segment: Segment, *, now: datetime) -> list[Contact]:
        return segment_members_in_memory(self, segment, now=now)

    def segment_count(self, segment: Segment, *, now: datetime) -> int:
        return segment_count_in_memory(self, segment, now=now)

    def linked(self) -> Mapping[str, ContactLinked]:
        return {
            "interactions": self.interactions,
            "transactions": self.transactions,
            "deals": self.deals,
            "lifecycle": self.lifecycle,
            "consents": self.consents,
            "tasks": self.tasks,
            "lists": self.lists,
            "outbox": self.outbox,
        }

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
