"""What an import row becomes: its fingerprint (stored, so it must not change between
releases) and the contact it creates (identities normalised once, by ``parse_row``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.contacts import Contact
from crmkit.errors import ValidationError
from crmkit.importing import ImportRow, parse_row, row_fingerprint

NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)
_TEXT = st.text(st.sampled_from("aë Б ش\t.@1"), max_size=8)
_ROWS = st.fixed_dictionaries(
    {},
    optional={
        "full_name": _TEXT,
        "first_name": _TEXT,
        "last_name": _TEXT,
        "city": _TEXT,
        "tags": _TEXT,
        "email": st.sampled_from(["Besa@Example.AL", " a.b@abcom.al ", "x@y.pl"]),
        "phone": st.sampled_from(["069 123 4567", "+359 88 123 4567", "۰۹۱۲۳۴۵۶۷۸۹"]),
        "instagram": st.sampled_from(
            ["@besa", "instagram.com/besa.k", "https://instagram.com/x_y"]
        ),
        "Notes": _TEXT,
    },
)


def _spaced(value: Any) -> Any:
    # The canonical form as 0.1 wrote it, recursion and all: stored fingerprints were made so.
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, Mapping):
        return {str(k): _spaced(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_spaced(v) for v in value]
    return value


def _reference_fingerprint(row: ImportRow, occurrence: int = 0) -> str:
    fields = dict(row.fields)
    fields["tags"] = sorted({t.casefold() for t in fields.get("tags", ())})
    content = {
        "fields": _spaced(fields),
        "emails": list(row.emails),
        "phones": list(row.phones),
        "handles": sorted(row.handles.items()),
        "external_ids": [list(x) for x in row.external_ids],
        "occurrence": occurrence,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parsed(raw: dict[str, Any]) -> ImportRow | None:
    try:
        return parse_row(raw, 0, default_region="IR")
    except ValidationError:
        return None


@given(raw=_ROWS, occurrence=st.integers(0, 3))
def test_fingerprints_are_those_earlier_releases_stored(
    raw: dict[str, Any], occurrence: int
) -> None:
    row = _parsed(raw)
    if row is not None:
        assert row_fingerprint(row, occurrence) == _reference_fingerprint(row, occurrence)


@given(raw=_ROWS)
def test_a_row_creates_the_contact_contact_new_would(raw: dict[str, Any]) -> None:
    row = _parsed(raw)
    if row is None:
        return
    try:
        made = row.contact(NOW)
    except ValidationError as exc:
        with pytest.raises(type(exc)):
            Contact.new(
                now=NOW, emails=row.emails, phones=row.phones, handles=row.handles, **row.fields
            )
        return
    again = Contact.new(
        id=made.id,
        now=NOW,
        emails=row.emails,
        phones=row.phones,
        handles=row.handles,
        external_ids=row.external_ids,
        **row.fields,
    )
    assert made == again


def test_a_handle_is_matched_and_stored_as_the_row_reads_it() -> None:
    # Stripping the URL prefix again would store 'besa' for a row matched on the handle
    # 'instagram.com/besa'.
    row = parse_row({"instagram": "instagram.com/instagram.com/besa"}, 0, default_region=None)
    contact = row.contact(NOW)
    assert dict(contact.handles) == dict(row.handles)
    assert set(row.identity_keys(frozenset({"handle"}))) <= contact.identity_keys()


def test_a_bad_field_of_a_row_is_refused_naming_it() -> None:
    row = parse_row({"name": "Besa", "birthday": "31/31/1990"}, 0, default_region=None)
    with pytest.raises(ValidationError) as caught:
        row.contact(NOW)
    assert caught.value.field == "birthday"
