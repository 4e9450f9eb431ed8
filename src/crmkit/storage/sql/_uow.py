"""The repositories of a SQL unit of work, wired once for every SQL backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from crmkit.contacts import Contact
from crmkit.segments import Segment
from crmkit.storage._lazy import LazyRepository, forget_repositories
from crmkit.storage.kinds import linked_repositories
from crmkit.storage.protocols import ContactRecords, UnitOfWork
from crmkit.storage.sql._automation import (
    SQLAutomationRepository,
    SQLOutboxRepository,
    SQLRoutingRepository,
)
from crmkit.storage.sql._campaign_members import SQLCampaignMemberRepository
from crmkit.storage.sql._contacts import SQLContactRepository
from crmkit.storage.sql._funnel import (
    SQLDealRepository,
    SQLPipelineRepository,
    SQLStageChangeRepository,
)
from crmkit.storage.sql._import_rows import SQLImportRowRepository
from crmkit.storage.sql._interactions import SQLInteractionRepository
from crmkit.storage.sql._lifecycle import SQLLifecycleRepository
from crmkit.storage.sql._merges import SQLMergeRepository
from crmkit.storage.sql._organizations import SQLOrganizationRepository
from crmkit.storage.sql._privacy import SQLErasureRepository, SQLListRepository
from crmkit.storage.sql._records import SQLRecordStore
from crmkit.storage.sql._revenue import SQLRevenueRepository
from crmkit.storage.sql._reviews import SQLReviewRepository
from crmkit.storage.sql._segment_breakdown import sql_segment_value_counts
from crmkit.storage.sql._segment_sql import (
    sql_segment_count,
    sql_segment_member_ids,
    sql_segment_members,
)
from crmkit.storage.sql._segments import SQLConsentRepository, SQLSegmentRepository
from crmkit.storage.sql._service import SQLCaseFactRepository
from crmkit.storage.sql._session import SQLSession
from crmkit.storage.sql._tasks import SQLTaskRepository, SQLUserRepository
from crmkit.storage.sql._transactions import SQLTransactionRepository
from crmkit.value.rates import RatesTable

__all__ = ["SQLRepositories"]

_R = TypeVar("_R")


class _Repo(LazyRepository["SQLRepositories", _R]):
    pass


class SQLRepositories:
    """Mixin for SQL units of work: one attribute per repository, all on one session.

    A backend whose queries must differ (PostgreSQL's COPY for bulk inserts, its row locks)
    passes its own repository class for that aggregate.
    """

    workspace: str
    session: SQLSession
    _contacts: type[SQLContactRepository]
    _interactions: type[SQLInteractionRepository]
    _transactions: type[SQLTransactionRepository]

    # Repositories are made on first use (see crmkit.storage._lazy).
    contacts = _Repo(lambda u: u._contacts(u.session, u.workspace))
    interactions = _Repo(lambda u: u._interactions(u.session, u.workspace))
    merges = _Repo(lambda u: SQLMergeRepository(u.session, u.workspace))
    organizations = _Repo(lambda u: SQLOrganizationRepository(u.session, u.workspace))
    transactions = _Repo(lambda u: u._transactions(u.session, u.workspace))
    pipelines = _Repo(lambda u: SQLPipelineRepository(u.session, u.workspace))
    deals = _Repo(lambda u: SQLDealRepository(u.session, u.workspace))
    stage_changes = _Repo(lambda u: SQLStageChangeRepository(u.session, u.workspace))
    lifecycle = _Repo(lambda u: SQLLifecycleRepository(u.session, u.workspace))
    consents = _Repo(lambda u: SQLConsentRepository(u.session, u.workspace))
    segments = _Repo(lambda u: SQLSegmentRepository(u.session, u.workspace))
    tasks = _Repo(lambda u: SQLTaskRepository(u.session, u.workspace))
    users = _Repo(lambda u: SQLUserRepository(u.session, u.workspace))
    erasures = _Repo(lambda u: SQLErasureRepository(u.session, u.workspace))
    lists = _Repo(lambda u: SQLListRepository(u.session, u.workspace))
    reviews = _Repo(lambda u: SQLReviewRepository(u.session, u.workspace))
    automation = _Repo(lambda u: SQLAutomationRepository(u.session, u.workspace))
    outbox = _Repo(lambda u: SQLOutboxRepository(u.session, u.workspace))
    routing = _Repo(lambda u: SQLRoutingRepository(u.session, u.workspace))
    import_rows = _Repo(lambda u: SQLImportRowRepository(u.session, u.workspace))
    case_facts = _Repo(lambda u: SQLCaseFactRepository(u.session, u.workspace))
    revenue = _Repo(lambda u: SQLRevenueRepository(u.session, u.workspace))
    campaign_members = _Repo(lambda u: SQLCampaignMemberRepository(u.session, u.workspace))
    records = _Repo(lambda u: SQLRecordStore(u.session, u.workspace))

    def _wire(
        self,
        db: SQLSession,
        *,
        contacts: type[SQLContactRepository] = SQLContactRepository,
        interactions: type[SQLInteractionRepository] = SQLInteractionRepository,
        transactions: type[SQLTransactionRepository] = SQLTransactionRepository,
    ) -> None:
        forget_repositories(self)
        self.session = db
        self._contacts = contacts
        self._interactions = interactions
        self._transactions = transactions

    def segment_members(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> list[Contact]:
        return sql_segment_members(self.session, self.workspace, segment, now, rates)

    def segment_member_ids(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> list[str]:
        return sql_segment_member_ids(self.session, self.workspace, segment, now, rates)

    def segment_count(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> int:
        return sql_segment_count(self.session, self.workspace, segment, now, rates)

    def segment_value_counts(
        self,
        segment: Segment,
        dimensions: Sequence[str | Segment],
        *,
        now: datetime,
        rates: RatesTable | None = None,
    ) -> list[list[tuple[Any, int]]]:
        return sql_segment_value_counts(
            self.session, self.workspace, segment, dimensions, now, rates
        )

    def linked(self) -> Mapping[str, ContactRecords]:
        # A mixin: only the SQLite and PostgreSQL units of work built on it are whole ones.
        return linked_repositories(cast("UnitOfWork", self))
