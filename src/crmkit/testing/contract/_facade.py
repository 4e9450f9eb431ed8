"""The CRM facade on this backend: bad input never writes; record() recognises people."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest

from crmkit._types import new_id
from crmkit.crm import CRM
from crmkit.errors import (
    ContactNotFoundError,
    DuplicateContactError,
    InvalidDatetimeError,
    InvalidEmailError,
    InvalidHandleError,
    InvalidMoneyError,
    InvalidPhoneError,
    ValidationError,
)
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import ContractBase

__all__ = ["FacadeContract"]


class FacadeContract(ContractBase):
    """The CRM facade on this backend: bad input never writes; record() recognises people."""

    @pytest.mark.parametrize(
        ("fields", "error", "field"),
        [
            ({"emails": ["not-an-email"]}, InvalidEmailError, "email"),
            ({"phones": ["12"]}, InvalidPhoneError, "phone"),
            ({"handles": {"instagram": "two words"}}, InvalidHandleError, "handle"),
            ({"birthday": "31/02/1990"}, InvalidDatetimeError, "birthday"),
            ({"region": "Albania"}, ValidationError, "region"),
            ({"custom": {"price": object()}}, ValidationError, "custom.price"),
            ({"custom": {"note": "a\x00b"}}, ValidationError, "custom.note"),
            ({"city": "Tir\x00anë"}, ValidationError, "city"),
            ({"family_name": "Kola \ud800"}, ValidationError, "family_name"),
        ],
    )
    def test_invalid_contact_fields_raise_naming_the_field_and_write_nothing(
        self, crm: CRM, fields: dict[str, Any], error: type[Exception], field: str
    ) -> None:
        with pytest.raises(error) as info:
            crm.contacts.create(name="X", **fields)
        assert getattr(info.value, "field", None) == field
        assert crm.contacts.count() == 0

    def test_phone_without_country_code_or_region_is_rejected(self, storage: Storage) -> None:
        crm = CRM(storage=storage, workspace=self.workspace)
        with pytest.raises(InvalidPhoneError):
            crm.contacts.create(name="X", phones=["069 123 4567"])
        assert crm.contacts.count() == 0

    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"channel": 42}, InvalidHandleError),
            ({"channel": "phone", "occurred_at": datetime(2026, 1, 1)}, InvalidDatetimeError),
            ({"channel": "phone", "direction": "sideways"}, ValidationError),
        ],
    )
    def test_invalid_interaction_writes_nothing(
        self, crm: CRM, fields: dict[str, Any], error: type[Exception]
    ) -> None:
        c = crm.contacts.create(name="A")
        with pytest.raises(error):
            crm.interactions.log(c.id, **fields)
        with pytest.raises(error):
            crm.interactions.log_many(
                [{"contact_id": c.id, "channel": "phone"}, {"contact_id": c.id, **fields}]
            )
        assert crm.timeline(c.id) == []

    def test_logging_for_an_unknown_contact_writes_nothing(self, crm: CRM) -> None:
        c = crm.contacts.create(name="A")
        with pytest.raises(ContactNotFoundError):
            crm.interactions.log("missing", channel="phone")
        with pytest.raises(ContactNotFoundError):
            crm.interactions.log_many(
                [
                    {"contact_id": c.id, "channel": "phone"},
                    {"contact_id": "missing", "channel": "phone"},
                ]
            )
        assert crm.timeline(c.id) == []

    def test_timeline_tells_an_unknown_contact_from_one_without_history(
        self, crm: CRM, storage: Storage
    ) -> None:
        quiet = crm.contacts.create(name="Quiet")
        assert crm.timeline(quiet.id) == []
        assert crm.last_interaction(quiet.id) is None
        with pytest.raises(ContactNotFoundError):
            crm.timeline("missing")
        other = CRM(storage=storage, workspace=self.workspace + "-other")
        theirs = other.contacts.create(name="Theirs")
        other.interactions.log(theirs.id, channel="phone", summary="their call")
        with pytest.raises(ContactNotFoundError):
            crm.timeline(theirs.id)

    def test_float_money_and_unknown_currency_are_rejected(self) -> None:
        from crmkit import Money

        with pytest.raises(InvalidMoneyError):
            Money(9.99, "EUR")  # type: ignore[arg-type]
        with pytest.raises(InvalidMoneyError):
            Money("9.99", "EURO")

    def test_record_attaches_the_same_person_across_channels(self, crm: CRM) -> None:
        first = crm.record(channel="instagram", handle="@Besa.Kola", name="Besa", summary="hi")
        crm.contacts.add_identity(first.contact_id, phone="069 123 4567")
        call = crm.record(channel="phone", phone="+355 69 123 4567", summary="call")
        assert call.contact_id == first.contact_id
        assert crm.contacts.count() == 1
        assert crm.last_interaction(first.contact_id) == call

    def test_record_of_two_peoples_identities_goes_to_the_one_it_came_in_on(self, crm: CRM) -> None:
        agron = crm.contacts.create(name="Agron Kola", phones=["+355691234567"])
        besa = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        mail = crm.record(channel="email", phone="+355691234567", email="besa@example.al")
        call = crm.record(channel="phone", phone="+355691234567", email="besa@example.al")
        assert (mail.contact_id, call.contact_id) == (besa.id, agron.id)
        # Each keeps its own identities; nobody was merged.
        assert crm.contacts.get(besa.id).phones == ()
        assert crm.contacts.get(agron.id).emails == ()
        assert crm.contacts.count() == 2
        # One review item asks whether they are one person, however many messages come.
        items = crm.review_queue()
        assert [(i.contact_id, i.candidate_ids) for i in items] == [(besa.id, (agron.id,))]
        assert items[0].reasons[0] == "one touchpoint's identities"

    def test_record_without_an_entry_identity_follows_the_name(self, crm: CRM) -> None:
        crm.contacts.create(name="Agron Kola", phones=["+355691234567"])
        besa = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        form = crm.record(
            channel="webform", phone="+355691234567", email="besa@example.al", name="Besa Kola"
        )
        assert form.contact_id == besa.id

    def test_record_on_a_declared_shared_line_files_no_review(self, crm: CRM) -> None:
        line = "04 222 3344"
        agron = crm.contacts.create(name="Agron Kola")
        crm.contacts.add_identity(agron.id, phone=line, shared=True)
        besa = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        it = crm.record(channel="email", phone=line, email="besa@example.al", summary="hi")
        assert it.contact_id == besa.id
        assert crm.review_queue() == []
        assert crm.contacts.get(besa.id).phones == ()

    def test_concurrent_records_of_one_new_phone_create_one_contact(self, crm: CRM) -> None:
        def call(n: int) -> str:
            return crm.record(
                channel="phone", phone="+355 69 765 4321", summary=f"call {n}"
            ).contact_id

        with ThreadPoolExecutor(max_workers=8) as pool:
            owners = set(pool.map(call, range(32)))
        assert len(owners) == 1
        assert crm.contacts.count() == 1
        assert len(crm.timeline(owners.pop(), limit=None)) == 32

    def test_concurrent_writers_recording_many_new_phones_lose_nothing(self, crm: CRM) -> None:
        phones = [f"+35569{n:07d}" for n in range(15)]
        errors: list[BaseException] = []

        def work() -> None:
            for phone in phones:
                try:
                    crm.record(channel="phone", phone=phone, summary="call")
                except BaseException as exc:
                    errors.append(exc)

        with ThreadPoolExecutor(max_workers=6) as pool:
            for _ in range(6):
                pool.submit(work)
        assert errors == []
        assert crm.contacts.count() == len(phones)
        logged = sum(len(crm.timeline(c.id, limit=None)) for c in crm.contacts.all())
        assert logged == 6 * len(phones)

    def test_add_identity_owned_by_another_contact_names_it(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A", emails=["a@example.al"])
        b = crm.contacts.create(name="B")
        with pytest.raises(DuplicateContactError) as info:
            crm.contacts.add_identity(b.id, email="A@example.al")
        assert info.value.contact_id == a.id
        assert crm.contacts.get(b.id).emails == ()

    def test_new_id_is_unique_and_ordered(self) -> None:
        ids = [new_id() for _ in range(1000)]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
