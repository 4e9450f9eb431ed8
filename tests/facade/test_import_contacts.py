from __future__ import annotations

import pytest

from crmkit import CRM
from crmkit.errors import ConflictError, ValidationError

ROWS = [
    {"first_name": "Besa", "last_name": "Kola", "email": "besa@example.al", "city": "Tiranë"},
    {"full_name": "Ivan Petrov", "phone": "+359 888 123 456", "company": "Alfa Trade"},
    {"first_name": "B.", "email": "BESA@example.al", "phone": "069 123 4567", "tags": "vip"},
]


def test_import_creates_new_people_and_updates_known_ones(crm: CRM) -> None:
    report = crm.import_contacts(ROWS)
    assert report.summary() == {"created": 2, "updated": 1}
    besa = crm.contacts.find(email="besa@example.al")
    assert besa is not None
    assert (besa.name, besa.phones, besa.tags) == ("Besa Kola", ("+355691234567",), {"vip"})
    ivan = crm.contacts.find(phone="+359888123456")
    assert ivan is not None
    assert ivan.custom == {"company": "Alfa Trade"}


def test_reimporting_the_same_rows_changes_nothing(crm: CRM) -> None:
    crm.import_contacts(ROWS)
    again = crm.import_contacts(ROWS)
    assert again.summary() == {"unchanged": 3}
    assert crm.contacts.count() == 2


def test_bad_rows_are_reported_with_reasons_and_the_rest_proceeds(crm: CRM) -> None:
    rows = [ROWS[0], {"full_name": "X", "email": "not-an-email"}, {"phone": "12"}, {}]
    report = crm.import_contacts(rows)
    assert [r.action for r in report.rows] == ["created", "error", "error", "error"]
    assert report.rows[1].reason is not None
    assert report.rows[1].reason.startswith("email")
    assert report.rows[2].reason is not None
    assert report.rows[2].reason.startswith("phone")
    assert crm.contacts.count() == 1


def test_all_or_nothing_writes_nothing_when_a_row_fails(crm: CRM) -> None:
    with pytest.raises(ValidationError) as info:
        crm.import_contacts([ROWS[0], {"email": "bad"}], all_or_nothing=True)
    assert info.value.field == "rows[1]"
    assert crm.contacts.count() == 0


def test_dry_run_reports_and_writes_nothing(crm: CRM) -> None:
    report = crm.import_contacts(ROWS, dry_run=True)
    assert report.dry_run
    assert report.summary() == {"created": 2, "updated": 1}
    assert crm.contacts.count() == 0


def test_row_whose_identities_belong_to_two_contacts_is_a_conflict(crm: CRM) -> None:
    a = crm.contacts.create(name="A", emails=["a@example.al"])
    b = crm.contacts.create(name="B", phones=["+355691234567"])
    report = crm.import_contacts([{"email": "a@example.al", "phone": "069 123 4567"}])
    assert report.rows[0].action == "conflict"
    assert crm.contacts.get(a.id) == a
    assert crm.contacts.get(b.id) == b
    with pytest.raises(ConflictError):
        crm.import_contacts(
            [{"email": "a@example.al", "phone": "069 123 4567"}], all_or_nothing=True
        )


def test_matching_only_on_email_reports_a_phone_owned_by_someone_else(crm: CRM) -> None:
    owner = crm.contacts.create(name="Owner", phones=["+355691234567"])
    report = crm.import_contacts(
        [{"email": "new@example.al", "phone": "069 123 4567"}], match_on=["email"]
    )
    assert report.rows[0].action == "conflict"
    assert report.rows[0].contact_id == owner.id


def test_progress_is_reported(crm: CRM) -> None:
    seen: list[tuple[int, int | None]] = []
    crm.import_contacts(ROWS, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)


def test_unknown_match_key_is_rejected(crm: CRM) -> None:
    with pytest.raises(ValidationError):
        crm.import_contacts(ROWS, match_on=["name"])


@pytest.mark.parametrize("bad", [0, -5, True, 2.5, "100", None])
def test_a_batch_size_that_is_not_a_positive_integer_is_refused(crm: CRM, bad: object) -> None:
    with pytest.raises(ValidationError) as info:
        crm.import_contacts(ROWS, batch_size=bad)  # type: ignore[arg-type]
    assert (info.value.field, info.value.value) == ("batch_size", bad)
    assert crm.contacts.count() == 0


def test_dry_run_in_batches_sees_what_earlier_batches_would_write(crm: CRM) -> None:
    report = crm.import_contacts(ROWS, dry_run=True, batch_size=1)
    assert report.summary() == {"created": 2, "updated": 1}
    assert crm.contacts.count() == 0
