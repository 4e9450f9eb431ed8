"""The segment compiler's own promises: values only as parameters, text folded at write time,
bad input refused before any SQL runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmkit import CRM, Money
from crmkit.errors import InvalidDatetimeError, InvalidSegmentError, ValidationError
from crmkit.segments import Segment, field, interactions, purchases, tag
from crmkit.storage import SQLiteStorage
from crmkit.storage.sql._folded import CONTACT_FOLDED, ORGANIZATION_FOLDED
from crmkit.storage.sql._segment_sql import compile_segment
from crmkit.storage.sql._session import Row
from crmkit.text import fold

NOW = datetime(2026, 6, 15, tzinfo=UTC)
ODD = "Zq'x\"--;%_"


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SQLiteStorage]:
    s = SQLiteStorage(tmp_path / "crm.sqlite")
    yield s
    s.close()


def _twins(storage: SQLiteStorage, table: str, columns: tuple[str, ...]) -> list[Row]:
    twins = ", ".join(f"{c}, {c}_fold" for c in columns)
    with storage.unit_of_work("acme", read_only=True) as uow:
        return uow.session.fetchall(f"SELECT id, {twins} FROM {table} ORDER BY id")


def _assert_folded(rows: list[Row]) -> None:
    for row in rows:
        for value, folded in zip(row[1::2], row[2::2], strict=True):
            assert folded == (None if value is None else fold(value)), row


def test_every_text_column_is_stored_beside_its_fold(storage: SQLiteStorage) -> None:
    crm = CRM(storage=storage, workspace="acme", clock=lambda: NOW)
    org = crm.organizations.create(name="Алфа", legal_form="ООД", industry="Ritejl Ë",
                                   domain="Alfa.BG", country="BG")  # fmt: skip
    c = crm.contacts.create(
        name=" Besa  KOLA", given_name="Ëndrit", family_name="Çela", region="AL", city="Tiranë",
        address="Rruga ۱۲", postcode="۱۰۰۱", organization_id=org.id, owner="علي",
        lifecycle_stage="Lead",
    )  # fmt: skip
    crm.contacts.create(name="Ana")  # the other twins stay NULL
    crm.contacts.update(c.id, city="СОФИЯ")
    crm.organizations.update(org.id, industry="Ритейл")
    contacts = _twins(storage, "contacts", CONTACT_FOLDED)
    assert [r[CONTACT_FOLDED.index("city") * 2 + 2] for r in contacts] == ["софия", None]
    _assert_folded(contacts)
    _assert_folded(_twins(storage, "organizations", ORGANIZATION_FOLDED))


def test_an_erased_contact_leaves_no_folded_copy(storage: SQLiteStorage) -> None:
    crm = CRM(storage=storage, workspace="acme", clock=lambda: NOW)
    c = crm.contacts.create(name="Besa Kola", city="Tiranë", emails=["besa@example.al"])
    crm.contacts.create(name="Ana", city="Sofia")
    crm.contacts.erase(c.id)
    folds = {f for r in _twins(storage, "contacts", CONTACT_FOLDED) for f in r[2::2]}
    assert folds.isdisjoint({"besa kola", "tirane"})
    assert "sofia" in folds


@pytest.mark.parametrize(
    "seg",
    [
        field("city") == ODD,
        field("city").contains(ODD),
        field(f"custom.{ODD}") == ODD,
        field("organization.industry").is_in([ODD, "x"]),
        tag(ODD),
        interactions(channel="phone", within_days=9).count >= 7,
        purchases(within_days=9).total >= Money("123.45", "EUR"),
    ],
)
def test_compiled_sql_carries_values_only_as_parameters(
    storage: SQLiteStorage, seg: Segment
) -> None:
    with storage.unit_of_work("acme", read_only=True) as uow:
        sql, params = compile_segment(uow.session, "acme", seg, NOW)
    for text in (ODD.casefold(), "Zq", "123.45", "phone", "--"):
        assert text not in sql
    assert sql.count("?") == len(params)


def test_bad_segments_are_refused_on_sqlite(storage: SQLiteStorage) -> None:
    crm = CRM(storage=storage, clock=lambda: NOW)
    with pytest.raises(InvalidSegmentError):
        crm.segments.members("city = 'Sofia'")  # type: ignore[arg-type]
    with pytest.raises(InvalidDatetimeError):
        crm.segments.count(tag("vip"), now=datetime(2026, 6, 15))
    for build in (lambda: field("shoe_size") == 42, lambda: field("city") == 3,
                  lambda: field("birthday").contains("05")):  # fmt: skip
        with pytest.raises(ValidationError):
            build()
