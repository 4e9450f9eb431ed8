"""Erasure values: suppression keys and markers, scrubbed merges, static-list replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.contacts import Contact
from crmkit.errors import ConfigurationError, ValidationError
from crmkit.identity.merging import MergeRecord, keep_survivor_fill_gaps
from crmkit.privacy.consent import check_purposes, contact_address, is_suppressed
from crmkit.privacy.erasure import (
    ErasureRecord,
    SuppressionKey,
    check_pepper,
    identity_field,
    new_salt,
    scrubbed_merge,
)
from crmkit.segments.lists import ListChange, members_at

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_LOCAL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@given(local=_LOCAL, upper=st.booleans())
def test_a_marker_matches_the_same_email_however_it_is_written(local: str, upper: bool) -> None:
    key = SuppressionKey.derive(new_salt(), pepper="application secret!")
    marks = key.markers(Contact.new(emails=[f"{local}@example.al"]).identity_keys())
    written = f"{local.upper() if upper else local}@EXAMPLE.al"
    assert is_suppressed(marks, salt=key.secret, email=written)
    assert not is_suppressed(marks, salt=key.secret, email=f"{local}x@example.al")


@given(local=_LOCAL)
def test_markers_of_two_salts_or_two_peppers_never_match(local: str) -> None:
    keys = [f"email:{local}@example.al"]
    salt = new_salt()
    plain = SuppressionKey.derive(salt).markers(keys)
    assert plain.isdisjoint(SuppressionKey.derive(new_salt()).markers(keys))
    assert plain.isdisjoint(SuppressionKey.derive(salt, pepper="p" * 16).markers(keys))
    assert SuppressionKey.derive(salt).markers(keys) == plain


def test_a_marker_keeps_nothing_readable() -> None:
    key = SuppressionKey.derive(new_salt())
    (marker,) = key.markers(["email:besa@example.al"])
    assert "besa" not in marker
    assert len(marker) == 64
    assert marker == key.marker("email:besa@example.al")


def test_a_wrong_pepper_is_detected_by_the_check_value() -> None:
    salt = new_salt()
    stored = SuppressionKey.derive(salt, pepper="p" * 16).check
    SuppressionKey.derive(salt, pepper="p" * 16).verify(stored)
    with pytest.raises(ConfigurationError):
        SuppressionKey.derive(salt, pepper="q" * 16).verify(stored)
    with pytest.raises(ConfigurationError):
        SuppressionKey.derive(salt).verify(stored)


@pytest.mark.parametrize("pepper", ["short", b"", 42])
def test_a_weak_pepper_is_refused(pepper: object) -> None:
    with pytest.raises(ValidationError) as err:
        check_pepper(pepper)  # type: ignore[arg-type]
    assert err.value.field == "suppression_pepper"
    assert str(pepper) not in str(err.value) or pepper == b""  # the secret is not echoed


def test_a_salt_must_be_hex() -> None:
    with pytest.raises(ValidationError):
        SuppressionKey.derive("not hex")


def test_identity_fields_name_the_kind_of_identity() -> None:
    assert identity_field("phone:+355691234567") == ("phone", "+355691234567")


def test_erasure_records_round_trip() -> None:
    r = ErasureRecord(
        "e1", ("c1", "c0"), T0, by="dpo", reason="request", markers=2, removed={"interactions": 3}
    )
    assert ErasureRecord.from_dict(r.to_dict()) == r
    assert r.contact_id == "c1"
    with pytest.raises(ValidationError):
        ErasureRecord.check_reason("bad\x00reason")


def test_a_scrubbed_merge_keeps_no_personal_data_and_round_trips() -> None:
    a = Contact.new(name="Besa", emails=["besa@example.al"], now=T0)
    b = Contact.new(name="B.", phones=["+355691234567"], city="Tiranë", now=T0)
    merged = keep_survivor_fill_gaps(a, b, T0)
    record = MergeRecord("m1", a, b, merged, {"interactions": ("i1",)}, T0, by="arta")
    clean = scrubbed_merge(record, T0 + timedelta(days=1))
    for snapshot in (clean.survivor_before, clean.merged_before, clean.survivor_after):
        assert snapshot.identity_keys() == frozenset()
        assert snapshot.name is None
        assert snapshot.city is None
        assert snapshot.tags == frozenset()
    assert (clean.survivor_id, clean.merged_id, clean.moved) == (a.id, b.id, {})
    assert MergeRecord.from_dict(clean.to_dict()) == clean
    assert MergeRecord.from_dict(record.to_dict()).erased_at is None


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 5)), max_size=20))
def test_members_at_replays_the_latest_change_per_contact(
    ops: list[tuple[bool, int, int]],
) -> None:
    changes = [
        ListChange.new(list_name="l", contact_id=f"c{who}", added=add, at=T0 + timedelta(minutes=m))
        for add, who, m in ops
    ]
    for minute in range(7):
        at = T0 + timedelta(minutes=minute)
        expected: set[str] = set()
        # Applied in time order (ids break ties in the order the changes were made).
        for ch in sorted((c for c in changes if c.at <= at), key=lambda c: (c.at, c.id)):
            (expected.add if ch.added else expected.discard)(ch.contact_id)
        assert set(members_at(changes, at)) == expected
        assert set(members_at(list(reversed(changes)), at)) == expected


def test_list_changes_refuse_bad_input() -> None:
    with pytest.raises(ValidationError):
        ListChange.new(list_name="l", contact_id="", added=True, at=T0)
    with pytest.raises(ValidationError):
        ListChange.new(list_name="l", contact_id="c", added=True, at=T0, by=" ")


@pytest.mark.parametrize("bad", ["marketing_email", ["Marketing"], [], ["has space"]])
def test_purposes_registry_refuses_bad_names(bad: object) -> None:
    with pytest.raises(ValidationError):
        check_purposes(bad)  # type: ignore[arg-type]


def test_postal_address_is_the_address_for_post() -> None:
    c = Contact.new(address="Rruga e Kavajës 5", city="Tiranë")
    assert contact_address(c, "post") == "Rruga e Kavajës 5, Tiranë"
    assert contact_address(Contact.new(city="Tiranë"), "post") is None
