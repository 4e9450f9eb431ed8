"""Merging and unmerging contacts with all their records."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest

from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    ContactNotFoundError,
    DuplicateContactError,
    InvalidTransitionError,
    MergeConflictError,
    MergeNotFoundError,
    StaleVersionError,
    UnmergeOrderError,
    ValidationError,
)
from crmkit.testing.contract._base import ContractBase

__all__ = ["MergeContract"]


class MergeContract(ContractBase):
    """Merging and unmerging contacts with all their records."""

    # -- merge and unmerge -----------------------------------------------------------------

    def _pair(self, crm: CRM) -> tuple[Contact, Contact]:
        a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"], tags={"vip"})
        b = crm.contacts.create(
            name="Besa K.",
            phones=["069 123 4567"],
            city="Tiranë",
            handles={"instagram": "besa.kola"},
        )
        crm.interactions.log(a.id, channel="email", summary="a1")
        crm.interactions.log(b.id, channel="phone", summary="b1")
        crm.interactions.log(b.id, channel="instagram", summary="b2")
        return a, b

    def test_merge_moves_identities_and_records_to_the_survivor(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        result = crm.merge(a.id, b.id, by="arta")
        assert result.moved == {**result.moved, "interactions": 2}
        merged = crm.contacts.get(a.id)
        assert (merged.name, merged.city, merged.phones) == (
            "Besa Kola",
            "Tiranë",
            ("+355691234567",),
        )
        assert crm.contacts.find(phone="+355691234567") == merged
        assert {i.summary for i in crm.timeline(a.id)} == {"a1", "b1", "b2"}
        with pytest.raises(ContactNotFoundError):
            crm.contacts.get(b.id)

    def test_merge_dry_run_reports_and_writes_nothing(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        preview = crm.merge(a.id, b.id, dry_run=True)
        assert preview.merge_id is None
        assert preview.moved["interactions"] == 2
        assert preview.contact.phones == ("+355691234567",)
        assert crm.contacts.get(a.id) == a
        assert crm.contacts.get(b.id) == b
        assert [i.summary for i in crm.timeline(b.id)] == ["b2", "b1"]

    def test_unmerge_restores_both_contacts_and_their_records_exactly(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        before_a = [i.id for i in crm.timeline(a.id)]
        before_b = [i.id for i in crm.timeline(b.id)]
        result = crm.merge(a.id, b.id)
        assert result.merge_id is not None
        crm.unmerge(result.merge_id)
        restored = crm.contacts.get(a.id)
        assert attrs.evolve(restored, version=a.version) == a
        assert restored.version > result.contact.version
        assert crm.contacts.get(b.id) == b
        assert [i.id for i in crm.timeline(a.id)] == before_a
        assert [i.id for i in crm.timeline(b.id)] == before_b
        assert crm.contacts.find(phone="+355691234567") == b

    def test_unmerge_twice_or_after_later_changes_is_refused(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        first = crm.merge(a.id, b.id)
        assert first.merge_id is not None
        crm.contacts.update(a.id, city="Durrës")
        with pytest.raises(StaleVersionError):
            crm.unmerge(first.merge_id)
        c = crm.contacts.create(name="C")
        second = crm.merge(a.id, c.id)
        assert second.merge_id is not None
        crm.unmerge(second.merge_id)
        with pytest.raises(InvalidTransitionError):
            crm.unmerge(second.merge_id)
        with pytest.raises(MergeNotFoundError):
            crm.unmerge("no-such-merge")

    def test_merging_a_contact_into_itself_is_refused(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A")
        with pytest.raises(ValidationError):
            crm.merge(a.id, a.id)

    # -- several handles on one network ----------------------------------------------------

    def _two_instagrams(self, crm: CRM) -> tuple[Contact, Contact]:
        a = crm.contacts.create(name="Besa Kola", handles={"instagram": "besa.kola"})
        b = crm.contacts.create(name="Besa Shop", handles={"instagram": "besa.shop"})
        return a, b

    def test_merge_keeps_both_handles_on_one_network(self, crm: CRM) -> None:
        a, b = self._two_instagrams(crm)
        merged = crm.merge(a.id, b.id).contact
        assert merged.handles == {"instagram": "besa.kola"}
        assert merged.extra_handles == (("instagram", "besa.shop"),)
        assert crm.contacts.get(a.id) == merged
        assert crm.contacts.find(handle=("instagram", "besa.kola")) == merged
        assert crm.contacts.find(handle=("instagram", "besa.shop")) == merged
        assert crm.resolve(handle=("instagram", "besa.shop")).contact == merged

    def test_message_on_the_merged_handle_reaches_the_survivor(self, crm: CRM) -> None:
        a, b = self._two_instagrams(crm)
        crm.merge(a.id, b.id)
        message = crm.record(handle=("instagram", "besa.shop"), channel="instagram", summary="hi")
        assert message.contact_id == a.id
        assert crm.contacts.count() == 1

    def test_unmerge_gives_each_contact_its_handle_back(self, crm: CRM) -> None:
        a, b = self._two_instagrams(crm)
        merge_id = crm.merge(a.id, b.id).merge_id
        assert merge_id is not None
        crm.unmerge(merge_id)
        assert crm.contacts.get(b.id) == b
        assert crm.contacts.find(handle=("instagram", "besa.shop")) == b
        restored = crm.contacts.find(handle=("instagram", "besa.kola"))
        assert restored is not None
        assert restored.id == a.id
        assert restored.extra_handles == ()

    def test_add_identity_keeps_the_first_handle_of_a_network(self, crm: CRM) -> None:
        a, _ = self._two_instagrams(crm)
        c = crm.contacts.add_identity(a.id, handle=("instagram", "@Besa.Travel"))
        assert c.all_handles == (("instagram", "besa.kola"), ("instagram", "besa.travel"))
        assert crm.contacts.find(handle=("instagram", "besa.travel")) == c
        again = crm.contacts.add_identity(a.id, handle=("instagram", "besa.travel"))
        assert again.all_handles == c.all_handles

    def test_a_merged_extra_handle_stays_unique_in_the_workspace(self, crm: CRM) -> None:
        a, b = self._two_instagrams(crm)
        crm.merge(a.id, b.id)
        with pytest.raises(DuplicateContactError):
            crm.contacts.create(name="X", handles={"instagram": "besa.shop"})

    # -- undoing chained merges ------------------------------------------------------------

    def _chain(self, crm: CRM) -> tuple[Contact, Contact, Contact, str, str]:
        """A <- B, then A <- C; returns the three contacts as they were and both merge ids."""
        a = crm.contacts.create(
            name="Besa", emails=["besa@example.al"], handles={"instagram": "besa"}
        )
        b = crm.contacts.create(
            name="B. Kola",
            city="Tiranë",
            phones=["069 123 4567"],
            handles={"instagram": "besa.shop"},
            tags={"b2b"},
        )
        c = crm.contacts.create(
            name="Besa Kola",
            emails=["besa.kola@example.al"],
            handles={"tiktok": "besa"},
            custom={"tier": "gold"},
        )
        for contact in (a, b, c):
            crm.interactions.log(contact.id, channel="email", summary=contact.name)
        first, second = crm.merge(a.id, b.id).merge_id, crm.merge(a.id, c.id).merge_id
        assert first is not None
        assert second is not None
        return a, b, c, first, second

    def _assert_apart(self, crm: CRM, *contacts: Contact) -> None:
        for contact in contacts:
            now = crm.contacts.get(contact.id)
            assert attrs.evolve(now, version=contact.version, updated_at=contact.updated_at) == (
                contact
            )
            assert [i.summary for i in crm.timeline(contact.id)] == [contact.name]

    def test_chained_merges_undo_in_reverse_order(self, crm: CRM) -> None:
        a, b, c, first, second = self._chain(crm)
        crm.unmerge(second)
        self._assert_apart(crm, c)
        crm.unmerge(first)
        self._assert_apart(crm, a, b, c)
        assert crm.contacts.find(handle=("instagram", "besa.shop")) == crm.contacts.get(b.id)

    def test_chained_merges_undo_out_of_order(self, crm: CRM) -> None:
        a, b, c, first, second = self._chain(crm)
        crm.unmerge(first)
        self._assert_apart(crm, b)
        middle = crm.contacts.get(a.id)
        assert (middle.city, middle.phones, middle.tags) == (None, (), frozenset())
        assert middle.emails == ("besa@example.al", "besa.kola@example.al")
        assert middle.handles == {"instagram": "besa", "tiktok": "besa"}
        assert middle.extra_handles == ()
        assert middle.custom == {"tier": "gold"}
        crm.unmerge(second)
        self._assert_apart(crm, a, b, c)

    def test_out_of_order_undo_keeps_an_earlier_creation_time_from_a_later_merge(
        self, crm: CRM
    ) -> None:
        oldest = crm.contacts.create(name="C")
        older = crm.contacts.create(name="B")
        newest = crm.contacts.create(name="A")
        first = crm.merge(newest.id, older.id).merge_id
        second = crm.merge(newest.id, oldest.id).merge_id
        assert first is not None
        assert second is not None
        crm.unmerge(first)
        assert crm.contacts.get(newest.id).created_at == oldest.created_at
        crm.unmerge(second)
        assert crm.contacts.get(newest.id).created_at == newest.created_at

    def test_unmerge_keeps_changes_made_since_to_other_fields(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        merge_id = crm.merge(a.id, b.id).merge_id
        assert merge_id is not None
        crm.contacts.update(a.id, owner="mira")
        crm.contacts.add_identity(a.id, email="besa@work.al")
        crm.unmerge(merge_id)
        after = crm.contacts.get(a.id)
        assert (after.owner, after.city) == ("mira", None)
        assert after.emails == ("besa@example.al", "besa@work.al")
        assert after.phones == ()
        assert crm.contacts.get(b.id) == b

    def test_unmerge_names_the_fields_changed_since(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        merge_id = crm.merge(a.id, b.id).merge_id
        assert merge_id is not None
        crm.contacts.update(a.id, city="Durrës", custom={"note": "x"})
        with pytest.raises(MergeConflictError) as caught:
            crm.unmerge(merge_id)
        assert (caught.value.merge_id, caught.value.fields) == (merge_id, ("city",))
        assert "city" in str(caught.value)
        assert crm.contacts.get(a.id).city == "Durrës"
        with pytest.raises(ContactNotFoundError):
            crm.contacts.get(b.id)

    def test_out_of_order_undo_names_a_field_a_later_merge_changed(self, crm: CRM) -> None:
        a = crm.contacts.create(name="B")
        b = crm.contacts.create(name="Be")
        c = crm.contacts.create(name="Besa")
        first = crm.merge(a.id, b.id, rules={"name": "most_complete"}).merge_id
        second = crm.merge(a.id, c.id, rules={"name": "most_complete"}).merge_id
        assert first is not None
        assert second is not None
        with pytest.raises(MergeConflictError) as caught:
            crm.unmerge(first)
        assert caught.value.fields == ("name",)
        crm.unmerge(second)
        crm.unmerge(first)
        assert crm.contacts.get(a.id).name == "B"

    def test_undoing_a_merge_whose_survivor_was_merged_since_names_the_merge_to_undo_first(
        self, crm: CRM
    ) -> None:
        a, b = self._pair(crm)
        z = crm.contacts.create(name="Zana", emails=["zana@example.al"])
        first, second = crm.merge(a.id, b.id).merge_id, crm.merge(z.id, a.id).merge_id
        assert first is not None
        assert second is not None
        with pytest.raises(UnmergeOrderError) as caught:
            crm.unmerge(first)
        err = caught.value
        assert (err.merge_id, err.contact_id, err.undo_first) == (first, a.id, (second,))
        assert f"merge {first!r} cannot be undone yet" in str(err)
        assert f"undo merge {second!r} first" in str(err)
        assert [c.id for c in crm.contacts.all()] == [z.id]
        crm.unmerge(second)
        crm.unmerge(first)
        assert crm.contacts.get(b.id) == b

    def test_a_longer_chain_names_every_merge_to_undo_newest_first(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        z, y = crm.contacts.create(name="Zana"), crm.contacts.create(name="Yll")
        ids = [
            crm.merge(a.id, b.id).merge_id,
            crm.merge(z.id, a.id).merge_id,
            crm.merge(y.id, z.id).merge_id,
        ]
        with pytest.raises(UnmergeOrderError) as caught:
            crm.unmerge(ids[0] or "")
        assert caught.value.undo_first == (ids[2], ids[1])
        assert "in that order" in str(caught.value)
        with pytest.raises(UnmergeOrderError) as caught:
            crm.unmerge(ids[1] or "")
        assert caught.value.undo_first == (ids[2],)
        for merge_id in reversed(ids):
            crm.unmerge(merge_id or "")
        assert crm.contacts.count() == 4

    # -- interactions recorded after a merge -----------------------------------------------

    def test_a_message_on_the_merged_contacts_identity_follows_it_back(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        merge_id = crm.merge(a.id, b.id).merge_id
        assert merge_id is not None
        theirs = crm.record(phone="069 123 4567", channel="phone", summary="after, b")
        handle = crm.record(handle=("instagram", "besa.kola"), channel="instagram", summary="dm")
        ours = crm.record(email="besa@example.al", channel="email", summary="after, a")
        assert {theirs.contact_id, handle.contact_id, ours.contact_id} == {a.id}
        crm.unmerge(merge_id)
        assert [i.summary for i in crm.timeline(b.id)] == ["dm", "after, b", "b2", "b1"]
        assert [i.summary for i in crm.timeline(a.id)] == ["after, a", "a1"]

    def test_a_message_logged_without_an_identity_stays_on_the_survivor(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        merge_id = crm.merge(a.id, b.id).merge_id
        assert merge_id is not None
        crm.interactions.log(a.id, channel="phone", summary="called")
        crm.unmerge(merge_id)
        assert [i.summary for i in crm.timeline(a.id)] == ["called", "a1"]

    def test_records_store_the_identity_they_came_in_on(self, crm: CRM) -> None:
        a, _ = self._pair(crm)
        message = crm.record(email="BESA@example.al", phone="+1 202 555 0143", channel="email")
        assert message.contact_id == a.id
        assert crm.interactions.get(message.id).via == "email:besa@example.al"
        assert crm.interactions.log(a.id, channel="email").via is None

    # -- merging while messages arrive -----------------------------------------------------

    def test_merge_succeeds_while_messages_arrive_for_the_pair(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        started, stop = threading.Barrier(4), threading.Event()

        def send(n: int) -> list[str]:
            started.wait(timeout=30)
            ids: list[str] = []
            while (not stop.is_set() or len(ids) < 3) and len(ids) < 200:
                phone, email = ("069 123 4567", None) if n % 2 else (None, "besa@example.al")
                ids.append(
                    crm.record(
                        channel="sms", summary=f"{n}-{len(ids)}", phone=phone, email=email
                    ).id
                )
            return ids

        with ThreadPoolExecutor(max_workers=3) as pool:
            senders = [pool.submit(send, n) for n in range(3)]
            started.wait(timeout=30)
            try:
                result = crm.merge(a.id, b.id)
            finally:
                stop.set()
            sent = [i for future in senders for i in future.result()]
        assert result.merge_id is not None
        assert crm.contacts.count() == 1
        assert {crm.interactions.get(i).contact_id for i in sent} == {a.id}
        assert len(crm.timeline(a.id, limit=None)) == 3 + len(sent)

    def test_unmerge_succeeds_while_messages_arrive_for_the_pair(self, crm: CRM) -> None:
        a, b = self._pair(crm)
        merge_id = crm.merge(a.id, b.id).merge_id
        assert merge_id is not None
        started, stop = threading.Barrier(4), threading.Event()

        def send(n: int) -> list[tuple[str, str]]:
            """(interaction id, whose identity it came in on): B's phone or A's email."""
            started.wait(timeout=30)
            sent: list[tuple[str, str]] = []
            while (not stop.is_set() or len(sent) < 3) and len(sent) < 200:
                if n % 2:
                    message = crm.record(channel="sms", summary=f"{n}", phone="069 123 4567")
                    sent.append((message.id, b.id))
                else:
                    message = crm.record(channel="email", summary=f"{n}", email="besa@example.al")
                    sent.append((message.id, a.id))
            return sent

        with ThreadPoolExecutor(max_workers=3) as pool:
            senders = [pool.submit(send, n) for n in range(3)]
            started.wait(timeout=30)
            try:
                crm.unmerge(merge_id)
            finally:
                stop.set()
            sent = [pair for future in senders for pair in future.result()]
        assert crm.contacts.count() == 2
        assert [(i, crm.interactions.get(i).contact_id) for i, _ in sent] == sent
        held = len(crm.timeline(a.id, limit=None)) + len(crm.timeline(b.id, limit=None))
        assert held == 3 + len(sent)
