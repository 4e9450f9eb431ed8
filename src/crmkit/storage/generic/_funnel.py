"""Pipelines, deals and their stage changes, kept in the generic record store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from crmkit.errors import DealNotFoundError, PipelineNotFoundError, StageChangeNotFoundError
from crmkit.funnel.deal import Deal, StageChange
from crmkit.funnel.facts import FunnelFacts, deal_facts, parse_cohort
from crmkit.funnel.pipeline import Pipeline, pipeline_name_key
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic._table import RecordTable, TableKind
from crmkit.storage.records import RecordStore

__all__ = [
    "FunnelFactsInPython",
    "GenericDealRepository",
    "GenericPipelineRepository",
    "GenericStageChangeRepository",
]

PIPELINES = TableKind(
    "_pipeline",
    "pipeline",
    AttrsCodec(Pipeline, contact=None, keys=lambda p: {"name": p.name_key}),
    PipelineNotFoundError,
)
DEALS = TableKind(
    "_deal",
    "deal",
    AttrsCodec(Deal, keys=lambda d: {"pipeline": d.pipeline_id}),
    DealNotFoundError,
)
STAGE_CHANGES = TableKind(
    "_stage_change",
    "stage change",
    AttrsCodec(
        StageChange, contact=None, keys=lambda c: {"deal": c.deal_id, "pipeline": c.pipeline_id}
    ),
    StageChangeNotFoundError,
)


class GenericPipelineRepository(RecordTable[Pipeline]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, PIPELINES)

    def add(self, record: Pipeline) -> None:
        record.check_name_free(self.find_by_name(record.name))
        super().add(record)

    def update(self, record: Pipeline) -> None:
        record.check_name_free(self.find_by_name(record.name))
        super().update(record)

    def find_by_name(self, name: str) -> Pipeline | None:
        found = self.where("name", pipeline_name_key(name))
        return found[0] if found else None


class GenericStageChangeRepository(RecordTable[StageChange]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, STAGE_CHANGES)

    def for_deal(self, deal_id: str) -> list[StageChange]:
        return sorted(self.where("deal", deal_id), key=lambda c: (c.at, c.id))

    def for_pipeline(self, pipeline_id: str) -> list[StageChange]:
        return sorted(self.where("pipeline", pipeline_id), key=lambda c: (c.at, c.id))


class _ChangesByPipeline(Protocol):
    def for_pipeline(self, pipeline_id: str) -> list[StageChange]: ...


class FunnelFactsInPython:
    """``funnel_facts`` computed from the deals and stage changes themselves: the definition
    the SQL fast paths must equal, for the memory backend and for backends without one."""

    _changes: _ChangesByPipeline

    def for_pipeline(self, pipeline_id: str, *, status: str | None = None) -> list[Deal]:
        raise NotImplementedError

    def funnel_facts(
        self,
        pipeline: Pipeline,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        cohort: Any = None,
    ) -> FunnelFacts:
        """The funnel report's aggregates over the pipeline's deals and stage changes."""
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


class GenericDealRepository(FunnelFactsInPython, RecordTable[Deal]):
    _changes: GenericStageChangeRepository

    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, DEALS)
        self._changes = GenericStageChangeRepository(store)

    def for_pipeline(self, pipeline_id: str, *, status: str | None = None) -> list[Deal]:
        found = self.where("pipeline", pipeline_id)
        wanted = [d for d in found if status is None or d.status == status]
        return sorted(wanted, key=lambda d: (d.created_at, d.id))

    def for_contact(self, contact_id: str) -> list[Deal]:
        return sorted(self.of_contact(contact_id), key=lambda d: (d.created_at, d.id))

    def erase_contact(self, contact_id: str) -> int:
        """The contact's deals go with their stage changes (deal titles name people too)."""
        for deal in self.of_contact(contact_id):
            for change in self._changes.for_deal(deal.id):
                self._changes.delete(change.id)
        return super().erase_contact(contact_id)
