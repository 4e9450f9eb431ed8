"""The folded twins of text columns, read straight from the tables of both SQL backends: each
equals ``fold`` of its column after every write, an erased contact leaves none, and a
database written before migration 0013 gets them on its first open.

PostgreSQL runs when CRMKIT_TEST_POSTGRES_DSN is set, in a schema of its own dropped after.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

import pytest

from crmkit import CRM
from crmkit.segments import field
from crmkit.storage.protocols import Storage
from crmkit.storage.sql._folded import CONTACT_FOLDED, ORGANIZATION_FOLDED
from crmkit.storage.sql._session import Row
from crmkit.text import fold

NOW = datetime(2026, 6, 15, tzinfo=UTC)


class _Backend(Protocol):  # tests/storage/conftest.py
    def open(self) -> Storage: ...

    def back_to(self, version: int, *then: str) -> None: ...


@pytest.fixture
def storage(sql_backend: _Backend) -> Iterator[Storage]:
    opened = sql_backend.open()
    yield opened
    opened.close()


def _twins(storage: Storage, table: str, columns: tuple[str, ...]) -> list[Row]:
    twins = ", ".join(f"{c}, {c}_fold" for c in columns)
    with storage.unit_of_work("acme", read_only=True) as uow:
        session = uow.session  # type: ignore[attr-defined]
        rows: list[Row] = session.fetchall(f"SELECT id, {twins} FROM {table} ORDER BY id")
    return rows


def _assert_folded(rows: list[Row]) -> None:
    for row in rows:
        for value, folded in zip(row[1::2], row[2::2], strict=True):
            assert folded == (None if value is None else fold(value)), row


def test_every_text_column_is_stored_beside_its_fold(storage: Storage) -> None:
    crm = CRM(storage=storage, workspace="acme", clock=lambda: NOW)
    org = crm.organizations.create(
        name="Алфа", legal_form="ООД", industry="Ritejl Ë", domain="Alfa.BG", country="BG"
    )
    c = crm.contacts.create(
        name=" Besa  KOLA",
        given_name="Ëndrit",
        family_name="Çela",
        region="AL",
        city="Tiranë",
        address="Rruga ۱۲",
        postcode="۱۰۰۱",
        organization_id=org.id,
        owner="علي",
        lifecycle_stage="Lead",
    )
    crm.contacts.create(name="Ana")  # the other twins stay NULL
    crm.contacts.update(c.id, city="СОФИЯ")
    crm.organizations.update(org.id, industry="Ритейл")
    contacts = _twins(storage, "contacts", CONTACT_FOLDED)
    assert [r[CONTACT_FOLDED.index("city") * 2 + 2] for r in contacts] == ["софия", None]
    _assert_folded(contacts)
    _assert_folded(_twins(storage, "organizations", ORGANIZATION_FOLDED))


def test_an_erased_contact_leaves_no_folded_copy(storage: Storage) -> None:
    crm = CRM(storage=storage, workspace="acme", clock=lambda: NOW)
    c = crm.contacts.create(name="Besa Kola", city="Tiranë", emails=["besa@example.al"])
    crm.contacts.create(name="Ana", city="Sofia")
    crm.contacts.erase(c.id)
    folds = {f for r in _twins(storage, "contacts", CONTACT_FOLDED) for f in r[2::2]}
    assert folds.isdisjoint({"besa kola", "tirane"})
    assert "sofia" in folds


def test_upgrading_to_folded_text_folds_the_rows_already_held(sql_backend: _Backend) -> None:
    ids: dict[str, list[str]] = {}
    storage = sql_backend.open()
    for ws, city in (("a", "Tiranë"), ("b", "СОФИЯ")):
        crm = CRM(storage=storage, workspace=ws, clock=lambda: NOW)
        org = crm.organizations.create(name="Alfa", industry="Ritejl Ë")
        ids[ws] = [
            crm.contacts.create(name=f"Ëndrit {i}", city=city, organization_id=org.id).id
            for i in range(3)
        ]
        crm.contacts.create(name="Ana")
    storage.close()
    sql_backend.back_to(12)  # as a crmkit from before the folded twins left it
    storage = sql_backend.open()  # migrates, then folds every workspace once
    try:
        with storage.unit_of_work("", read_only=True) as uow:
            session = uow.session  # type: ignore[attr-defined]
            assert session.fetchall("SELECT workspace FROM fold_pending") == []
        a = CRM(storage=storage, workspace="a", clock=lambda: NOW)
        assert [c.id for c in a.segments.members(field("city") == "TIRANE")] == ids["a"]
        assert a.segments.count(field("name").startswith("endrit")) == 3
        assert a.segments.count(field("organization.industry") == "RITEJL E") == 3
        b = CRM(storage=storage, workspace="b", clock=lambda: NOW)
        assert [c.id for c in b.segments.members(field("city") == "софия")] == ids["b"]
        assert b.segments.count(field("city") == "tirane") == 0
    finally:
        storage.close()
