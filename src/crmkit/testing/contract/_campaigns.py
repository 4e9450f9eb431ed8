"""Contract: campaigns (``crm.campaigns``) on the generic record store."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._api.marketing import campaigns as campaigns_module
from crmkit._api.marketing.campaigns import CampaignsAPI
from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    AlreadyExistsError,
    ContactNotFoundError,
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidTransitionError,
    RecordNotFoundError,
    SegmentNotFoundError,
    TransactionNotFoundError,
    UniqueKeyError,
    UnknownPurposeError,
    ValidationError,
)
from crmkit.marketing import Campaign, CampaignMember, Group
from crmkit.segments import tag
from crmkit.testing.contract._base import T0, ContractBase
from crmkit.value.ledger import Transaction, TransactionKind

__all__ = ["CampaignsContract"]

DAY = timedelta(days=1)


class CampaignsContract(ContractBase):
    def _people(self, crm: CRM, n: int = 10, *, consent: int | None = None) -> list[Contact]:
        """*n* contacts tagged ``gold``; the first *consent* of them (default all) consent
        to marketing e-mail."""
        people = [
            crm.contacts.create(name=f"Gold {i}", emails=[f"g{i}@example.com"], tags={"gold"})
            for i in range(n)
        ]
        for c in people[: n if consent is None else consent]:
            crm.consent.record(c.id, purpose="marketing_email", granted=True, at=T0 - DAY)
        return people

    def _campaign(self, crm: CRM, **fields: Any) -> Campaign:
        fields.setdefault("holdout", Decimal("0.2"))
        fields.setdefault("seed", 7)
        return crm.campaigns.create(
            "Spring Gold",
            channel="email",
            audience=tag("gold"),
            purpose="marketing_email",
            **fields,
        )

    def test_campaign_launch_messages_each_consenting_treated_member_once(self, crm: CRM) -> None:
        people = self._people(crm, 10, consent=8)
        camp = self._campaign(crm)
        run = crm.campaigns.launch(camp.id, at=T0)
        members = crm.campaigns.members(camp.id)
        treated = {m.contact_id for m in members if m.group is Group.TREATED}
        held = {m.contact_id for m in members if m.group is Group.HELD_OUT}
        consenting = {c.id for c in people[:8]}
        assert (len(treated), len(held)) == (8, 2)
        assert (run.held_out, run.sent + run.skipped_no_consent) == (2, 8)
        assert run.sent == len(treated & consenting) == run.queued
        outbox = crm.outbox.pending()
        assert sorted(m.contact_id for m in outbox) == sorted(str(i) for i in treated & consenting)
        assert not held & {m.contact_id for m in outbox}
        assert {m.data["campaign_id"] for m in outbox} == {camp.id}
        assert crm.campaigns.get(camp.id).status.value == "launched"

    def test_campaign_launched_twice_queues_nothing_more(self, crm: CRM) -> None:
        self._people(crm, 10)
        camp = self._campaign(crm)
        first = crm.campaigns.launch(camp.id, at=T0)
        again = crm.campaigns.launch(camp.id, at=T0 + DAY)
        assert (again.sent, again.held_out, again.queued) == (first.sent, first.held_out, 0)
        assert len(crm.outbox.pending()) == first.sent == 8
        assert len(crm.campaigns.members(camp.id)) == 10

    def test_campaign_launch_crashed_midway_is_finished_by_a_rerun(
        self, crm: CRM, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._people(crm, 10)
        camp = self._campaign(crm)
        real = CampaignsAPI._launch_batch
        calls = []

        def crash_on_second(api: CampaignsAPI, *args: Any) -> int:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("power cut")
            return real(api, *args)

        monkeypatch.setattr(CampaignsAPI, "_launch_batch", crash_on_second)
        with pytest.raises(RuntimeError):
            crm.campaigns.launch(camp.id, at=T0, batch_size=3)
        assert crm.campaigns.get(camp.id).status.value == "launching"
        monkeypatch.setattr(CampaignsAPI, "_launch_batch", real)
        run = crm.campaigns.launch(camp.id, at=T0 + DAY, batch_size=3)
        assert (run.sent, run.held_out) == (8, 2)
        pending = crm.outbox.pending()
        assert len(pending) == len({m.contact_id for m in pending}) == 8
        assert crm.campaigns.get(camp.id).launched_at == T0  # the first call's time

    def test_campaign_withdrawn_consent_is_skipped_at_send_time(self, crm: CRM) -> None:
        people = self._people(crm, 4)
        camp = self._campaign(crm, holdout=Decimal(0))
        crm.consent.record(people[0].id, purpose="marketing_email", granted=False, at=T0)
        run = crm.campaigns.launch(camp.id, at=T0)
        assert (run.sent, run.skipped_no_consent, run.held_out) == (3, 1, 0)
        assert people[0].id not in {m.contact_id for m in crm.outbox.pending()}

    @pytest.mark.parametrize("scan_from", [1, 1000])
    def test_campaign_consent_is_decided_alike_read_in_one_pass_or_per_member(
        self, crm: CRM, monkeypatch: pytest.MonkeyPatch, scan_from: int
    ) -> None:
        # A large audience's consents are read in one pass (crmkit._api.marketing.campaigns); a
        # threshold of 1 makes this small one take that path.
        monkeypatch.setattr(campaigns_module, "_SCAN_FROM", scan_from)
        people = self._people(crm, 5, consent=4)
        crm.consent.record(people[0].id, purpose="marketing_email", granted=False, at=T0 + DAY)
        crm.consent.record(people[1].id, purpose="marketing_sms", granted=False, at=T0)
        crm.consent.record(
            people[2].id, purpose="marketing_email", channel="sms", granted=False, at=T0
        )
        camp = self._campaign(crm, holdout=Decimal(0))
        run = crm.campaigns.launch(camp.id, at=T0)
        # people[0] withdrew after the launch time (a later withdrawal still wins); [4] never
        # consented; [1] and [2] withdrew for another purpose or channel only.
        assert (run.sent, run.skipped_no_consent) == (3, 2)
        sent = {m.contact_id for m in crm.outbox.pending()}
        assert sent == {people[1].id, people[2].id, people[3].id}

    def test_campaign_audience_may_be_a_saved_segment(self, crm: CRM) -> None:
        self._people(crm, 3)
        crm.segments.save("Gold", tag("gold"))
        camp = crm.campaigns.create(
            "Saved", channel="email", audience="Gold", purpose="marketing_email", seed=1
        )
        assert crm.campaigns.launch(camp.id, at=T0).sent == 3

    def test_campaign_bad_input_names_the_field_and_writes_nothing(self, crm: CRM) -> None:
        fields: dict[str, Any]
        for fields, field in (
            ({"holdout": Decimal("0.6")}, "holdout"),
            ({"holdout": 0.1}, "holdout"),
            ({"seed": -1}, "seed"),
            ({"channel": 5}, "channel"),
            ({"name": " "}, "name"),
        ):
            with pytest.raises(ValidationError) as err:
                args: dict[str, Any] = {"channel": "email", "purpose": "marketing_email", **fields}
                crm.campaigns.create(
                    args.pop("name", "X"), audience=tag("gold"), **{"seed": 1, **args}
                )
            assert err.value.field == field
        with pytest.raises(UnknownPurposeError):
            crm.campaigns.create("X", channel="email", audience=tag("g"), purpose="spam")
        with pytest.raises(SegmentNotFoundError):
            crm.campaigns.create("X", channel="email", audience="nope", purpose="marketing_email")
        with crm.storage.unit_of_work(self.workspace) as uow:
            assert uow.records.count("campaigns") == 0

    def test_campaign_events_need_a_known_type_and_a_member(self, crm: CRM) -> None:
        people = self._people(crm, 3)
        stranger = crm.contacts.create(name="Stranger")
        camp = self._campaign(crm, holdout=Decimal(0))
        with pytest.raises(InvalidTransitionError):
            crm.campaigns.record_event(camp.id, people[0].id, "opened", at=T0)
        crm.campaigns.launch(camp.id, at=T0)
        with pytest.raises(ValidationError) as err:
            crm.campaigns.record_event(camp.id, people[0].id, "liked", at=T0)
        assert (err.value.field, err.value.value) == ("type", "liked")
        with pytest.raises(RecordNotFoundError):
            crm.campaigns.record_event(camp.id, stranger.id, "opened", at=T0)
        with pytest.raises(ValidationError) as err:
            crm.campaigns.record_event(
                camp.id, people[0].id, "opened", at=T0, revenue=Money("5", "EUR")
            )
        assert err.value.field == "revenue"
        with pytest.raises(TransactionNotFoundError):
            crm.campaigns.record_event(
                camp.id, people[0].id, "converted", at=T0, transaction_id="t"
            )
        theirs = crm.transactions.add(
            people[1].id, kind="purchase", amount=Money("5", "EUR"), occurred_at=T0
        )
        with pytest.raises(ValidationError) as err:
            crm.campaigns.record_event(
                camp.id, people[0].id, "converted", at=T0, transaction_id=theirs.id
            )
        assert err.value.field == "transaction_id"
        assert crm.campaigns.events(camp.id) == []

    def test_campaign_events_need_a_messaged_member_after_the_launch(self, crm: CRM) -> None:
        people = self._people(crm, 10, consent=8)
        camp = self._campaign(crm)
        crm.campaigns.launch(camp.id, at=T0)
        members = crm.campaigns.members(camp.id)
        held = next(m for m in members if m.group is Group.HELD_OUT)
        sent = next(m for m in members if m.messaged)
        unconsenting = {c.id for c in people[8:]}
        for who in [held.contact_id, *unconsenting]:
            with pytest.raises(InvalidTransitionError) as err:
                crm.campaigns.record_event(camp.id, who or "", "opened", at=T0)
            assert err.value.field == "contact_id"
        with pytest.raises(InvalidDatetimeError):
            crm.campaigns.record_event(camp.id, sent.contact_id or "", "opened", at=T0 - DAY)
        assert crm.campaigns.events(camp.id) == []

    def test_campaign_memberships_of_a_contact_oldest_first(self, crm: CRM) -> None:
        people = self._people(crm, 2)
        first = self._campaign(crm, holdout=Decimal(0))
        second = self._campaign(crm, holdout=Decimal(0))
        crm.campaigns.launch(first.id, at=T0)
        crm.campaigns.launch(second.id, at=T0 + DAY)
        mine = crm.campaigns.for_contact(people[0].id)
        assert [m.campaign_id for m in mine] == [first.id, second.id]
        assert crm.campaigns.for_contact(crm.contacts.create(name="New").id) == []
        with pytest.raises(ContactNotFoundError):
            crm.campaigns.for_contact("nobody")

    def test_campaign_unsubscribe_withdraws_consent(self, crm: CRM) -> None:
        people = self._people(crm, 2)
        camp = self._campaign(crm, holdout=Decimal(0))
        crm.campaigns.launch(camp.id, at=T0)
        crm.campaigns.record_event(camp.id, people[0].id, "unsubscribed", at=T0 + DAY)
        last = crm.consent.for_contact(people[0].id)[-1]
        assert (last.purpose, last.channel, last.granted) == ("marketing_email", "email", False)
        second = self._campaign(crm, holdout=Decimal(0))
        assert crm.campaigns.launch(second.id, at=T0 + 2 * DAY).skipped_no_consent == 1

    def test_campaign_report_matches_a_hand_count(self, crm: CRM) -> None:
        self._people(crm, 10)
        camp = self._campaign(crm)
        crm.campaigns.launch(camp.id, at=T0)
        members = crm.campaigns.members(camp.id)
        treated = sorted(m.contact_id or "" for m in members if m.group is Group.TREATED)
        held = sorted(m.contact_id or "" for m in members if m.group is Group.HELD_OUT)
        buy = {treated[0]: "30.00", treated[1]: "10.00", held[0]: "5.00"}
        for cid, amount in buy.items():
            crm.transactions.add(
                cid, kind="purchase", amount=Money(amount, "EUR"), occurred_at=T0 + DAY
            )
        crm.transactions.add(
            treated[2], kind="purchase", amount=Money("99", "EUR"), occurred_at=T0 + 40 * DAY
        )
        for cid in treated[:5]:
            crm.campaigns.record_event(camp.id, cid, "delivered", at=T0)
        for cid in treated[:3]:
            crm.campaigns.record_event(camp.id, cid, "opened", at=T0 + DAY)
        crm.campaigns.record_event(camp.id, treated[0], "clicked", at=T0 + DAY)
        crm.campaigns.record_event(
            camp.id, treated[0], "converted", at=T0 + DAY, revenue=Money("30.00", "EUR")
        )
        rep = crm.campaigns.report(camp.id, window=timedelta(days=30))
        assert (rep.sent, rep.held_out, rep.delivered, rep.opened, rep.clicked) == (8, 2, 5, 3, 1)
        assert (rep.converted_events, rep.treated, rep.holdout) == (1, 8, 2)
        assert (rep.conversions, rep.holdout_conversions) == (2, 1)
        assert rep.revenue == Money("40.00", "EUR")
        assert rep.uplift == pytest.approx(2 / 8 - 1 / 2)
        assert rep.uplift_ci is not None
        assert rep.uplift_ci[0] < 2 / 8 - 1 / 2 < rep.uplift_ci[1]
        assert rep.revenue_uplift is not None
        assert rep.revenue_uplift.treated_mean == Decimal("5.0000")

    def test_campaign_members_are_added_all_or_none(self, crm: CRM) -> None:
        a, b, c = self._people(crm, 3)
        camp = self._campaign(crm)

        def member(n: int, contact_id: str, group: Group = Group.TREATED) -> CampaignMember:
            return CampaignMember(f"m-{n}", camp.id, contact_id, group, n % 2 == 0, T0)

        with crm.storage.unit_of_work(crm.workspace) as uow:
            assert uow.campaign_members.add_many([member(1, a.id)]) == 1
            uow.commit()
        bad = {
            "id held": ([member(2, b.id), member(1, c.id)], AlreadyExistsError),
            "id repeated": ([member(2, b.id), member(2, c.id)], AlreadyExistsError),
            "contact held": ([member(2, b.id), member(3, a.id)], UniqueKeyError),
            "contact repeated": ([member(2, b.id), member(3, b.id)], UniqueKeyError),
        }
        for case, (batch, error) in bad.items():
            with crm.storage.unit_of_work(crm.workspace) as uow:
                with pytest.raises(error) as err:
                    uow.campaign_members.add_many(batch)
                assert type(err.value) is error, case
                assert uow.campaign_members.add_many([]) == 0  # the unit of work goes on
                uow.commit()
        with crm.storage.unit_of_work(crm.workspace) as uow:
            assert [m.id for m in uow.campaign_members.of_campaign(camp.id)] == ["m-1"]
            uow.campaign_members.add_many([member(2, b.id, Group.HELD_OUT), member(4, c.id)])
            assert uow.campaign_members.counts(camp.id) == {
                (Group.TREATED, False): 1,
                (Group.HELD_OUT, True): 1,
                (Group.TREATED, True): 1,
            }
            assert uow.campaign_members.measured(camp.id) == {
                b.id: Group.HELD_OUT,
                c.id: Group.TREATED,
            }
            buys = [
                Transaction.new(
                    contact_id=cid,
                    kind=kind,
                    amount=Money(amount, "EUR"),
                    occurred_at=T0 + days * DAY,
                )
                for cid, days, amount, kind in (
                    (b.id, 1, "5", TransactionKind.PURCHASE),
                    (b.id, 0, "7", TransactionKind.PURCHASE),
                    (b.id, 2, "7", TransactionKind.REFUND),
                    (a.id, 1, "9", TransactionKind.PURCHASE),
                    (c.id, 40, "3", TransactionKind.PURCHASE),
                )
            ]
            uow.transactions.add_many(buys)
            window = {"since": T0, "until": T0 + 30 * DAY}
            # a did not consent, c bought after the window, a refund is no purchase: b's
            # purchases only, oldest first
            assert uow.campaign_members.measured_purchases(camp.id, **window) == {
                b.id: [Money("7", "EUR"), Money("5", "EUR")]
            }
            assert uow.campaign_members.detach_contact(c.id) == 1
            assert uow.campaign_members.for_contact(c.id) == []
            assert uow.campaign_members.measured(camp.id) == {b.id: Group.HELD_OUT}
            uow.commit()

    def test_campaign_report_counts_merged_twins_once_and_not_the_erased(self, crm: CRM) -> None:
        people = self._people(crm, 6)
        camp = self._campaign(crm, holdout=Decimal(0))
        crm.campaigns.launch(camp.id, at=T0)
        a, b, gone = people[:3]
        crm.transactions.add(b.id, kind="purchase", amount=Money("10", "EUR"), occurred_at=T0)
        crm.merge(a.id, b.id)  # both were messaged: the survivor now holds two memberships
        crm.contacts.erase(gone.id)
        rep = crm.campaigns.report(camp.id)
        assert (rep.sent, rep.treated, rep.conversions) == (6, 4, 1)
        assert rep.revenue == Money("10", "EUR")

    def test_campaign_report_needs_a_launch_and_one_currency(self, crm: CRM) -> None:
        people = self._people(crm, 4)
        camp = self._campaign(crm, holdout=Decimal("0.5"))
        with pytest.raises(InvalidTransitionError):
            crm.campaigns.report(camp.id)
        crm.campaigns.launch(camp.id, at=T0)
        for c, amount in zip(people, (Money("10", "EUR"), Money("20", "PLN")), strict=False):
            crm.transactions.add(c.id, kind="purchase", amount=amount, occurred_at=T0 + DAY)
        with pytest.raises(CurrencyMismatchError):
            crm.campaigns.report(camp.id)
        with pytest.raises(ValidationError) as err:
            crm.campaigns.report(camp.id, currency="ZZZZ")
        assert err.value.field == "currency"
        rep = crm.campaigns.report(camp.id, currency="pln")
        assert rep.conversions + rep.holdout_conversions == 2  # a purchase converts either way
        assert rep.revenue in (None, Money("20", "PLN"))
        with pytest.raises(ValidationError):
            crm.campaigns.report(camp.id, window=timedelta(0))

    def test_campaign_members_and_events_follow_merge_and_unmerge(self, crm: CRM) -> None:
        people = self._people(crm, 3)
        keeper = crm.contacts.create(name="Keeper")
        camp = self._campaign(crm, holdout=Decimal(0))
        crm.campaigns.launch(camp.id, at=T0)
        crm.campaigns.record_event(camp.id, people[0].id, "opened", at=T0)
        merged = crm.merge(keeper.id, people[0].id)
        assert (merged.moved["campaign_members"], merged.moved["campaign_events"]) == (1, 1)
        crm.campaigns.record_event(camp.id, keeper.id, "clicked", at=T0)
        crm.unmerge(merged.merge_id or "")
        owners = {e.type.value: e.contact_id for e in crm.campaigns.events(camp.id)}
        assert owners["opened"] == people[0].id

    def test_campaign_records_are_exported_and_kept_detached_on_erasure(self, crm: CRM) -> None:
        people = self._people(crm, 3)
        camp = self._campaign(crm, holdout=Decimal(0))
        crm.campaigns.launch(camp.id, at=T0)
        crm.campaigns.record_event(camp.id, people[0].id, "opened", at=T0)
        exported = crm.contacts.export(people[0].id)
        assert len(exported["campaign_members"]) == len(exported["campaign_events"]) == 1  # type: ignore[arg-type]
        assert exported["campaign_members"][0]["campaign"] == "Spring Gold"  # type: ignore[index,call-overload]
        crm.contacts.erase(people[0].id)
        rep = crm.campaigns.report(camp.id)
        assert (rep.sent, rep.opened, rep.treated) == (3, 1, 2)
        assert all(m.contact_id != people[0].id for m in crm.campaigns.members(camp.id))
        assert all(m.contact_id != people[0].id for m in crm.outbox.pending())
