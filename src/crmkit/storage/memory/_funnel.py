"""Pipelines, deals and stage changes, in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crmkit.errors import DealNotFoundError, PipelineNotFoundError, StageChangeNotFoundError
from crmkit.funnel.deal import Deal, StageChange
from crmkit.funnel.facts import FunnelFacts, deal_facts, parse_cohort
from crmkit.funnel.pipeline import Pipeline, pipeline_name_key
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable

__all__ = ["MemoryDealRepository", "MemoryPipelineRepository", "MemoryStageChangeRepository"]


class MemoryPipelineRepository(MemoryTable[Pipeline]):
    def __init__(self, rows: UndoableDict[str, Pipeline], log: UndoLog) -> None:
        super().__init__(rows, log, kind="pipeline", not_found=PipelineNotFoundError)

    def add(self, record: Pipeline) -> None:
        record.check_name_free(self.find_by_name(record.name))
        super().add(record)

    def update(self, record: Pipeline) -> None:
        record.check_name_free(self.find_by_name(record.name))
        super().update(record)

    def find_by_name(self, name: str) -> Pipeline | None:
        key = pipeline_name_key(name)
        return next((p for p in self.rows.data.values() if p.name_key == key), None)


class MemoryDealRepository(MemoryTable[Deal]):
    def __init__(
        self, rows: UndoableDict[str, Deal], log: UndoLog, changes: MemoryStageChangeRepository
    ) -> None:
        super().__init__(
            rows, log, kind="deal", not_found=DealNotFoundError, contact_attr="contact_id"
        )
        self._changes = changes

    def for_pipeline(self, pipeline_id: str, *, status: str | None = None) -> list[Deal]:
        return self.select(
            lambda d: d.pipeline_id == pipeline_id and (status is None or d.status == status),
            order=lambda d: (d.created_at, d.id),
        )

    def funnel_facts(
        self,
        pipeline: Pipeline,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        cohort: Any = None,
    ) -> FunnelFacts:
        """The funnel report's aggregates (the definition the SQL backends must equal)."""
        deals = self.for_pipeline(pipeline.id)
        changes = self._changes.for_pipeline(pipeline.id)
        return deal_facts(
            pipeline,
            deals,
            changes,
            since=since,
            until=until,
            owner=owner,
            cohort=parse_cohort(cohort),
        )

    def for_contact(self, contact_id: str) -> list[Deal]:
        return self.select(
            lambda d: d.contact_id == contact_id, order=lambda d: (d.created_at, d.id)
        )

    def erase_contact(self, contact_id: str) -> int:
        """The contact's deals go with their stage changes (deal titles name people too)."""
        deals = {d.id for d in self.for_contact(contact_id)}
        for change in self._changes.select(lambda c: c.deal_id in deals):
            self._changes.delete(change.id)
        return super().erase_contact(contact_id)


class MemoryStageChangeRepository(MemoryTable[StageChange]):
    def __init__(self, rows: UndoableDict[str, StageChange], log: UndoLog) -> None:
        super().__init__(
            rows, log, kind="stage change", not_found=StageChangeNotFoundError, versioned=False
        )

    def for_deal(self, deal_id: str) -> list[StageChange]:
        return self.select(lambda c: c.deal_id == deal_id, order=lambda c: (c.at, c.id))

    def for_pipeline(self, pipeline_id: str) -> list[StageChange]:
        return self.select(lambda c: c.pipeline_id == pipeline_id, order=lambda c: (c.at, c.id))
