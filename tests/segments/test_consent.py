"""Consent: latest record wins, audiences with addresses, suppression markers, export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Money
from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.interactions import Interaction
from crmkit.privacy.consent import (
    DEFAULT_PURPOSES,
    ConsentRecord,
    audience,
    contact_address,
    deciding_record,
    export_person,
    is_suppressed,
    may_contact,
    suppression_hashes,
)
from crmkit.value.ledger import Transaction

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rec(
    day: int,
    granted: bool,
    *,
    purpose: str = "marketing_email",
    channel: str | None = "email",
    contact_id: str = "c1",
) -> ConsentRecord:
    return ConsentRecord.new(
        contact_id=contact_id,
        purpose=purpose,
        channel=channel,
        granted=granted,
        at=T0 + timedelta(days=day),
    )


@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=12))
def test_the_latest_record_decides(events: list[tuple[int, bool]]) -> None:
    records = [rec(day, granted) for day, granted in events]
    at = T0 + timedelta(days=31)
    latest_day = max(day for day, _ in events)
    at_latest = {granted for day, granted in events if day == latest_day}
    expected = at_latest == {True}  # at equal times a withdrawal wins
    assert may_contact(records, "marketing_email", "email", at) is expected
    assert may_contact(list(reversed(records)), "marketing_email", "email", at) is expected


def test_no_record_means_no_contact() -> None:
    assert may_contact([], "marketing_email", "email", T0) is False


def test_records_after_the_moment_asked_about_do_not_count() -> None:
    records = [rec(1, True), rec(10, False)]
    assert may_contact(records, "marketing_email", "email", T0 + timedelta(days=5))
    assert not may_contact(records, "marketing_email", "email", T0 + timedelta(days=10))


def test_a_record_without_channel_covers_every_channel_until_a_specific_one_follows() -> None:
    records = [
        rec(1, True, purpose="marketing_sms", channel=None),
        rec(2, False, purpose="marketing_sms", channel="whatsapp"),
    ]
    at = T0 + timedelta(days=3)
    assert may_contact(records, "marketing_sms", "sms", at)
    assert not may_contact(records, "marketing_sms", "whatsapp", at)
    assert deciding_record(records, "marketing_sms", "sms", at) == records[0]


def test_consent_for_one_purpose_says_nothing_about_another() -> None:
    assert not may_contact([rec(1, True)], "profiling", "email", T0 + timedelta(days=2))


def test_unknown_purpose_is_rejected_and_purposes_can_be_extended() -> None:
    with pytest.raises(ValidationError) as err:
        rec(1, True, purpose="spam")
    assert err.value.field == "purpose"
    with pytest.raises(ValidationError):
        may_contact([], "spam", "email", T0)
    club = DEFAULT_PURPOSES | {"loyalty_club"}
    r = ConsentRecord.new(
        contact_id="c1", purpose="loyalty_club", granted=True, at=T0, purposes=club
    )
    assert may_contact([r], "loyalty_club", "email", T0, purposes=club)


def test_records_validate_time_and_flags() -> None:
    with pytest.raises(InvalidDatetimeError):
        ConsentRecord.new(
            contact_id="c1", purpose="profiling", granted=True, at=datetime(2026, 1, 1)
        )
    with pytest.raises(ValidationError):
        ConsentRecord.new(contact_id="c1", purpose="profiling", granted="yes", at=T0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ConsentRecord.new(contact_id="c1", purpose="profiling", granted=True, at=T0, proof="a\x00b")


def test_audience_keeps_consenting_contacts_with_an_address_for_the_channel() -> None:
    a = Contact.new(id="a", emails=["a@x.pl"], phones=["+48601234567"])
    b = Contact.new(id="b", phones=["+48601234568"])  # consents but has no email
    c = Contact.new(id="c", emails=["c@x.pl"])  # withdrew
    d = Contact.new(id="d", emails=["d@x.pl"])  # never asked
    consents = [
        rec(1, True, contact_id="a"),
        rec(1, True, contact_id="b"),
        rec(1, True, contact_id="c"),
        rec(2, False, contact_id="c"),
    ]
    members = audience(
        [a, b, c, d],
        consents,
        purpose="marketing_email",
        channel="email",
        at=T0 + timedelta(days=5),
    )
    assert [(m.contact.id, m.address) for m in members] == [("a", "a@x.pl")]


def test_addresses_per_channel() -> None:
    c = Contact.new(
        emails=["a@x.pl"],
        phones=["+48601234567"],
        handles={"telegram": "ana_k", "instagram": "ana.k"},
    )
    assert contact_address(c, "sms") == "+48601234567"
    assert contact_address(c, "whatsapp") == "+48601234567"
    assert contact_address(c, "telegram") == "ana_k"
    assert contact_address(c, "instagram") == "ana.k"
    assert contact_address(Contact.new(), "email") is None


def test_suppression_recognises_normalised_identities_only_with_the_same_salt() -> None:
    c = Contact.new(
        emails=["besa@example.al"],
        phones=["069 123 4567"],
        region="AL",
        handles={"instagram": "@Besa.Kola"},
    )
    marks = suppression_hashes(c.identity_keys(), salt="workspace-a-salt")
    assert is_suppressed(marks, salt="workspace-a-salt", phone="+355 69 123 4567")
    assert is_suppressed(marks, salt="workspace-a-salt", handle=("Instagram", "besa.kola"))
    assert is_suppressed(marks, salt="workspace-a-salt", phone="069 123 4567", region="AL")
    assert not is_suppressed(marks, salt="workspace-b-salt", email="besa@example.al")
    assert not is_suppressed(marks, salt="workspace-a-salt", email="other@example.al")
    assert all("besa" not in h for h in marks)
    with pytest.raises(ValidationError):
        suppression_hashes(c.identity_keys(), salt="")


def test_export_holds_everything_given_and_is_json_serialisable() -> None:
    c = Contact.new(
        name="Besa Kola", emails=["besa@example.al"], tags={"vip"}, custom={"vat_registered": True}
    )
    it = Interaction.new(
        contact_id=c.id, channel="phone", summary="Asked about Gold", occurred_at=T0
    )
    tx = Transaction.new(
        contact_id=c.id, kind="purchase", amount=Money("49.90", "EUR"), occurred_at=T0
    )
    consent = rec(1, True, contact_id=c.id)
    out = export_person(
        c, records={"interactions": [it], "transactions": [tx], "consents": [consent]}, now=T0
    )
    again = json.loads(json.dumps(out))
    assert again["contact"] == c.to_dict()
    assert again["interactions"][0]["summary"] == "Asked about Gold"
    assert again["transactions"][0]["amount"] == {"amount": "49.90", "currency": "EUR"}
    assert again["consents"][0] == consent.to_dict()
    with pytest.raises(ValidationError):
        export_person(c, records={"contact": []})


def test_consent_round_trips_through_its_dict_form() -> None:
    r = rec(3, False, channel=None)
    assert ConsentRecord.from_dict(json.loads(json.dumps(r.to_dict()))) == r
