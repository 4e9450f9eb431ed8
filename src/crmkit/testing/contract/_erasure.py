"""Erasure and suppression on this backend."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from crmkit import Money
from crmkit._types import new_id
from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    ConfigurationError,
    ContactNotFoundError,
    DealNotFoundError,
    ErasedContactError,
    StorageError,
    SuppressedContactError,
    TaskNotFoundError,
)
from crmkit.identity.review import ReviewItem
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["ErasureContract"]


class _BoomError(Exception):
    pass


class ErasureContract(ContractBase):
    """An erased person leaves only anonymised ledger entries and suppression markers."""

    def _person(self, crm: CRM) -> Contact:
        c = crm.contacts.create(
            name="Besa Kola",
            emails=["besa@example.al"],
            phones=["069 123 4567"],
            handles={"instagram": "besa.kola"},
            city="Tiranë",
            address="Rruga e Kavajës 5",
            tags={"vip"},
            custom={"vat_registered": True},
            owner="arta",
        )
        crm.interactions.log(c.id, channel="phone", summary="Asked about Gold", body="details")
        crm.transactions.add(
            c.id,
            kind="purchase",
            amount=Money("49.90", "EUR"),
            occurred_at=T0,
            order_id="A-17",
            note="Besa's card",
        )
        p = crm.pipelines.create("Sales", stages=["New", "Won over"])
        d = crm.deals.create(
            pipeline_id=p.id, title="Gold for Besa", value=Money("1", "EUR"), contact_id=c.id
        )
        crm.deals.move(d.id, "Won over")
        crm.tasks.create("Call Besa back", assignee="arta", contact_id=c.id)
        crm.contacts.set_lifecycle(c.id, "lead")
        crm.consent.record(c.id, purpose="marketing_email", channel="email", granted=True)
        crm.lists.create("Launch", contact_ids=[c.id])
        return c

    def test_erase_removes_the_person_and_every_linked_record(self, crm: CRM) -> None:
        c = self._person(crm)
        other = crm.contacts.create(name="Ivan", emails=["ivan@firma.bg"])
        deal = crm.deals.for_contact(c.id)[0]
        task = crm.tasks.for_assignee("arta")[0]
        record = crm.contacts.erase(c.id, by="dpo", reason="request #17")
        assert (record.contact_ids, record.by, record.reason) == ((c.id,), "dpo", "request #17")
        assert record.markers == 3  # email, phone, handle
        assert {
            k: record.removed[k]
            for k in (
                "interactions",
                "deals",
                "tasks",
                "consents",
                "lifecycle",
                "lists",
                "transactions",
            )
        } == {
            "interactions": 1,
            "deals": 1,
            "tasks": 1,
            "consents": 1,
            "lifecycle": 1,
            "lists": 1,
            "transactions": 1,
        }
        with pytest.raises(ContactNotFoundError):
            crm.contacts.get(c.id)
        with pytest.raises(ContactNotFoundError):
            crm.contacts.export(c.id)
        with pytest.raises(DealNotFoundError):
            crm.deals.get(deal.id)
        with pytest.raises(TaskNotFoundError):
            crm.tasks.get(task.id)
        assert [x.id for x in crm.contacts.all()] == [other.id]
        assert crm.contacts.find(email="besa@example.al") is None
        assert crm.resolve(phone="+355691234567").candidates == ()
        assert crm.lists.members("Launch") == []
        assert crm.lists.history("Launch") == []
        assert crm.audience(purpose="marketing_email", channel="email") == ()
        assert crm.transactions.all() == []

    def test_erase_drops_messages_queued_for_the_person(self, crm: CRM) -> None:
        from crmkit._types import new_id
        from crmkit.tasks.outbox import QueuedMessage

        gone = crm.contacts.create(name="Besa", emails=["besa@example.al"])
        kept = crm.contacts.create(name="Arben", emails=["arben@example.al"])
        for contact in (gone, kept):
            message = QueuedMessage(
                new_id(),
                f"k-{contact.id}",
                "birthday",
                contact.id,
                "greeting",
                T0.date(),
                "email",
                {"name": contact.name},
            )
            crm.outbox.put(message)
        crm.contacts.erase(gone.id)
        assert [m.contact_id for m in crm.outbox.pending()] == [kept.id]

    def test_erase_forgets_the_automation_keys_that_name_the_person(self, crm: CRM) -> None:
        from datetime import date

        from crmkit.tasks import BirthdayGreeting, automation_key

        gone = crm.contacts.create(name="Besa", birthday=date(1990, 5, 1))
        kept = crm.contacts.create(name="Arben", birthday=date(1991, 5, 1))
        for c in (gone, kept):
            crm.consent.record(c.id, purpose="marketing_email", granted=True)
        crm.automation.run(T0.date(), rules=[BirthdayGreeting()], now=T0)
        keys = [automation_key("birthday", c.id, T0.date()) for c in (gone, kept)]
        record = crm.contacts.erase(gone.id)
        assert record.removed["automation_keys"] == 1
        with crm.storage.unit_of_work(crm.workspace, read_only=True) as uow:
            assert uow.automation.done_keys(keys) == {keys[1]}

    def test_export_shows_every_kind_an_erasure_removes(self, crm: CRM) -> None:
        from crmkit.tasks.outbox import QueuedMessage

        c = self._person(crm)
        crm.outbox.put(QueuedMessage("m-1", "k-1", "birthday", c.id, "greeting", T0.date()))
        data = crm.contacts.export(c.id)
        shown = {k: len(v) for k, v in data.items() if isinstance(v, list)}
        assert shown == {
            "interactions": 1,
            "transactions": 1,
            "deals": 1,
            "lifecycle": 1,
            "consents": 1,
            "tasks": 1,
            "lists": 1,
            "outbox": 1,
            "reviews": 0,
            "cases": 0,
            "campaign_members": 0,
            "campaign_events": 0,
            "coupons": 0,
            "coupon_redemptions": 0,
            "points_entries": 0,
            "referrals": 0,
            "quotes": 0,
            "contracts": 0,
            "assets": 0,
        }
        assert data["lists"][0]["list_name"] == "Launch"  # type: ignore[index,call-overload]
        assert data["tasks"][0]["title"] == "Call Besa back"  # type: ignore[index,call-overload]

    def test_ledger_entries_stay_detached_and_anonymised(self, crm: CRM) -> None:
        c = self._person(crm)
        before = crm.transactions.for_contact(c.id)[0]
        record = crm.contacts.erase(c.id)
        [kept] = crm.erasures.transactions()
        assert (kept.id, kept.amount, kept.occurred_at, kept.order_id, kept.kind) == (
            before.id,
            before.amount,
            before.occurred_at,
            before.order_id,
            before.kind,
        )
        assert kept.contact_id == record.id != c.id
        assert kept.note is None

    def test_erasing_again_returns_the_same_record(self, crm: CRM) -> None:
        c = self._person(crm)
        first = crm.contacts.erase(c.id)
        assert crm.contacts.erase(c.id, reason="asked twice") == first
        assert crm.erasures.all() == [first]
        assert crm.erasures.find(c.id) == first

    def test_erasing_an_unknown_contact_raises_not_found(self, crm: CRM) -> None:
        with pytest.raises(ContactNotFoundError):
            crm.contacts.erase("no-such-contact")
        assert crm.erasures.all() == []

    def test_reimport_reports_the_erased_person_as_suppressed(self, crm: CRM) -> None:
        c = self._person(crm)
        crm.contacts.erase(c.id)
        report = crm.import_contacts(
            [
                {"full_name": "Besa Kola", "email": "BESA@Example.al"},
                {"full_name": "B. K.", "phone": "+355 69 123 4567", "city": "Durrës"},
                {"full_name": "Ana", "email": "ana@example.al"},
            ]
        )
        assert [r.action for r in report.rows] == ["suppressed", "suppressed", "created"]
        assert report.suppressed[0].reason is not None
        assert "email" in report.suppressed[0].reason
        assert report.suppressed[1].reason is not None
        assert "phone" in report.suppressed[1].reason
        assert [x.name for x in crm.contacts.all()] == ["Ana"]

    def test_import_does_not_attach_an_erased_identity_to_someone_else(self, crm: CRM) -> None:
        c = self._person(crm)
        crm.contacts.erase(c.id)
        ana = crm.contacts.create(name="Ana", emails=["ana@example.al"])
        report = crm.import_contacts(
            [{"email": "ana@example.al", "phone": "069 123 4567", "region": "AL"}]
        )
        assert [(r.action, r.contact_id) for r in report.rows] == [("suppressed", ana.id)]
        assert crm.contacts.get(ana.id).phones == ()

    def test_record_and_create_refuse_an_erased_identity(self, crm: CRM) -> None:
        c = self._person(crm)
        crm.contacts.erase(c.id)
        with pytest.raises(SuppressedContactError) as err:
            crm.record(channel="phone", phone="069 123 4567", summary="Hello again")
        assert (err.value.field, err.value.value) == ("phone", "+355691234567")
        with pytest.raises(SuppressedContactError) as err:
            crm.contacts.create(name="Besa", handles={"instagram": "@Besa.Kola"})
        assert err.value.field == "handle"
        assert crm.contacts.count() == 0
        with crm.storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.interactions.count() == 0

    def test_update_and_add_identity_refuse_an_erased_identity(self, crm: CRM) -> None:
        c = self._person(crm)
        crm.contacts.erase(c.id)
        ana = crm.contacts.create(name="Ana", emails=["ana@example.al"])
        with pytest.raises(SuppressedContactError):
            crm.contacts.add_identity(ana.id, email="besa@example.al")
        with pytest.raises(SuppressedContactError):
            crm.contacts.update(ana.id, phones=["+355691234567"])
        with pytest.raises(SuppressedContactError):
            crm.record(channel="email", email="ana@example.al", phone="069 123 4567")
        assert crm.contacts.get(ana.id) == ana

    def test_a_shared_identity_a_living_contact_holds_is_not_suppressed(self, crm: CRM) -> None:
        mother = crm.contacts.create(name="Drita")
        crm.contacts.add_identity(mother.id, phone="04 222 333", shared=True)
        son = crm.contacts.create(name="Ardi")
        crm.contacts.add_identity(son.id, phone="04 222 333", shared=True)
        crm.contacts.erase(son.id)
        call = crm.record(channel="phone", phone="+355 4 222 333", summary="Drita called")
        assert call.contact_id == mother.id

    def test_erasing_a_survivor_erases_the_merged_person_and_refuses_unmerge(
        self, crm: CRM
    ) -> None:
        a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        b = crm.contacts.create(name="B. Kola", phones=["069 123 4567"])
        m = crm.merge(a.id, b.id)
        record = crm.contacts.erase(a.id)
        assert set(record.contact_ids) == {a.id, b.id}
        assert record.removed["merges_scrubbed"] == 1
        with pytest.raises(ErasedContactError) as err:
            crm.unmerge(m.merge_id or "")
        assert err.value.contact_id == a.id
        assert crm.contacts.erase(b.id) == record  # the merged id is the same erased person
        with pytest.raises(SuppressedContactError):
            crm.contacts.create(phones=["+355691234567"])
        with crm.storage.unit_of_work(self.workspace, read_only=True) as uow:
            scrubbed = uow.merges.get(m.merge_id or "")
        assert scrubbed.erased_at is not None
        assert scrubbed.survivor_before.name is None
        assert scrubbed.merged_before.phones == ()
        assert scrubbed.moved == {}

    def test_a_failed_erasure_leaves_everything_in_place(
        self, crm: CRM, storage: Storage, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        c = crm.contacts.get(self._person(crm).id)
        with storage.unit_of_work(self.workspace) as uow:
            repo_class = type(uow.contacts)

        def boom(self: Any, contact_id: str) -> Contact:
            raise _BoomError

        monkeypatch.setattr(repo_class, "remove", boom)
        with pytest.raises((_BoomError, StorageError)):
            crm.contacts.erase(c.id)
        monkeypatch.undo()
        assert crm.contacts.get(c.id) == c
        assert len(crm.timeline(c.id)) == 1
        assert len(crm.transactions.for_contact(c.id)) == 1
        assert crm.erasures.all() == []
        assert crm.erasures.transactions() == []
        assert [x.id for x in crm.lists.members("Launch")] == [c.id]
        assert crm.contacts.create(name="Other", emails=["other@example.al"]).name == "Other"
        assert not crm.erasures.is_suppressed(email="besa@example.al")

    def test_a_different_pepper_is_refused(self, storage: Storage) -> None:
        first = CRM(
            storage=storage, workspace=self.workspace, suppression_pepper="p" * 16, clock=lambda: T0
        )
        c = first.contacts.create(emails=["besa@example.al"])
        first.contacts.erase(c.id)
        for pepper in ("q" * 16, None):
            other = CRM(storage=storage, workspace=self.workspace, suppression_pepper=pepper)
            with pytest.raises(ConfigurationError):
                other.contacts.create(emails=["ana@example.al"])
        assert first.erasures.is_suppressed(email="besa@example.al")

    def test_suppression_stays_inside_its_workspace(self, storage: Storage) -> None:
        a = CRM(storage=storage, workspace="ws-a", clock=lambda: T0)
        b = CRM(storage=storage, workspace="ws-b", clock=lambda: T0)
        c = a.contacts.create(emails=["besa@example.al"])
        a.contacts.erase(c.id)
        assert b.contacts.create(emails=["besa@example.al"]).emails == ("besa@example.al",)
        assert a.erasures.is_suppressed(email="besa@example.al")
        assert not b.erasures.is_suppressed(email="besa@example.al")

    # -- review items naming the erased contact --------------------------------------------

    def _review(self, crm: CRM, new: Contact, *candidates: Contact) -> ReviewItem:
        item = ReviewItem(
            new_id(), new.id, tuple(c.id for c in candidates), 0.8, ("first name equal +5.2",), T0
        )
        with crm.storage.unit_of_work(self.workspace) as uow:
            uow.reviews.add(item)
            uow.commit()
        return item

    def _three(self, crm: CRM) -> tuple[Contact, Contact, Contact]:
        new, gone, other = (crm.contacts.create(name=n) for n in ("Besa", "Besa K", "B Kola"))
        return new, gone, other

    def test_an_erased_candidate_leaves_the_review_items_naming_it(self, crm: CRM) -> None:
        new, gone, other = self._three(crm)
        item = self._review(crm, new, gone, other)
        record = crm.contacts.erase(gone.id)
        assert crm.review_queue() == [attrs.evolve(item, candidate_ids=(other.id,))]
        assert record.removed["reviews"] == 0

    def test_a_review_item_left_with_nothing_to_decide_is_deleted(self, crm: CRM) -> None:
        new, gone, other = self._three(crm)
        self._review(crm, new, gone)  # its only candidate is erased
        self._review(crm, gone, other)  # the erased contact is the one asked about
        kept = self._review(crm, new, other)
        record = crm.contacts.erase(gone.id)
        assert crm.review_queue(status=None) == [kept]
        assert record.removed["reviews"] == 2
        with crm.storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.reviews.for_contact(gone.id) == []
        assert crm.contacts.export(other.id)["reviews"] == [kept.to_dict()]

    def test_closed_review_items_of_an_erased_person_go_with_the_merge_snapshots(
        self, crm: CRM
    ) -> None:
        a = crm.contacts.create(name="Besa Kola")
        b = crm.contacts.create(name="Besa Kola", city="Tiranë")
        done = crm.resolve_review(self._review(crm, b, a).id, action="merge")
        assert (done.status, done.merge_id is not None) == ("merged", True)
        record = crm.contacts.erase(a.id)  # and b, merged into a
        assert record.removed["reviews"] == 1
        assert crm.review_queue(status=None) == []
        with crm.storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.merges.get(done.merge_id or "").reviews == ()
