"""The contract every storage backend passes: memory, SQLite, PostgreSQL and yours.

The class has no ``Test`` prefix so pytest collects it only through a subclass that provides
the ``storage`` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from crmkit._types import new_id
from crmkit.contacts import Contact, Organization
from crmkit.crm import CRM
from crmkit.errors import (
    AlreadyExistsError,
    ConflictError,
    ContactNotFoundError,
    DuplicateContactError,
    InteractionNotFoundError,
    InvalidDatetimeError,
    InvalidEmailError,
    InvalidHandleError,
    InvalidMoneyError,
    InvalidPhoneError,
    InvalidTransitionError,
    MergeNotFoundError,
    OrganizationNotFoundError,
    StaleVersionError,
    ValidationError,
)
from crmkit.interactions import Interaction
from crmkit.storage.protocols import Storage

__all__ = ["StorageContract"]

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _contact(**fields: Any) -> Contact:
    return Contact.new(now=T0, **fields)


def _interaction(contact_id: str, minutes: int = 0, **fields: Any) -> Interaction:
    fields.setdefault("channel", "phone")
    return Interaction.new(
        contact_id=contact_id, occurred_at=T0 + timedelta(minutes=minutes), **fields
    )


class StorageContract:
    """Behaviour every backend must show. Override the ``storage`` fixture."""

    workspace = "contract"

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        raise NotImplementedError("subclasses provide a storage fixture")

    def _add(self, storage: Storage, *contacts: Contact, workspace: str | None = None) -> None:
        with storage.unit_of_work(workspace or self.workspace) as uow:
            for c in contacts:
                uow.contacts.add(c)
            uow.commit()

    # -- contacts --------------------------------------------------------------------------

    def test_contact_reads_back_exactly_as_written(self, storage: Storage) -> None:
        c = _contact(
            name="Małgorzata Wąsik",
            given_name="Małgorzata",
            emails=["gosia@firma.pl"],
            phones=["+48 601 234 567"],
            handles={"instagram": "@Gosia"},
            region="PL",
            city="Kraków",
            birthday=date(1988, 2, 29),
            tags={"vip", "b2b"},
            custom={"vat_registered": True, "score": 7, "notes": ["a", "ć"]},
            owner="arta",
            lifecycle_stage="lead",
        )
        self._add(storage, c)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.get(c.id) == c

    def test_unknown_contact_raises_not_found(self, storage: Storage) -> None:
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            with pytest.raises(ContactNotFoundError):
                uow.contacts.get("missing")
            assert uow.contacts.find_by_id("missing") is None

    def test_rolls_back_uncommitted_work_by_default(self, storage: Storage) -> None:
        with storage.unit_of_work(self.workspace) as uow:
            uow.contacts.add(_contact(name="Ghost", emails=["ghost@example.al"]))
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.count() == 0
            assert uow.contacts.find_by_identity("email:ghost@example.al") == []

    def test_error_inside_unit_of_work_writes_nothing(self, storage: Storage) -> None:
        first = _contact(name="A", phones=["+355691234567"])
        clash = _contact(name="B", phones=["+355691234567"])
        with pytest.raises(DuplicateContactError), storage.unit_of_work(self.workspace) as uow:
            uow.contacts.add(first)
            uow.interactions.add(_interaction(first.id))
            uow.contacts.add(clash)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.count() == 0
            assert uow.interactions.count() == 0

    def test_identity_of_another_contact_is_rejected_naming_the_owner(
        self, storage: Storage
    ) -> None:
        owner = _contact(emails=["besa@example.al"])
        self._add(storage, owner)
        with pytest.raises(DuplicateContactError) as info:
            self._add(storage, _contact(emails=["BESA@example.al"]))
        assert info.value.contact_id == owner.id
        assert info.value.identity == "email:besa@example.al"

    def test_shared_identity_may_belong_to_several_contacts(self, storage: Storage) -> None:
        key = "phone:+355421234567"
        mother = attrs.evolve(
            _contact(name="Mother", phones=["+355421234567"]), shared_identities=frozenset({key})
        )
        son = attrs.evolve(
            _contact(name="Son", phones=["+355421234567"]), shared_identities=frozenset({key})
        )
        self._add(storage, mother, son)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert {c.name for c in uow.contacts.find_by_identity(key)} == {"Mother", "Son"}

    def test_shared_identity_does_not_open_an_exclusive_one(self, storage: Storage) -> None:
        self._add(storage, _contact(name="Owner", phones=["+355421234567"]))
        sharer = attrs.evolve(
            _contact(name="Sharer", phones=["+355421234567"]),
            shared_identities=frozenset({"phone:+355421234567"}),
        )
        with pytest.raises(DuplicateContactError):
            self._add(storage, sharer)

    def test_adding_the_same_id_twice_is_a_conflict(self, storage: Storage) -> None:
        c = _contact(name="A")
        self._add(storage, c)
        with pytest.raises(AlreadyExistsError):
            self._add(storage, c)

    def test_update_moves_the_identity_index(self, storage: Storage) -> None:
        c = _contact(emails=["old@example.al"], tags={"vip"})
        self._add(storage, c)
        new = c.changed(emails=["new@example.al"], tags={"b2b"}, now=T0)
        with storage.unit_of_work(self.workspace) as uow:
            uow.contacts.update(new)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.find_by_identity("email:old@example.al") == []
            assert uow.contacts.find_by_identity("email:new@example.al") == [new]
            assert uow.contacts.get(c.id).tags == {"b2b"}

    def test_update_with_a_stale_version_is_refused(self, storage: Storage) -> None:
        c = _contact(name="A")
        self._add(storage, c)
        first = c.changed(city="Tiranë", now=T0)
        second = c.changed(city="Durrës", now=T0)  # built from the same old version
        with storage.unit_of_work(self.workspace) as uow:
            uow.contacts.update(first)
            uow.commit()
        with pytest.raises(StaleVersionError), storage.unit_of_work(self.workspace) as uow:
            uow.contacts.update(second)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.get(c.id).city == "Tiranë"

    def test_removed_contact_frees_its_identities(self, storage: Storage) -> None:
        c = _contact(phones=["+359878123456"])
        self._add(storage, c)
        with storage.unit_of_work(self.workspace) as uow:
            assert uow.contacts.remove(c.id) == c
            uow.commit()
        self._add(storage, _contact(name="Next", phones=["+359878123456"]))
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [x.name for x in uow.contacts.find_by_identity("phone:+359878123456")] == [
                "Next"
            ]

    def test_existing_ids_reports_only_known_contacts(self, storage: Storage) -> None:
        a, b = _contact(name="A"), _contact(name="B")
        self._add(storage, a, b)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.existing_ids({a.id, b.id, "nope"}) == {a.id, b.id}
            assert {c.id for c in uow.contacts.iter_all()} == {a.id, b.id}

    def test_workspaces_never_see_each_other(self, storage: Storage) -> None:
        mine = _contact(name="Mine", emails=["same@example.al"])
        theirs = _contact(name="Theirs", emails=["same@example.al"])
        self._add(storage, mine)
        self._add(storage, theirs, workspace="other")
        with storage.unit_of_work("other") as uow:
            uow.interactions.add(_interaction(theirs.id))
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.find_by_id(theirs.id) is None
            assert [c.name for c in uow.contacts.find_by_identity("email:same@example.al")] == [
                "Mine"
            ]
            assert uow.contacts.count() == 1
            assert uow.interactions.count() == 0
            assert uow.interactions.timeline(theirs.id) == []

    def test_organization_round_trips_and_versions(self, storage: Storage) -> None:
        org = Organization.new(name="Alfa Trade", vat_id="BG123456789", country="BG",
                               custom={"employees": 12})  # fmt: skip
        with storage.unit_of_work(self.workspace) as uow:
            uow.organizations.add(org)
            uow.commit()
        new = org.changed(industry="retail")
        with storage.unit_of_work(self.workspace) as uow:
            assert uow.organizations.get(org.id) == org
            uow.organizations.update(new)
            with pytest.raises(StaleVersionError):
                uow.organizations.update(new)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert list(uow.organizations.iter_all()) == [new]
            with pytest.raises(OrganizationNotFoundError):
                uow.organizations.get("missing")
        with storage.unit_of_work("other", read_only=True) as uow:
            assert uow.organizations.count() == 0

    # -- interactions ----------------------------------------------------------------------

    def test_timeline_is_newest_first_with_ties_in_reverse_creation_order(
        self, storage: Storage
    ) -> None:
        c = _contact(name="A")
        self._add(storage, c)
        its = [_interaction(c.id, minutes=m, summary=str(i)) for i, m in enumerate([5, 0, 5, 9])]
        with storage.unit_of_work(self.workspace) as uow:
            for it in its:
                uow.interactions.add(it)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [i.summary for i in uow.interactions.timeline(c.id)] == ["3", "2", "0", "1"]
            assert [i.summary for i in uow.interactions.timeline(c.id, limit=2)] == ["3", "2"]
            assert uow.interactions.get(its[0].id) == its[0]

    def test_timeline_filters_by_channel_direction_person_and_window(
        self, storage: Storage
    ) -> None:
        c = _contact(name="A")
        self._add(storage, c)
        rows = [
            _interaction(c.id, 0, channel="instagram", direction="inbound", summary="a"),
            _interaction(
                c.id, 10, channel="phone", direction="outbound", handled_by="arta", summary="b"
            ),
            _interaction(
                c.id, 20, channel="phone", direction="inbound", handled_by="mira", summary="c"
            ),
        ]
        with storage.unit_of_work(self.workspace) as uow:
            assert uow.interactions.add_many(rows) == 3
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            tl = uow.interactions.timeline
            assert [i.summary for i in tl(c.id, channel="phone")] == ["c", "b"]
            assert [i.summary for i in tl(c.id, direction="inbound")] == ["c", "a"]
            assert [i.summary for i in tl(c.id, handled_by="arta")] == ["b"]
            window = tl(c.id, since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=20))
            assert [i.summary for i in window] == ["b"]

    def test_unknown_interaction_raises_not_found(self, storage: Storage) -> None:
        with (
            storage.unit_of_work(self.workspace, read_only=True) as uow,
            pytest.raises(InteractionNotFoundError),
        ):
            uow.interactions.get("missing")

    def test_bulk_insert_is_all_or_nothing(self, storage: Storage) -> None:
        c = _contact(name="A")
        self._add(storage, c)
        dup = _interaction(c.id, 1)
        with pytest.raises(ConflictError), storage.unit_of_work(self.workspace) as uow:
            uow.interactions.add(dup)
            uow.interactions.add_many([_interaction(c.id, 2), dup])
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.interactions.count() == 0

    def test_reassigning_records_can_be_undone_exactly(self, storage: Storage) -> None:
        a, b = _contact(name="A"), _contact(name="B")
        self._add(storage, a, b)
        mine = [_interaction(a.id, m) for m in range(3)]
        theirs = [_interaction(b.id, 10)]
        with storage.unit_of_work(self.workspace) as uow:
            uow.interactions.add_many(mine + theirs)
            moved = uow.interactions.reassign_contact(a.id, b.id)
            uow.commit()
        assert sorted(moved) == sorted(i.id for i in mine)
        with storage.unit_of_work(self.workspace) as uow:
            assert len(uow.interactions.timeline(b.id)) == 4
            uow.interactions.assign_contact(moved, a.id)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [i.id for i in uow.interactions.timeline(a.id)] == [i.id for i in reversed(mine)]
            assert [i.id for i in uow.interactions.timeline(b.id)] == [theirs[0].id]

    # -- the facade on this backend: bad input never writes --------------------------------

    @pytest.fixture
    def crm(self, storage: Storage) -> CRM:
        return CRM(storage=storage, workspace=self.workspace, default_region="AL", clock=lambda: T0)

    @pytest.mark.parametrize(
        ("fields", "error", "field"),
        [
            ({"emails": ["not-an-email"]}, InvalidEmailError, "email"),
            ({"phones": ["12"]}, InvalidPhoneError, "phone"),
            ({"handles": {"instagram": "two words"}}, InvalidHandleError, "handle"),
            ({"birthday": "31/02/1990"}, InvalidDatetimeError, "birthday"),
            ({"region": "Albania"}, ValidationError, "region"),
            ({"custom": {"price": object()}}, ValidationError, "custom.price"),
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

    def test_float_money_and_unknown_currency_are_rejected(self) -> None:
        from crmkit import Money

        with pytest.raises(InvalidMoneyError):
            Money(9.99, "EUR")
        with pytest.raises(InvalidMoneyError):
            Money("9.99", "EURO")

    def test_record_attaches_the_same_person_across_channels(self, crm: CRM) -> None:
        first = crm.record(channel="instagram", handle="@Besa.Kola", name="Besa", summary="hi")
        crm.contacts.add_identity(first.contact_id, phone="069 123 4567")
        call = crm.record(channel="phone", phone="+355 69 123 4567", summary="call")
        assert call.contact_id == first.contact_id
        assert crm.contacts.count() == 1
        assert crm.last_interaction(first.contact_id) == call

    def test_record_refuses_identities_of_two_different_people(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A", phones=["+355691234567"])
        crm.contacts.create(name="B", emails=["b@example.al"])
        with pytest.raises(DuplicateContactError):
            crm.record(channel="email", phone="+355691234567", email="b@example.al")
        assert crm.timeline(a.id) == []

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

    def test_add_identity_owned_by_another_contact_names_it(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A", emails=["a@example.al"])
        b = crm.contacts.create(name="B")
        with pytest.raises(DuplicateContactError) as info:
            crm.contacts.add_identity(b.id, email="A@example.al")
        assert info.value.contact_id == a.id
        assert crm.contacts.get(b.id).emails == ()

    # -- merge and unmerge -----------------------------------------------------------------

    def _pair(self, crm: CRM) -> tuple[Contact, Contact]:
        a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"], tags={"vip"})
        b = crm.contacts.create(name="Besa K.", phones=["069 123 4567"], city="Tiranë",
                                handles={"instagram": "besa.kola"})  # fmt: skip
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

    def test_new_id_is_unique_and_ordered(self) -> None:
        ids = [new_id() for _ in range(1000)]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
