"""Identifier-first linking, households, name variants and weak matches (issue #12's cases)."""

from __future__ import annotations

from datetime import UTC, datetime

from crmkit import CRM
from crmkit.identity import Matcher
from crmkit.identity.features import FEATURES, compare_records
from crmkit.identity.prepare import prepare
from crmkit.text import match_form


def _groups(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return sorted(c.ids for c in Matcher().dedupe(rows))


def _first_level(a: str, b: str) -> int:
    vector = compare_records(
        prepare({"id": 1, "first_name": a}), prepare({"id": 2, "first_name": b})
    )
    return vector[FEATURES.index("first name")]


def test_a_shared_mailbox_links_a_record_that_gives_no_name() -> None:
    rows = [
        {"id": 1, "full_name": "Jennifer Garcia", "email": "zvezda_foodie@gmail.com"},
        {"id": 2, "email": "ZVEZDA_FOODIE@GMAIL.COM"},
        {"id": 3, "full_name": "Maria Santos", "email": "msantos@yahoo.com"},
    ]
    assert _groups(rows) == [(1, 2), (3,)]


def test_a_second_phone_or_mailbox_is_no_veto_when_an_identifier_is_shared() -> None:
    rows = [
        {
            "id": 1,
            "full_name": "Piotr Zieliński",
            "phone": "+48 512 345 678",
            "email": "piotr.z@firma.pl",
        },
        {
            "id": 2,
            "full_name": "Piotrek Zielinski",
            "phone": "+48 512 345 678",
            "email": "pz1984@wp.pl",
        },
    ]
    assert _groups(rows) == [(1, 2)]


def test_an_initial_and_a_typo_are_no_conflict_on_a_shared_phone() -> None:
    rows = [
        {"id": 1, "full_name": "Dritan Hallani", "phone": "+355 69 123 4567"},
        {"id": 2, "full_name": "D. Hallani", "phone": "069 123 4567", "region": "AL"},
        {"id": 3, "first_name": "Dirtan", "phone": "+355691234567"},
    ]
    assert _groups(rows) == [(1, 2, 3)]


def test_a_household_line_keeps_two_given_names_apart() -> None:
    rows = [
        {"id": 1, "full_name": "Мария Стоянова", "phone": "+359 2 987 6543"},
        {"id": 2, "full_name": "Христо Стоянов", "phone": "02 987 6543", "region": "BG"},
        {
            "id": 3,
            "full_name": "Hristo Stoyanov",
            "phone": "+35929876543",
            "email": "hristo@abv.bg",
        },
        {"id": 4, "phone": "+35929876543"},  # either of them: left alone
    ]
    assert _groups(rows) == [(1,), (2, 3), (4,)]


def test_persian_names_read_the_same_in_either_script() -> None:
    assert match_form("زهرا") == match_form("Zahra")
    assert _first_level("زهرا", "Zahra") >= 3
    rows = [
        {
            "id": 1,
            "first_name": "زهرا",
            "last_name": "احمدي",
            "phone": "۰۹۰۱ ۶۵۰ ۰۲۸۹",
            "region": "IR",
        },
        {"id": 2, "full_name": "Zahra Ahmadi", "phone": "+98 901 650 0289"},
    ]
    assert _groups(rows) == [(1, 2)]


def test_clipped_pet_names_and_initials_fit_the_given_name() -> None:
    assert _first_level("Roni", "Agron") == 2
    assert _first_level("Eli", "Elena") == 2
    assert _first_level("D.", "Dritan") == 2
    assert _first_level("D.", "Arben") == 1
    assert _first_level("Blerina", "Arben") == 1


def test_the_same_given_name_and_birthday_a_digit_apart_is_a_typo_not_a_sibling() -> None:
    rows = [
        {
            "id": 1,
            "first_name": "Archie",
            "last_name": "Campbell",
            "birthday": "1973-09-03",
            "address": "1 Wagstaff Place",
            "postcode": "4560",
        },
        {
            "id": 2,
            "first_name": "Vendula",
            "last_name": "Campbell",
            "birthday": "1975-09-03",
            "address": "1 Wagstaff Place",
            "postcode": "4560",
        },
        {
            "id": 3,
            "first_name": "Emma",
            "last_name": "Campbell",
            "birthday": "1980-02-11",
            "address": "1 Wagstaff Place",
            "postcode": "4560",
        },
    ]
    groups = _groups(rows)
    assert (3,) in groups  # a relative born on another day stays apart


def test_empty_cells_from_pandas_never_agree() -> None:
    nan = float("nan")
    rows = [
        {"id": 1, "first_name": "Besa", "email": nan, "phone": nan, "instagram": nan},
        {"id": 2, "first_name": "Arta", "email": nan, "phone": nan, "instagram": nan},
    ]
    assert _groups(rows) == [(1,), (2,)]


def test_an_instagram_dm_then_a_call_in_another_script_files_a_review_item() -> None:
    crm = CRM(default_region="BG")
    when = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    dm = crm.record(
        channel="instagram", handle="@hristo.st", name="Христо Стоянов", occurred_at=when
    )
    call = crm.record(
        channel="phone", phone="0887 123 456", name="Hristo Stoyanov", occurred_at=when
    )
    assert call.contact_id != dm.contact_id  # a name alone never links
    (item,) = crm.review_queue(status="open")
    assert item.contact_id == call.contact_id
    assert item.candidate_ids == (dm.contact_id,)
    assert any(reason.startswith("last name equal") for reason in item.reasons)


def test_a_stranger_with_another_name_files_no_review_item() -> None:
    crm = CRM(default_region="BG")
    when = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    crm.record(channel="instagram", handle="@hristo.st", name="Христо Стоянов", occurred_at=when)
    crm.record(channel="phone", phone="0887 123 456", name="Мария Иванова", occurred_at=when)
    assert crm.review_queue(status="open") == []


def test_an_import_files_a_review_item_for_a_plausible_known_person() -> None:
    crm = CRM(default_region="BG")
    report = crm.import_contacts(
        [
            {"full_name": "Христо Стоянов", "instagram": "hristo.st"},
            {"full_name": "Hristo Stoyanov", "phone": "0887 123 456"},
            {"full_name": "Мария Иванова", "phone": "0887 555 444"},
        ]
    )
    first, second, third = report.rows
    assert (first.review_id, third.review_id) == (None, None)
    (item,) = crm.review_queue()
    assert item.id == second.review_id
    assert (item.contact_id, item.candidate_ids) == (second.contact_id, (first.contact_id,))


def test_a_dry_run_import_files_no_review_item() -> None:
    crm = CRM(default_region="BG")
    crm.contacts.create(name="Христо Стоянов", handles={"instagram": "hristo.st"})
    crm.import_contacts([{"full_name": "Hristo Stoyanov", "phone": "0887 123 456"}], dry_run=True)
    assert crm.review_queue() == []
