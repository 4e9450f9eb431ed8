"""Pipelines, deals and stage history on this backend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import (
    DealNotFoundError,
    InvalidDatetimeError,
    InvalidMoneyError,
    InvalidTransitionError,
    PipelineNotFoundError,
    StaleVersionError,
    ValidationError,
)
from crmkit.funnel.pipeline import Stage
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["FunnelContract"]


class FunnelContract(ContractBase):
    """Deals move through pipelines and every transition is stored."""

    def _setup(self, crm: CRM) -> tuple[str, str]:
        c = crm.contacts.create(name="Besa Kola")
        p = crm.pipelines.create(
            "Sales",
            stages=["New", Stage("Qualified", 0.3, timedelta(days=7)), Stage("Proposal", 0.6)],
        )
        return c.id, p.id

    def test_pipeline_and_deal_read_back_exactly(self, crm: CRM) -> None:
        cid, pid = self._setup(crm)
        d = crm.deals.create(
            contact_id=cid,
            pipeline_id=pid,
            title="Gold",
            owner="arta",
            value=Money("1200.50", "EUR"),
            expected_close=date(2026, 6, 30),
            created_at=T0,
        )
        assert crm.deals.get(d.id) == d
        assert crm.pipelines.get(pid).stage("Qualified").rotting_after == timedelta(days=7)
        with pytest.raises(DealNotFoundError):
            crm.deals.get("missing")
        with pytest.raises(PipelineNotFoundError):
            crm.pipelines.get("missing")

    def test_every_transition_is_recorded_in_order(self, crm: CRM) -> None:
        cid, pid = self._setup(crm)
        d = crm.deals.create(
            contact_id=cid, pipeline_id=pid, title="Gold", value=Money("10", "EUR"), created_at=T0
        )
        crm.deals.move(d.id, "Proposal", at=T0 + timedelta(days=1), by="arta")  # skip forward
        crm.deals.move(d.id, "Qualified", at=T0 + timedelta(days=2))  # and back
        crm.deals.lose(d.id, reason="price", at=T0 + timedelta(days=3))
        crm.deals.reopen(d.id, at=T0 + timedelta(days=4))
        crm.deals.win(d.id, at=T0 + timedelta(days=5))
        steps = [(h.from_stage, h.to_stage) for h in crm.deals.history(d.id)]
        assert steps == [
            (None, "New"),
            ("New", "Proposal"),
            ("Proposal", "Qualified"),
            ("Qualified", "lost"),
            ("lost", "Qualified"),
            ("Qualified", "won"),
        ]
        final = crm.deals.get(d.id)
        assert (final.status.value, final.version, final.lost_reason) == ("won", 6, None)

    @pytest.mark.parametrize(
        ("action", "error"),
        [
            (lambda crm, d: crm.deals.move(d, "Nowhere", at=T0 + timedelta(1)), ValidationError),
            (lambda crm, d: crm.deals.lose(d, reason=" ", at=T0 + timedelta(1)), ValidationError),
            (
                lambda crm, d: crm.deals.move(d, "Proposal", at=T0 - timedelta(1)),
                InvalidDatetimeError,
            ),
            (
                lambda crm, d: crm.deals.move(d, "Proposal", at=T0.replace(tzinfo=None)),
                InvalidDatetimeError,
            ),
            (lambda crm, d: crm.deals.reopen(d, at=T0 + timedelta(1)), InvalidTransitionError),
        ],
    )
    def test_bad_transitions_write_nothing(self, crm: CRM, action: object, error: type) -> None:
        cid, pid = self._setup(crm)
        d = crm.deals.create(
            contact_id=cid, pipeline_id=pid, title="Gold", value=Money("10", "EUR"), created_at=T0
        )
        with pytest.raises(error):
            action(crm, d.id)  # type: ignore[operator]
        assert crm.deals.get(d.id) == d
        assert len(crm.deals.history(d.id)) == 1

    def test_closed_deal_does_not_move_until_reopened(self, crm: CRM) -> None:
        cid, pid = self._setup(crm)
        d = crm.deals.create(
            contact_id=cid, pipeline_id=pid, title="Gold", value=Money("10", "EUR"), created_at=T0
        )
        crm.deals.win(d.id, at=T0 + timedelta(days=1))
        with pytest.raises(InvalidTransitionError):
            crm.deals.move(d.id, "Proposal", at=T0 + timedelta(days=2))
        crm.deals.reopen(d.id, at=T0 + timedelta(days=3))
        assert crm.deals.move(d.id, "Proposal", at=T0 + timedelta(days=4)).stage == "Proposal"

    def test_negative_value_and_unknown_contact_are_refused(self, crm: CRM) -> None:
        cid, pid = self._setup(crm)
        with pytest.raises(InvalidMoneyError):
            crm.deals.create(contact_id=cid, pipeline_id=pid, title="X", value=Money("-1", "EUR"))
        with pytest.raises(LookupError):
            crm.deals.create(
                contact_id="nobody", pipeline_id=pid, title="X", value=Money("1", "EUR")
            )
        assert crm.deals.for_pipeline(pid) == []

    def test_stale_deal_update_is_refused(self, storage: object, crm: CRM) -> None:
        cid, pid = self._setup(crm)
        d = crm.deals.create(
            contact_id=cid, pipeline_id=pid, title="Gold", value=Money("10", "EUR"), created_at=T0
        )
        crm.deals.move(d.id, "Qualified", at=T0 + timedelta(days=1))
        with crm.storage.unit_of_work(self.workspace) as uow, pytest.raises(StaleVersionError):
            uow.deals.update(d)  # built on version 1; version 2 is stored

    def test_merge_moves_deals(self, crm: CRM) -> None:
        cid, pid = self._setup(crm)
        other = crm.contacts.create(name="B. Kola")
        d = crm.deals.create(
            contact_id=other.id,
            pipeline_id=pid,
            title="Gold",
            value=Money("10", "EUR"),
            created_at=T0,
        )
        result = crm.merge(cid, other.id)
        assert result.moved["deals"] == 1
        assert [x.id for x in crm.deals.for_contact(cid)] == [d.id]

    def test_lifecycle_steps_are_kept_with_reasons_and_follow_merges(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A")
        b = crm.contacts.create(name="B")
        crm.contacts.set_lifecycle(b.id, "lead", at=T0)
        with pytest.raises(ValidationError):
            crm.contacts.set_lifecycle(b.id, "disqualified", at=T0 + timedelta(days=1))
        crm.contacts.set_lifecycle(
            b.id, "disqualified", at=T0 + timedelta(days=1), reason="bounced"
        )
        assert crm.contacts.get(b.id).lifecycle_stage == "disqualified"
        report = crm.lifecycle_funnel()
        assert report.stages[1].entered == 1
        assert report.stages[1].lost_reasons == (("bounced", 1),)
        crm.merge(a.id, b.id)
        assert [h.reason for h in crm.contacts.lifecycle_history(a.id)] == [None, "bounced"]
