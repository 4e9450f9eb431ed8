"""Fuzzy resolve, record() auto-linking, and the duplicate-review queue on this backend."""

from __future__ import annotations

from typing import Any

import pytest

from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    InvalidTransitionError,
    ReviewItemNotFoundError,
    ValidationError,
)
from crmkit.identity.contact_match import match_keys
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["ResolveContract"]


def _holders(crm: CRM, contact: Contact) -> set[str]:
    """Ids filed under any of *contact*'s blocking keys, as the backend has them."""
    with crm.storage.unit_of_work(crm.workspace, read_only=True) as uow:
        held = uow.contacts.match_key_holders(dict.fromkeys(match_keys(contact), 10000))
    return {cid for ids in held.values() for cid in ids}


class ResolveContract(ContractBase):
    """Fuzzy resolve, record() auto-linking, and the duplicate-review queue."""

    def _hristo(self, crm: CRM) -> Contact:
        return crm.contacts.create(
            name="Hristo Stoyanov", phones=["+359887123456"], city="Sofia", birthday="1985-03-02"
        )

    # -- resolve ---------------------------------------------------------------------------

    def test_exact_identity_still_decides_with_score_one(self, crm: CRM) -> None:
        c = self._hristo(crm)
        res = crm.resolve(phone="+359 887 123 456")
        assert (res.contact, res.score, res.reasons) == (c, 1.0, ("phone equal",))

    def test_cross_script_name_with_city_is_a_candidate_not_the_contact(self, crm: CRM) -> None:
        c = self._hristo(crm)
        crm.contacts.create(name="Maria Ivanova", city="Sofia")
        res = crm.resolve(name="Христо Стоянов", city="София")
        assert res.contact is None
        assert [cand.contact.id for cand in res.candidates] == [c.id]
        assert any(r.startswith("last name equal") for r in res.candidates[0].reasons)

    def test_corroborated_fuzzy_match_is_the_contact_and_writes_nothing(self, crm: CRM) -> None:
        c = self._hristo(crm)
        res = crm.resolve(name="Христо Стоянов", birthday="1985-03-02", phone="+44 7887 123456")
        assert res.contact == c
        assert res.score >= crm.match_policy.match_threshold
        assert any(r.startswith("birthday equal") for r in res.reasons)
        assert crm.contacts.count() == 1
        assert crm.contacts.get(c.id) == c

    def test_candidates_come_best_first(self, crm: CRM) -> None:
        strong = self._hristo(crm)
        weak = crm.contacts.create(name="Hristo Stoyanov", city="Plovdiv")
        res = crm.resolve(name="Hristo Stoyanov", city="Sofia", birthday="1985-03-02")
        assert [cand.contact.id for cand in res.candidates] == [strong.id, weak.id]
        assert res.candidates[0].score > res.candidates[1].score

    def test_two_equally_sure_candidates_leave_the_contact_unset(self, crm: CRM) -> None:
        for city in ("Sofia", "Varna"):
            crm.contacts.create(name="Hristo Stoyanov", birthday="1985-03-02", city=city)
        res = crm.resolve(name="Hristo Stoyanov", birthday="1985-03-02")
        assert res.contact is None
        assert len(res.candidates) == 2

    def test_different_first_names_on_one_number_are_not_candidates(self, crm: CRM) -> None:
        crm.contacts.create(name="Maria Stoyanova", phones=["+359887123456"])
        res = crm.resolve(name="Hristo Stoyanov", phone="+44 7887 123456")
        assert res.candidates == ()

    def test_a_name_with_an_exact_match_also_lists_fuzzy_candidates(self, crm: CRM) -> None:
        c = self._hristo(crm)
        twin = crm.contacts.create(name="Hristo Stoyanov", emails=["hristo@abv.bg"])
        res = crm.resolve(phone="+359887123456", name="Hristo Stoyanov")
        assert res.contact == c
        assert [cand.contact.id for cand in res.candidates] == [c.id, twin.id]

    def test_fuzzy_candidates_stay_in_their_workspace(self, storage: Storage) -> None:
        other = CRM(storage=storage, workspace="elsewhere", clock=lambda: T0)
        other.contacts.create(name="Hristo Stoyanov", birthday="1985-03-02")
        crm = CRM(storage=storage, workspace=self.workspace, clock=lambda: T0)
        assert crm.resolve(name="Hristo Stoyanov", birthday="1985-03-02").candidates == ()

    def test_thresholds_are_overridable_and_checked(self, crm: CRM, storage: Storage) -> None:
        c = self._hristo(crm)
        query: dict[str, Any] = {"name": "Hristo Stoyanov", "phone": "+44 7887 123456"}
        assert crm.resolve(**query).contact == c
        strict = CRM(storage=storage, workspace=self.workspace, match_threshold=0.999999)
        assert strict.resolve(**query).contact is None
        assert strict.resolve(**query, threshold=0.9).contact == c
        with pytest.raises(ValidationError) as info:
            CRM(storage=storage, match_threshold=1.5)
        assert info.value.field == "match_threshold"
        with pytest.raises(ValidationError):
            CRM(storage=storage, match_threshold=0.6, review_threshold=0.8)
        with pytest.raises(ValidationError):
            crm.resolve(name="Hristo", threshold=0)

    def test_bad_evidence_is_rejected_naming_the_field(self, crm: CRM) -> None:
        with pytest.raises(ValidationError) as info:
            crm.resolve(name=42)
        assert info.value.field == "name"
        with pytest.raises(ValidationError) as info:
            crm.record(channel="phone", phone="+359887123456", birthday="31/02/1985")
        assert info.value.field == "birthday"
        assert crm.contacts.count() == 0

    @pytest.mark.parametrize(
        ("stored", "asked"),
        [
            ("Besa Kola", "Besa Kola"),
            ("Hristo Stoyanov", "Христо Стоянов"),
            ("Małgorzata Wójcik", "Gosia Wojcik"),
            ("پویا رضایی", "پويا رضايي"),
        ],
    )
    def test_a_name_alone_never_makes_a_contact_confident(
        self, crm: CRM, stored: str, asked: str
    ) -> None:
        c = crm.contacts.create(name=stored)
        res = crm.resolve(name=asked, threshold=0.01)
        assert res.contact is None
        assert [cand.contact.id for cand in res.candidates] == [c.id]

    # -- record and the review queue -------------------------------------------------------

    def test_record_links_a_confident_fuzzy_match_and_adds_the_identity(self, crm: CRM) -> None:
        c = self._hristo(crm)
        it = crm.record(
            channel="phone",
            phone="+44 7887 123456",
            name="Христо Стоянов",
            birthday="1985-03-02",
            summary="call from abroad",
        )
        assert it.contact_id == c.id
        assert crm.contacts.get(c.id).phones == ("+359887123456", "+447887123456")
        assert crm.contacts.count() == 1
        assert crm.review_queue() == []

    def _likely(self, crm: CRM) -> tuple[Contact, str]:
        old = crm.contacts.create(name="Besa Kola", emails=["besa.kola@gmail.com"])
        it = crm.record(channel="phone", phone="+355691234567", name="Besa Kola", summary="hello")
        return old, it.contact_id

    def test_record_creates_a_new_contact_and_flags_a_likely_duplicate(self, crm: CRM) -> None:
        old, new_id = self._likely(crm)
        assert new_id != old.id
        assert crm.contacts.get(new_id).phones == ("+355691234567",)
        [item] = crm.review_queue()
        assert (item.contact_id, item.candidate_ids, item.status) == (new_id, (old.id,), "open")
        assert crm.match_policy.review_threshold <= item.score
        assert item.reasons
        assert item.created_at == T0

    def test_unlikely_matches_are_not_flagged(self, crm: CRM) -> None:
        crm.contacts.create(name="Besa Kola", city="Tiranë")
        crm.record(channel="phone", phone="+355691234567", name="Arben Hoxha")
        assert crm.review_queue() == []

    def test_merging_a_review_item_merges_and_closes_it(self, crm: CRM) -> None:
        old, _new_id = self._likely(crm)
        [item] = crm.review_queue()
        done = crm.resolve_review(item.id, action="merge")
        assert (done.status, done.resolved_at) == ("merged", T0)
        assert done.merge_id is not None
        merged = crm.contacts.get(old.id)
        assert (merged.emails, merged.phones) == (("besa.kola@gmail.com",), ("+355691234567",))
        assert crm.contacts.count() == 1
        assert crm.review_queue() == []
        assert crm.review_queue(status="merged") == [done]
        with pytest.raises(InvalidTransitionError):
            crm.resolve_review(item.id, action="dismiss")

    def test_unmerge_reopens_the_review_item(self, crm: CRM) -> None:
        old, new_id = self._likely(crm)
        [item] = crm.review_queue()
        done = crm.resolve_review(item.id, action="merge")
        assert done.merge_id is not None
        crm.unmerge(done.merge_id)
        assert crm.review_queue() == [item]
        assert {c.id for c in crm.contacts.all()} == {old.id, new_id}

    def test_a_plain_merge_of_the_pair_closes_the_item_too(self, crm: CRM) -> None:
        old, new_id = self._likely(crm)
        result = crm.merge(old.id, new_id)
        [item] = crm.review_queue(status="merged")
        assert item.merge_id == result.merge_id

    def test_merging_a_candidate_elsewhere_renames_it_in_the_item(self, crm: CRM) -> None:
        old, _new_id = self._likely(crm)
        third = crm.contacts.create(name="Besa Kola", city="Durrës")
        result = crm.merge(third.id, old.id)
        [item] = crm.review_queue()
        assert item.candidate_ids == (third.id,)
        assert result.merge_id is not None
        crm.unmerge(result.merge_id)
        assert crm.review_queue()[0].candidate_ids == (old.id,)

    def test_dismissing_keeps_both_contacts(self, crm: CRM) -> None:
        old, new_id = self._likely(crm)
        [item] = crm.review_queue()
        done = crm.resolve_review(item.id, action="dismiss")
        assert done.status == "dismissed"
        assert crm.review_queue() == []
        assert crm.review_queue(status=None) == [done]
        assert {c.id for c in crm.contacts.all()} == {old.id, new_id}

    def test_bad_review_requests_are_refused(self, crm: CRM) -> None:
        self._likely(crm)
        [item] = crm.review_queue()
        with pytest.raises(ReviewItemNotFoundError):
            crm.resolve_review("no-such-item", action="dismiss")
        with pytest.raises(ValidationError) as info:
            crm.resolve_review(item.id, action="delete")
        assert info.value.field == "action"
        with pytest.raises(ValidationError):
            crm.resolve_review(item.id, action="merge", candidate_id=item.contact_id)
        with pytest.raises(ValidationError):
            crm.review_queue(status="pending")
        assert crm.review_queue() == [item]

    # -- the stored blocking keys ----------------------------------------------------------

    def test_blocking_keys_follow_updates(self, crm: CRM) -> None:
        c = self._hristo(crm)
        assert _holders(crm, c) == {c.id}
        crm.contacts.update(c.id, name="Petar Petrov", birthday=None)
        assert crm.resolve(name="Hristo Stoyanov", city="Sofia").candidates == ()
        assert crm.resolve(name="Petar Petrov").candidates[0].contact.id == c.id

    def test_blocking_keys_follow_merge_and_unmerge(self, crm: CRM) -> None:
        a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        b = crm.contacts.create(name="Arben Hoxha", birthday="1990-05-01")
        result = crm.merge(a.id, b.id)
        assert result.merge_id is not None
        assert b.id not in _holders(crm, b)
        assert a.id in _holders(crm, b)  # the survivor took b's birthday
        assert crm.resolve(name="Besa Kola", birthday="1990-05-01").contact == result.contact
        crm.unmerge(result.merge_id)
        assert _holders(crm, b) == {b.id}
        assert crm.resolve(name="Arben Hoxha", birthday="1990-05-01").contact == b

    def test_rolled_back_writes_leave_no_blocking_keys(self, crm: CRM, storage: Storage) -> None:
        ghost = Contact.new(name="Hristo Stoyanov", birthday="1985-03-02", now=T0)
        with storage.unit_of_work(self.workspace) as uow:
            uow.contacts.add(ghost)
        assert _holders(crm, ghost) == set()
        assert crm.resolve(name="Hristo Stoyanov", birthday="1985-03-02").candidates == ()

    def test_rebuilding_the_match_index_keeps_the_answers(self, crm: CRM) -> None:
        c = self._hristo(crm)
        crm.contacts.create(name="Maria Ivanova")
        before = crm.resolve(name="Христо Стоянов", city="София")
        assert crm.rebuild_match_index() == 2
        assert crm.resolve(name="Христо Стоянов", city="София") == before
        assert before.candidates[0].contact == c
