"""Rows from pandas: empty cells (NaN, NA, NaT) are missing values, never the text "nan"."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import CRM
from crmkit._missing import is_missing, present
from crmkit.identity import Matcher
from crmkit.identity.prepare import prepare

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

DEV_SLICE = Path(__file__).parent.parent / "data" / "crm_dev_slice.csv"
CSV = """first_name,last_name,email,phone,instagram,city,company
Besa,Kola,besa@example.al,,,Tiranë,
Arta,Hoxha,,069 123 4567,,,
Drita,Leka,,,,Durrës,
Erion,Basha,,,,,Alfa Trade
"""


def _frame(**options: Any) -> Any:
    return pd.read_csv(io.StringIO(CSV), **options)


def test_read_csv_records_with_empty_cells_become_separate_contacts(crm: CRM) -> None:
    report = crm.import_contacts(_frame(dtype=str).to_dict("records"))
    assert report.summary() == {"created": 4}
    for contact in crm.contacts.all():
        assert contact.handles == {}
        assert "nan" not in {contact.city, *contact.custom.values()}


def test_a_data_frame_is_imported_directly(crm: CRM) -> None:
    report = crm.import_contacts(_frame(dtype=str))
    assert report.summary() == {"created": 4}
    erion = next(c for c in crm.contacts.all() if c.name == "Erion Basha")
    assert erion.custom == {"company": "Alfa Trade"}


def test_nullable_and_date_columns_read_na_and_nat_as_missing(crm: CRM) -> None:
    frame = pd.DataFrame(
        {
            "full_name": pd.array(["Besa Kola", "Arta Hoxha"], dtype="string"),
            "instagram": pd.array([pd.NA, "arta.h"], dtype="string"),
            "birthday": pd.to_datetime(["1990-05-01", None]),
            "visits": pd.array([3, pd.NA], dtype="Int64"),
        }
    )
    report = crm.import_contacts(frame)
    assert report.summary() == {"created": 2}
    besa, arta = sorted(crm.contacts.all(), key=lambda c: c.name or "")[::-1]
    assert (besa.handles, str(besa.birthday), besa.custom) == ({}, "1990-05-01", {"visits": "3"})
    assert (arta.handles, arta.birthday, arta.custom) == ({"instagram": "arta.h"}, None, {})


def test_the_dev_slice_read_with_pandas_glues_no_strangers_together() -> None:
    # Issue #12: "nan" stored as an Instagram handle put 279 people into one contact.
    frame = pd.read_csv(DEV_SLICE, dtype=str)
    crm = CRM()
    report = crm.import_contacts(frame.drop(columns=["record_id", "entity_id"]))
    people: dict[str, set[str]] = defaultdict(set)
    for outcome, entity in zip(report.rows, frame["entity_id"], strict=True):
        if outcome.contact_id is not None:
            people[outcome.contact_id].add(entity)
    assert max(len(entities) for entities in people.values()) <= 2
    assert not any("nan" in c.handles.values() for c in crm.contacts.all())


def test_prepare_reads_nan_as_missing_so_two_empty_cells_do_not_agree() -> None:
    nan = float("nan")
    record = {
        "id": 1,
        "full_name": "Besa Kola",
        "instagram": nan,
        "company": nan,
        "external_id": nan,
        "city": pd.NA,
        "birthday": pd.NaT,
        "postcode": nan,
    }
    r = prepare(record)
    assert r.handles == ()
    assert (r.company, r.external_id, r.city, r.birthday, r.postcode) == ("",) * 5


def test_matcher_does_not_link_strangers_on_empty_cells() -> None:
    # Two namesakes with nothing else in common: empty cells must not count as agreement.
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "full_name": ["Besa Kola", "Besa Kola"],
            "external_id": [np.nan, np.nan],
            "instagram": [np.nan, np.nan],
        }
    )
    assert [c.ids for c in Matcher().dedupe(frame.to_dict("records"))] == [(1,), (2,)]


def test_record_and_resolve_read_nan_arguments_as_missing(crm: CRM) -> None:
    nan = float("nan")
    it = crm.record(
        channel="email",
        email="besa@example.al",
        phone=nan,
        handle=nan,
        name=nan,
        city=nan,
        summary=nan,
        body=pd.NA,
    )
    contact = crm.contacts.get(it.contact_id)
    assert (contact.name, contact.phones, it.summary, it.body) == (None, (), None, None)
    res = crm.resolve(email="BESA@example.al", phone=nan, name=nan, birthday=pd.NaT)
    assert res.contact == contact


def test_is_missing_knows_every_empty_marker() -> None:
    markers = [
        None,
        float("nan"),
        np.nan,
        np.float32("nan"),
        pd.NA,
        pd.NaT,
        np.datetime64("NaT"),
        Decimal("NaN"),
        "",
        " ",
        "\t\n",
    ]
    assert all(is_missing(m) for m in markers)
    assert not any(is_missing(v) for v in ("nan", "None", 0, 0.0, False, np.int64(0), []))


_VALUES = st.one_of(
    st.text(),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.decimals(allow_nan=False),
)


@given(_VALUES)
def test_real_values_are_never_missing_unless_blank_text(value: object) -> None:
    expected = isinstance(value, str) and not value.strip()
    assert is_missing(value) is expected
    assert present(value) is (None if expected else value)


@given(st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=5))
def test_blank_text_is_missing(text: str) -> None:
    assert is_missing(text)


def test_datetime_values_are_not_missing() -> None:
    assert not is_missing(datetime(2026, 1, 1, tzinfo=UTC))
    assert not is_missing(pd.Timestamp("2026-01-01"))
