"""Breakdowns: counts, shares, folding of spellings, top-N with "other"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmkit.contacts import Contact, Organization
from crmkit.errors import InvalidSegmentError
from crmkit.segments import SegmentData, breakdown, tag

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def data() -> SegmentData:
    orgs = [
        Organization.new(id="o1", name="Alfa", industry="Retail"),
        Organization.new(id="o2", name="Beta", industry="Logistics"),
    ]
    cities = ["Tiranë", "Tirane", "TIRANË", "Durrës", "Durrës", "Vlorë", None]
    contacts = [
        Contact.new(
            id=f"p{i}",
            city=c,
            tags={"vip"} if i % 2 else set(),
            organization_id="o1" if i < 2 else "o2" if i == 2 else None,
            custom={"vat_registered": i < 3},
        )
        for i, c in enumerate(cities)
    ]
    return SegmentData(contacts, organizations=orgs)


def test_counts_group_spellings_and_shares_sum_to_one(data: SegmentData) -> None:
    report = breakdown(data, "city", now=NOW)
    assert [(r.value, r.count) for r in report.rows] == [
        ("Tiranë", 3),
        ("Durrës", 2),
        ("Vlorë", 1),
        (None, 1),
    ]
    assert report.total == 7
    assert sum(r.share for r in report.rows) == pytest.approx(1.0)


def test_top_n_gathers_the_rest_into_other(data: SegmentData) -> None:
    rows = breakdown(data, "city", now=NOW, top=1, other_label="rest").to_rows()
    assert rows == [
        {"value": "Tiranë", "count": 3, "share": 3 / 7, "other": False},
        {"value": "rest", "count": 4, "share": 4 / 7, "other": True},
    ]


def test_individuals_vs_organizations_and_vat_share(data: SegmentData) -> None:
    kinds = {r.value: r.count for r in breakdown(data, "customer_type", now=NOW).rows}
    assert kinds == {"organization": 3, "individual": 4}
    vat = {r.value: r.count for r in breakdown(data, "custom.vat_registered", now=NOW).rows}
    assert vat == {True: 3, False: 4}
    industry = breakdown(data, "organization.industry", now=NOW)
    assert [(r.value, r.count) for r in industry.rows] == [
        (None, 4),
        ("Retail", 2),
        ("Logistics", 1),
    ]


def test_breakdown_of_a_segment_only_counts_its_members(data: SegmentData) -> None:
    report = breakdown(data, "city", now=NOW, segment=tag("vip"))
    assert report.total == 3
    assert sum(r.count for r in report.rows) == 3


def test_bad_field_or_top_is_rejected(data: SegmentData) -> None:
    with pytest.raises(InvalidSegmentError):
        breakdown(data, "shoe_size", now=NOW)
    with pytest.raises(InvalidSegmentError):
        breakdown(data, "city", now=NOW, top=0)


def test_custom_numbers_are_held_as_every_backend_reads_them_back() -> None:
    # PostgreSQL's jsonb has no negative zero and writes 1e+20 as an integer.
    from crmkit.contacts import Contact

    c = Contact.new(name="Besa", custom={"z": -0.0, "big": 1e20, "huge": -2e300, "x": 1.5})
    assert repr(c.custom["z"]) == "0.0"
    assert c.custom["big"] == 10**20
    assert type(c.custom["big"]) is int
    assert c.custom["huge"] == int(-2e300)
    assert c.custom["x"] == 1.5
    assert type(c.custom["x"]) is float
