"""Segments by product or category bought, without storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit import Contact, Money
from crmkit.errors import InvalidSegmentError
from crmkit.segments import Bought, Segment, SegmentData, bought
from crmkit.value.ledger import LineItem, Transaction

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _purchase(who: str, days_ago: int, sku: str, kind: str = "purchase") -> Transaction:
    line = LineItem.new(sku=sku, unit_price=Money("1", "EUR"))
    return Transaction.new(
        contact_id=who,
        kind=kind,
        amount=Money("1", "EUR"),
        occurred_at=NOW - timedelta(days=days_ago),
        lines=[line],
    )


def test_the_json_form_round_trips() -> None:
    seg = bought(category="Packages", within_days=30) & ~bought(sku="SETUP")
    assert Segment.from_dict(seg.to_dict()) == seg
    assert seg.to_dict()["segment"]["children"][0] == {
        "type": "bought",
        "sku": None,
        "category": "packages",
        "within_days": 30,
    }


def test_a_stored_node_is_checked_when_read() -> None:
    raw = {
        "version": 1,
        "segment": {"type": "bought", "sku": "A", "category": "B", "within_days": None},
    }
    with pytest.raises(InvalidSegmentError):
        Segment.from_dict(raw)


def test_in_memory_the_catalogue_names_the_categories() -> None:
    a, b = Contact.new(id="a"), Contact.new(id="b")
    data = SegmentData(
        [a, b],
        purchases=[
            _purchase("a", 1, "Gold-12"),
            _purchase("b", 1, "GOLD-12", kind="refund"),
            _purchase("b", 50, "setup"),
        ],
        catalogue={"gold-12": "packages", "setup": None},
    )
    assert data.member_ids(bought(category="packages"), now=NOW) == ("a",)
    assert data.member_ids(bought(sku="SETUP"), now=NOW) == ("b",)
    assert data.member_ids(bought(sku="setup", within_days=49), now=NOW) == ()
    assert data.member_ids(bought(sku="gold-12"), now=NOW - timedelta(days=2)) == ()
    assert bought(sku=" Gold-12 ") == Bought("gold-12", None, None)
