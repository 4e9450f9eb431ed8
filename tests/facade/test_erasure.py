"""Erasure through the facade: import options, CRM settings."""

from __future__ import annotations

import pytest

from crmkit import CRM
from crmkit.errors import UnknownPurposeError, ValidationError
from crmkit.privacy.consent import DEFAULT_PURPOSES


def test_suppressed_rows_do_not_fail_an_all_or_nothing_import(crm: CRM) -> None:
    c = crm.contacts.create(name="Besa", emails=["besa@example.al"])
    crm.contacts.erase(c.id)
    report = crm.import_contacts(
        [{"email": "besa@example.al"}, {"email": "ana@example.al"}], all_or_nothing=True
    )
    assert report.summary() == {"suppressed": 1, "created": 1}


def test_a_dry_run_reports_suppressed_rows_and_writes_nothing(crm: CRM) -> None:
    c = crm.contacts.create(name="Besa", emails=["besa@example.al"])
    crm.contacts.erase(c.id)
    report = crm.import_contacts([{"email": "besa@example.al"}], dry_run=True)
    assert [r.action for r in report.rows] == ["suppressed"]
    assert crm.contacts.count() == 0


def test_is_suppressed_needs_an_identity(crm: CRM) -> None:
    with pytest.raises(ValidationError):
        crm.erasures.is_suppressed()
    assert crm.erasures.is_suppressed(email="nobody@example.al") is False


def test_erase_refuses_bad_by_and_reason_before_writing(crm: CRM) -> None:
    c = crm.contacts.create(name="Besa")
    with pytest.raises(ValidationError):
        crm.contacts.erase(c.id, by=" ")
    with pytest.raises(ValidationError):
        crm.contacts.erase(c.id, reason=42)  # type: ignore[arg-type]
    assert crm.contacts.get(c.id) == c


def test_crm_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        CRM(suppression_pepper="short")
    with pytest.raises(ValidationError):
        CRM(purposes=["Not Valid"])
    crm = CRM(purposes=DEFAULT_PURPOSES | {"loyalty_club"})
    assert "loyalty_club" in crm.purposes
    with pytest.raises(UnknownPurposeError):
        CRM().audience(purpose="loyalty_club", channel="email")
