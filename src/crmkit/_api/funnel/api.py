"""``crm.pipelines`` and ``crm.deals``: the sales funnel, every transition recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from crmkit._api._base import Context
from crmkit._text_limits import clean_text
from crmkit._types import Money
from crmkit.errors import PipelineNotFoundError, ValidationError
from crmkit.funnel.deal import Deal, StageChange, lose, move, open_deal, reopen, win
from crmkit.funnel.pipeline import Pipeline
from crmkit.storage.protocols import UnitOfWork

__all__ = ["DealsAPI", "PipelinesAPI"]


class PipelinesAPI:
    """Pipelines of the CRM's workspace, each under a name of its own.

    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> p = crm.pipelines.create("Sales", stages=["New", "Qualified", "Proposal"])
    >>> crm.pipelines.get(p.id).stage_names
    ('New', 'Qualified', 'Proposal')
    >>> crm.pipelines.get(" sales ").id == p.id
    True
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(self, name: str, *, stages: Iterable[Any]) -> Pipeline:
        """A new pipeline. Names are unique in the workspace, compared ignoring case and
        runs of spaces (:func:`crmkit.funnel.pipeline_name_key`): a name another pipeline
        holds raises :class:`crmkit.errors.DuplicateNameError` and nothing is written."""
        pipeline = Pipeline.new(name, stages, now=self._ctx.clock())
        with self._ctx.write() as uow:
            uow.pipelines.add(pipeline)
            uow.commit()
        return pipeline

    def get(self, id_or_name: str) -> Pipeline:
        """The pipeline with this id, or else the one with this name (compared as in
        :meth:`create`); :class:`crmkit.errors.PipelineNotFoundError` when there is none."""
        if not isinstance(id_or_name, str) or not id_or_name.strip():
            raise ValidationError("id_or_name", id_or_name, "a pipeline's id or name")
        with self._ctx.read() as uow:
            try:
                return uow.pipelines.get(id_or_name)
            except PipelineNotFoundError:
                found = uow.pipelines.find_by_name(id_or_name)
                if found is None:
                    raise
                return found

    def all(self) -> list[Pipeline]:
        with self._ctx.read() as uow:
            return list(uow.pipelines.iter_all())


class DealsAPI:
    """Deals; every call that changes one stores the :class:`StageChange` with it.

    >>> from datetime import UTC, datetime, timedelta
    >>> from crmkit import CRM, Money
    >>> crm = CRM()
    >>> c = crm.contacts.create(name="Besa Kola")
    >>> p = crm.pipelines.create("Sales", stages=["New", "Qualified", "Proposal"])
    >>> t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> d = crm.deals.create(contact_id=c.id, pipeline_id=p.id, title="Gold package",
    ...                      value=Money("1200.00", "EUR"), owner="arta", created_at=t)
    >>> d = crm.deals.move(d.id, "Qualified", at=t + timedelta(days=1), by="arta")
    >>> d = crm.deals.win(d.id, at=t + timedelta(days=6))
    >>> [(h.from_stage, h.to_stage) for h in crm.deals.history(d.id)]
    [(None, 'New'), ('New', 'Qualified'), ('Qualified', 'won')]
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self,
        *,
        pipeline_id: str,
        title: str,
        value: Money,
        contact_id: str | None = None,
        organization_id: str | None = None,
        owner: str | None = None,
        expected_close: Any = None,
        stage: str | None = None,
        created_at: Any = None,
        by: str | None = None,
    ) -> Deal:
        for name, key in (
            ("pipeline_id", pipeline_id),
            ("contact_id", contact_id),
            ("organization_id", organization_id),
        ):
            clean_text(name, key, required=name == "pipeline_id")
        with self._ctx.write() as uow:
            pipeline = uow.pipelines.get(pipeline_id)
            if contact_id is not None:
                uow.contacts.get(contact_id)
            if organization_id is not None:
                uow.organizations.get(organization_id)
            deal, change = open_deal(
                pipeline,
                title=title,
                value=value,
                contact_id=contact_id,
                organization_id=organization_id,
                owner=owner,
                expected_close=expected_close,
                stage=stage,
                by=by,
                at=created_at or self._ctx.clock(),
            )
            uow.deals.add(deal)
            uow.stage_changes.add(change)
            uow.commit()
        return deal

    def get(self, deal_id: str) -> Deal:
        with self._ctx.read() as uow:
            return uow.deals.get(deal_id)

    def history(self, deal_id: str) -> list[StageChange]:
        """Every transition of the deal, oldest first."""
        with self._ctx.read() as uow:
            uow.deals.get(deal_id)
            return uow.stage_changes.for_deal(deal_id)

    def for_contact(self, contact_id: str) -> list[Deal]:
        with self._ctx.read() as uow:
            return uow.deals.for_contact(contact_id)

    def for_pipeline(self, pipeline_id: str, *, status: str | None = None) -> list[Deal]:
        with self._ctx.read() as uow:
            uow.pipelines.get(pipeline_id)
            return uow.deals.for_pipeline(pipeline_id, status=status)

    def move(self, deal_id: str, stage: str, *, at: Any = None, by: str | None = None) -> Deal:
        """Move an open deal; unknown stages and closed deals raise ``ValidationError``s."""
        return self._apply(deal_id, lambda d, p, when: move(d, p, stage, at=when, by=by), at)

    def win(self, deal_id: str, *, at: Any = None, by: str | None = None) -> Deal:
        return self._apply(deal_id, lambda d, _p, when: win(d, at=when, by=by), at)

    def lose(self, deal_id: str, *, reason: str, at: Any = None, by: str | None = None) -> Deal:
        """Close as lost; a reason is required (it feeds the lost-reasons report)."""
        return self._apply(deal_id, lambda d, _p, when: lose(d, reason=reason, at=when, by=by), at)

    def reopen(
        self, deal_id: str, *, at: Any = None, stage: str | None = None, by: str | None = None
    ) -> Deal:
        return self._apply(
            deal_id, lambda d, p, when: reopen(d, p, at=when, stage=stage, by=by), at
        )

    def _apply(
        self,
        deal_id: str,
        step: Callable[[Deal, Pipeline, datetime], tuple[Deal, StageChange]],
        at: Any,
    ) -> Deal:
        when = at if at is not None else self._ctx.clock()
        with self._ctx.write() as uow:
            deal = uow.deals.get(deal_id)
            new, change = step(deal, uow.pipelines.get(deal.pipeline_id), when)
            uow.deals.update(new)
            uow.stage_changes.add(change)
            uow.commit()
        return new


def load_pipeline(
    uow: UnitOfWork, pipeline_id: str
) -> tuple[Pipeline, list[Deal], list[StageChange]]:
    """A pipeline with all its deals and their history, for the reports."""
    if not isinstance(pipeline_id, str):
        raise ValidationError("pipeline_id", pipeline_id, "expected a pipeline id")
    pipeline = uow.pipelines.get(pipeline_id)
    return (
        pipeline,
        uow.deals.for_pipeline(pipeline_id),
        uow.stage_changes.for_pipeline(pipeline_id),
    )
