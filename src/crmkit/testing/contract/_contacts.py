"""Contacts, identities and organizations, on the repository level."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from crmkit.errors import (
    AlreadyExistsError,
    ContactNotFoundError,
    DuplicateContactError,
    OrganizationNotFoundError,
    StaleVersionError,
)
from crmkit.organizations import Organization
from crmkit.storage.protocols import Storage, contacts_by_identities
from crmkit.testing.contract._base import T0, ContractBase, make_contact, make_interaction

__all__ = ["ContactsContract"]


class ContactsContract(ContractBase):
    """Contacts, identities and organizations, on the repository level."""

    # -- contacts --------------------------------------------------------------------------

    def test_contact_reads_back_exactly_as_written(self, storage: Storage) -> None:
        c = make_contact(
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
            uow.contacts.add(make_contact(name="Ghost", emails=["ghost@example.al"]))
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.count() == 0
            assert uow.contacts.find_by_identity("email:ghost@example.al") == []

    def test_error_inside_unit_of_work_writes_nothing(self, storage: Storage) -> None:
        first = make_contact(name="A", phones=["+355691234567"])
        clash = make_contact(name="B", phones=["+355691234567"])
        with pytest.raises(DuplicateContactError), storage.unit_of_work(self.workspace) as uow:
            uow.contacts.add(first)
            uow.interactions.add(make_interaction(first.id))
            uow.contacts.add(clash)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.count() == 0
            assert uow.interactions.count() == 0

    def test_identity_of_another_contact_is_rejected_naming_the_owner(
        self, storage: Storage
    ) -> None:
        owner = make_contact(emails=["besa@example.al"])
        self._add(storage, owner)
        with pytest.raises(DuplicateContactError) as info:
            self._add(storage, make_contact(emails=["BESA@example.al"]))
        assert info.value.contact_id == owner.id
        assert info.value.identity == "email:besa@example.al"

    def test_shared_identity_may_belong_to_several_contacts(self, storage: Storage) -> None:
        key = "phone:+355421234567"
        mother = attrs.evolve(
            make_contact(name="Mother", phones=["+355421234567"]),
            shared_identities=frozenset({key}),
        )
        son = attrs.evolve(
            make_contact(name="Son", phones=["+355421234567"]), shared_identities=frozenset({key})
        )
        self._add(storage, mother, son)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert {c.name for c in uow.contacts.find_by_identity(key)} == {"Mother", "Son"}

    def test_the_holders_of_several_keys_are_those_of_each_key(self, storage: Storage) -> None:
        landline = "phone:+355421234567"
        mother = attrs.evolve(
            make_contact(name="Mother", phones=["+355421234567"], emails=["m@example.al"]),
            shared_identities=frozenset({landline}),
        )
        son = attrs.evolve(
            make_contact(name="Son", phones=["+355421234567"]),
            shared_identities=frozenset({landline}),
        )
        self._add(storage, mother, son, make_contact(name="Other", emails=["o@example.al"]))
        keys = [landline, "email:m@example.al", "email:o@example.al", "email:nobody@example.al"]
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            one_by_one = {k: found for k in keys if (found := uow.contacts.find_by_identity(k))}
            assert contacts_by_identities(uow.contacts, keys) == one_by_one
            assert contacts_by_identities(uow.contacts, []) == {}
        assert [c.name for c in one_by_one[landline]] == ["Mother", "Son"]

    def test_shared_identity_does_not_open_an_exclusive_one(self, storage: Storage) -> None:
        self._add(storage, make_contact(name="Owner", phones=["+355421234567"]))
        sharer = attrs.evolve(
            make_contact(name="Sharer", phones=["+355421234567"]),
            shared_identities=frozenset({"phone:+355421234567"}),
        )
        with pytest.raises(DuplicateContactError):
            self._add(storage, sharer)

    def test_adding_the_same_id_twice_is_a_conflict(self, storage: Storage) -> None:
        c = make_contact(name="A")
        self._add(storage, c)
        with pytest.raises(AlreadyExistsError):
            self._add(storage, c)

    def test_update_moves_the_identity_index(self, storage: Storage) -> None:
        c = make_contact(emails=["old@example.al"], tags={"vip"})
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
        c = make_contact(name="A")
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
        c = make_contact(phones=["+359878123456"])
        self._add(storage, c)
        with storage.unit_of_work(self.workspace) as uow:
            assert uow.contacts.remove(c.id) == c
            uow.commit()
        self._add(storage, make_contact(name="Next", phones=["+359878123456"]))
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [x.name for x in uow.contacts.find_by_identity("phone:+359878123456")] == [
                "Next"
            ]

    def test_existing_ids_reports_only_known_contacts(self, storage: Storage) -> None:
        a, b = make_contact(name="A"), make_contact(name="B")
        self._add(storage, a, b)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.existing_ids({a.id, b.id, "nope"}) == {a.id, b.id}
            assert {c.id for c in uow.contacts.iter_all()} == {a.id, b.id}

    def test_workspaces_never_see_each_other(self, storage: Storage) -> None:
        mine = make_contact(name="Mine", emails=["same@example.al"])
        theirs = make_contact(name="Theirs", emails=["same@example.al"])
        self._add(storage, mine)
        self._add(storage, theirs, workspace="other")
        with storage.unit_of_work("other") as uow:
            uow.interactions.add(make_interaction(theirs.id))
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
        org = Organization.new(
            name="Alfa Trade", vat_id="BG123456789", country="BG", custom={"employees": 12}
        )
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
