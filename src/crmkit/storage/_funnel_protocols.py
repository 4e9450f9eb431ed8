"""Storage protocols of the funnel: pipelines, deals, their stage changes, lifecycle steps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol

from crmkit.funnel.deal import Deal, StageChange
from crmkit.funnel.facts import FunnelFacts
from crmkit.funnel.lifecycle import LifecycleChange
from crmkit.funnel.pipeline import Pipeline
from crmkit.storage._linked import ContactErasable, ContactLinked

__all__ = ["DealRepository", "LifecycleRepository", "PipelineRepository", "StageChangeRepository"]


class PipelineRepository(Protocol):
    """Pipelines, whose names are unique in the workspace: ``add`` and ``update`` refuse a
    name another pipeline holds (the same :attr:`Pipeline.name_key`) with
    :class:`crmkit.errors.DuplicateNameError`."""

    def add(self, pipeline: Pipeline) -> None: ...

    def get(self, pipeline_id: str) -> Pipeline: ...

    def find_by_name(self, name: str) -> Pipeline | None:
        """The pipeline whose name has the :func:`crmkit.funnel.pipeline_name_key` of
        *name*, or ``None``."""
        ...

    def update(self, pipeline: Pipeline) -> None: ...

    def iter_all(self) -> Iterator[Pipeline]: ...


class DealRepository(ContactLinked, ContactErasable, Protocol):
    """Deals; ``update`` is versioned (StaleVersionError on a lost update)."""

    def add(self, deal: Deal) -> None: ...

    def get(self, deal_id: str) -> Deal: ...

    def update(self, deal: Deal) -> None: ...

    def for_pipeline(self, pipeline_id: str, *, status: str | None = None) -> list[Deal]: ...

    def for_contact(self, contact_id: str) -> list[Deal]: ...

    def iter_all(self) -> Iterator[Deal]: ...

    def funnel_facts(
        self,
        pipeline: Pipeline,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        cohort: Any = None,
    ) -> FunnelFacts:
        """The aggregates of :func:`crmkit.funnel.facts.deal_facts` for this pipeline; SQL
        backends compute them in the database, and must return exactly the same."""
        ...


class StageChangeRepository(Protocol):
    """Every transition of every deal; never edited."""

    def add(self, change: StageChange) -> None: ...

    def add_many(self, changes: Iterable[StageChange]) -> int: ...

    def for_deal(self, deal_id: str) -> list[StageChange]:
        """Oldest first."""
        ...

    def for_pipeline(self, pipeline_id: str) -> list[StageChange]: ...


class LifecycleRepository(ContactLinked, ContactErasable, Protocol):
    """Contacts' lifecycle steps; never edited."""

    def add(self, change: LifecycleChange) -> None: ...

    def for_contact(self, contact_id: str) -> list[LifecycleChange]:
        """Oldest first."""
        ...

    def latest_for_contact(self, contact_id: str) -> LifecycleChange | None: ...

    def iter_all(self) -> Iterator[LifecycleChange]: ...
