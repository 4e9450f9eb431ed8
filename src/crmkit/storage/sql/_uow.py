"""The repositories of a SQL unit of work, wired once for every SQL backend."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crmkit.contacts import Contact
from crmkit.segments import Segment
from crmkit.storage.protocols import ContactLinked
from crmkit.storage.sql._automation import (
    SQLAutomationRepository,
    SQLOutboxRepository,
    SQLRoutingRepository,
)
from crmkit.storage.sql._contacts import SQLContactRepository
from crmkit.storage.sql._funnel import (
    SQLDealRepository,
    SQLPipelineRepository,
    SQLStageChangeRepository,
)
from crmkit.storage.sql._interactions import SQLInteractionRepository
from crmkit.storage.sql._lifecycle import SQLLifecycleRepository
from crmkit.storage.sql._merges import SQLMergeRepository
from crmkit.storage.sql._organizations import SQLOrganizationRepository
from crmkit.storage.sql._privacy import SQLErasureRepository, SQLListRepository
from crmkit.storage.sql._reviews import SQLReviewRepository
from crmkit.storage.sql._segment_sql import sql_segment_count, sql_segment_members
from crmkit.storage.sql._segments import SQLConsentRepository, SQLSegmentRepository
from crmkit.storage.sql._session import SQLSession
from crmkit.storage.sql._tasks import SQLTaskRepository, SQLUserRepository
from crmkit.storage.sql._transactions import SQLTransactionRepository

__all__ = ["SQLRepositories"]


class SQLRepositories:
    """Mixin for SQL units of work: one attribute per repository, all on one session.

    A backend whose queries must differ (PostgreSQL's COPY for bulk inserts) passes its own
    repository class for that aggregate.
    """

    workspace: str
    session: SQLSession
    contacts: SQLContactRepository
    interactions: SQLInteractionRepository
    merges: SQLMergeRepository
    organizations: SQLOrganizationRepository
    transactions: SQLTransactionRepository
    pipelines: SQLPipelineRepository
    deals: SQLDealRepository
    stage_changes: SQLStageChangeRepository
    lifecycle: SQLLifecycleRepository
    consents: SQLConsentRepository
    segments: SQLSegmentRepository
    tasks: SQLTaskRepository
    users: SQLUserRepository
    erasures: SQLErasureRepository
    lists: SQLListRepository
    reviews: SQLReviewRepository
    automation: SQLAutomationRepository
    outbox: SQLOutboxRepository
    routing: SQLRoutingRepository

    def _wire(
        self,
        db: SQLSession,
        *,
        interactions: type[SQLInteractionRepository] = SQLInteractionRepository,
    ) -> None:
        self.session = db
        self.contacts = SQLContactRepository(db, self.workspace)
        self.interactions = interactions(db, self.workspace)
        self.merges = SQLMergeRepository(db, self.workspace)
        self.organizations = SQLOrganizationRepository(db, self.workspace)
        self.transactions = SQLTransactionRepository(db, self.workspace)
        self.pipelines = SQLPipelineRepository(db, self.workspace)
        self.deals = SQLDealRepository(db, self.workspace)
        self.stage_changes = SQLStageChangeRepository(db, self.workspace)
        self.lifecycle = SQLLifecycleRepository(db, self.workspace)
        self.consents = SQLConsentRepository(db, self.workspace)
        self.segments = SQLSegmentRepository(db, self.workspace)
        self.tasks = SQLTaskRepository(db, self.workspace)
        self.users = SQLUserRepository(db, self.workspace)
        self.erasures = SQLErasureRepository(db, self.workspace)
        self.lists = SQLListRepository(db, self.workspace)
        self.reviews = SQLReviewRepository(db, self.workspace)
        self.automation = SQLAutomationRepository(db, self.workspace)
        self.outbox = SQLOutboxRepository(db, self.workspace)
        self.routing = SQLRoutingRepository(db, self.workspace)

    def segment_members(self, segment: Segment, *, now: datetime) -> list[Contact]:
        return sql_segment_members(self.session, self.workspace, segment, now)

    def segment_count(self, segment: Segment, *, now: datetime) -> int:
        return sql_segment_count(self.session, self.workspace, segment, now)

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
