"""Optional fast paths: detected when a backend offers them, with a fallback otherwise."""

from __future__ import annotations

from crmkit.contacts import Contact
from crmkit.identity.contact_match import prepared_forms
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.storage.protocols import (
    MeasuredGroupsSource,
    MeasuredOutcomesSource,
    PreparedFormsSource,
    Storage,
    prepared_forms_of,
)

BESA = Contact.new(name="Besa Kola", emails=["besa@example.al"], city="Tiranë")


def _with_besa(storage: Storage) -> Storage:
    with storage.unit_of_work("acme") as uow:
        uow.contacts.add(BESA)
        uow.commit()
    return storage


def test_memory_contacts_serve_the_forms_they_keep() -> None:
    with _with_besa(MemoryStorage()).unit_of_work("acme") as uow:
        assert isinstance(uow.contacts, PreparedFormsSource)
        served = prepared_forms_of(uow.contacts)
        assert served != prepared_forms  # the repository's own method
        assert served(BESA) == prepared_forms(BESA)


def test_a_backend_without_the_fast_path_falls_back_to_folding() -> None:
    with _with_besa(SQLiteStorage(":memory:")).unit_of_work("acme") as uow:
        assert not isinstance(uow.contacts, PreparedFormsSource)
        assert prepared_forms_of(uow.contacts) is prepared_forms


def test_sql_campaign_members_count_a_report_in_the_database() -> None:
    with SQLiteStorage(":memory:").unit_of_work("acme") as uow:
        assert isinstance(uow.campaign_members, MeasuredGroupsSource)
        assert isinstance(uow.campaign_members, MeasuredOutcomesSource)
    with MemoryStorage().unit_of_work("acme") as uow:  # the definition, in Python
        assert not isinstance(uow.campaign_members, MeasuredGroupsSource)
        assert not isinstance(uow.campaign_members, MeasuredOutcomesSource)
