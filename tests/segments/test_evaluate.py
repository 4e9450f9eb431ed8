"""In-memory evaluation: what each kind of leaf selects, on small hand-made data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crmkit import Money
from crmkit.contacts import Contact, Organization
from crmkit.errors import CurrencyMismatchError, InvalidDatetimeError, ListNotFoundError
from crmkit.funnel import Pipeline, win
from crmkit.funnel import open_deal as start_deal
from crmkit.interactions import Interaction
from crmkit.segments import (
    SegmentData,
    birthday_within,
    everyone,
    field,
    in_list,
    interactions,
    open_deal,
    purchases,
    tag,
)
from crmkit.value.ledger import Transaction
from crmkit.value.rates import RatesTable

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def ids(data: SegmentData, seg: object, now: datetime = NOW) -> set[str]:
    return set(data.member_ids(seg, now=now))


@pytest.fixture
def people() -> SegmentData:
    org = Organization.new(id="o1", name="Alfa", industry="Retail", vat_id="BG123", country="BG")
    return SegmentData(
        [
            Contact.new(
                id="a",
                name="Ana",
                city="Tiranë",
                tags={"vip"},
                organization_id="o1",
                custom={"vat_registered": True, "score": 7},
                now=NOW - timedelta(days=3),
            ),
            Contact.new(id="b", name="Boris", city="TIRANE", custom={"score": 1}),
            Contact.new(
                id="c", name="Ćiril", city="Sofia", custom={"vat_registered": False, "score": "7"}
            ),
            Contact.new(id="d", name="Dana", now=NOW - timedelta(days=100)),
        ],
        organizations=[org],
    )


def test_text_comparisons_fold_case_and_diacritics(people: SegmentData) -> None:
    assert ids(people, field("city") == "tirane") == {"a", "b"}
    assert ids(people, field("name").startswith("CI")) == {"c"}
    assert ids(people, field("city").contains("ran")) == {"a", "b"}
    assert ids(people, field("city").is_in(["SOFIA", "Varna"])) == {"c"}


def test_missing_values_never_match_a_comparison_but_match_its_negation(
    people: SegmentData,
) -> None:
    assert ids(people, field("city") != "Sofia") == {"a", "b"}
    assert ids(people, ~(field("city") == "Sofia")) == {"a", "b", "d"}
    assert ids(people, field("city").is_null()) == {"d"}
    assert ids(people, field("city").is_null(False)) == {"a", "b", "c"}


def test_custom_values_match_only_values_of_their_own_type(people: SegmentData) -> None:
    assert ids(people, field("custom.vat_registered") == True) == {"a"}  # noqa: E712
    assert ids(people, field("custom.score") == 7) == {"a"}
    assert ids(people, field("custom.score") == "7") == {"c"}
    assert ids(people, field("custom.score") >= 1) == {"a", "b"}
    assert ids(people, field("custom.score") == 1) == {"b"}  # True == 1 in Python, not here
    assert ids(people, field("custom.vat_registered").is_in([True, 2])) == {"a"}
    assert ids(people, field("custom.score").is_in([True, 7])) == {"a"}


def test_organization_fields_and_customer_type(people: SegmentData) -> None:
    assert ids(people, field("organization.industry") == "retail") == {"a"}
    assert ids(people, field("organization.vat_id").is_null()) == {"b", "c", "d"}
    assert ids(people, field("customer_type") == "individual") == {"b", "c", "d"}


def test_created_in_the_last_days_is_relative_to_now(people: SegmentData) -> None:
    recent = field("created_at").within_last(30)
    assert "a" in ids(people, recent)
    assert "d" not in ids(people, recent)
    assert ids(people, field("created_at").older_than(30)) == {"d"}
    assert "d" in ids(people, recent, now=NOW - timedelta(days=90))


def test_boolean_algebra_and_everyone(people: SegmentData) -> None:
    assert ids(people, everyone()) == {"a", "b", "c", "d"}
    assert ids(people, tag("vip") | (field("city") == "Sofia")) == {"a", "c"}
    assert ids(people, tag("VIP") & (field("city") == "Sofia")) == set()
    assert ids(people, ~tag("vip")) == {"b", "c", "d"}


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        (date(2027, 2, 28), 0, {"feb29", "feb28"}),  # common year: 29 Feb celebrates on 28 Feb
        (date(2028, 2, 28), 0, {"feb28"}),  # leap year: 29 Feb has its own day
        (date(2028, 2, 29), 0, {"feb29"}),
        (date(2027, 2, 22), 7, {"feb29", "feb28", "mar1"}),
        (date(2027, 3, 1), 6, {"mar1"}),
        (date(2026, 12, 29), 7, {"jan3"}),  # the window crosses the new year
    ],
)
def test_birthday_within_handles_feb_29_and_year_ends(
    today: date, days: int, expected: set[str]
) -> None:
    data = SegmentData(
        [
            Contact.new(id="feb29", birthday=date(1992, 2, 29)),
            Contact.new(id="feb28", birthday=date(1990, 2, 28)),
            Contact.new(id="mar1", birthday=date(1985, 3, 1)),
            Contact.new(id="jan3", birthday=date(1970, 1, 3)),
            Contact.new(id="none"),
        ]
    )
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    assert ids(data, birthday_within(days), now=now) == expected


def calls(contact_id: str, *days_ago: int, direction: str = "outbound") -> list[Interaction]:
    return [
        Interaction.new(
            contact_id=contact_id,
            channel="phone",
            direction=direction,
            occurred_at=NOW - timedelta(days=d),
        )
        for d in days_ago
    ]


def test_interaction_counts_respect_channel_direction_and_window() -> None:
    rows = calls("a", 1, 10, 89) + calls("b", 1, 10, 91) + calls("c", 1, 2, 3, direction="inbound")
    rows.append(Interaction.new(contact_id="b", channel="email", occurred_at=NOW))
    data = SegmentData([Contact.new(id=x) for x in "abcd"], interactions=rows)
    phone90 = interactions(channel="phone", within_days=90)
    assert ids(data, phone90.count >= 3) == {"a", "c"}
    assert ids(
        data, interactions(channel="phone", direction="outbound", within_days=90).count >= 3
    ) == {"a"}
    assert ids(data, interactions(within_days=90).count >= 3) == {"a", "b", "c"}
    assert ids(data, interactions(within_days=30).count == 0) == {"d"}
    assert ids(data, phone90.count < 3) == {"b", "d"}
    assert ids(data, phone90.count.between(1, 2)) == {"b"}


def test_future_interactions_do_not_count() -> None:
    data = SegmentData([Contact.new(id="a")], interactions=calls("a", -5))
    assert ids(data, interactions().exist()) == set()


def test_last_interaction_date_compares_and_is_missing_without_events() -> None:
    data = SegmentData(
        [Contact.new(id=x) for x in "abc"], interactions=calls("a", 3) + calls("b", 40)
    )
    cutoff = NOW - timedelta(days=30)
    assert ids(data, interactions(channel="phone").last_at >= cutoff) == {"a"}
    assert ids(data, interactions(channel="phone").last_at < cutoff) == {"b"}


def buy(contact_id: str, days_ago: int, amount: str, currency: str = "EUR") -> Transaction:
    return Transaction.new(
        contact_id=contact_id,
        kind="purchase",
        amount=Money(amount, currency),
        occurred_at=NOW - timedelta(days=days_ago),
    )


def test_purchase_count_total_and_recency() -> None:
    rows = [buy("a", 10, "50"), buy("a", 20, "60"), buy("b", 200, "500"), buy("c", 5, "5")]
    rows.append(
        Transaction.new(contact_id="c", kind="refund", amount=Money("5", "EUR"), occurred_at=NOW)
    )
    data = SegmentData([Contact.new(id=x) for x in "abcd"], purchases=rows)
    assert ids(data, purchases(within_days=180).exist()) == {"a", "c"}
    assert ids(data, purchases(within_days=180).total >= Money("100", "EUR")) == {"a"}
    assert ids(data, purchases().total < Money("10", "EUR")) == {"c", "d"}
    assert ids(data, purchases().count == 1) == {"b", "c"}
    assert ids(data, purchases().last_at < NOW - timedelta(days=100)) == {"b"}
    between = purchases().total.between(Money("100", "EUR"), Money("500", "EUR"))
    assert ids(data, between) == {"a", "b"}


def test_totals_across_currencies_need_rates() -> None:
    rows = [buy("a", 10, "50"), buy("a", 20, "5000", "ALL")]
    contacts = [Contact.new(id="a")]
    with pytest.raises(CurrencyMismatchError):
        SegmentData(contacts, purchases=rows).member_ids(
            purchases().total > Money("60", "EUR"), now=NOW
        )
    rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.01")])
    data = SegmentData(contacts, purchases=rows, rates=rates)
    assert ids(data, purchases().total >= Money("100", "EUR")) == {"a"}
    assert ids(data, purchases().total > Money("100", "EUR")) == set()


def test_open_deals_by_pipeline_and_stage() -> None:
    p = Pipeline.new("Sales", ["New", "Proposal"])
    d1, _ = start_deal(
        p, title="A", value=Money("1", "EUR"), contact_id="a", at=NOW, stage="Proposal"
    )
    d2, _ = start_deal(
        p, title="B", value=Money("1", "EUR"), contact_id="b", at=NOW, stage="Proposal"
    )
    d2, _ = win(d2, at=NOW)
    data = SegmentData(
        [Contact.new(id=x) for x in "abc"], open_deals=[d1, d2, ("c", "other-pipeline", "New")]
    )
    assert ids(data, open_deal(stage="Proposal")) == {"a"}
    assert ids(data, open_deal(pipeline_id=p.id)) == {"a"}
    assert ids(data, open_deal()) == {"a", "c"}


def test_rows_about_unknown_contacts_are_ignored() -> None:
    data = SegmentData([Contact.new(id="a")], interactions=calls("ghost", 1, 2, 3))
    assert ids(data, interactions().count >= 1) == set()


def test_naive_now_is_rejected(people: SegmentData) -> None:
    with pytest.raises(InvalidDatetimeError):
        people.member_ids(tag("vip"), now=datetime(2026, 1, 1))


def test_members_come_back_in_input_order_and_count_matches(people: SegmentData) -> None:
    seg = field("city").is_null(False)
    assert [c.id for c in people.members(seg, now=NOW)] == ["a", "b", "c"]
    assert people.count(seg, now=NOW) == 3


def test_in_list_selects_the_current_members_of_that_list() -> None:
    lists = {"June launch": ["a", "b", "ghost"], "june launch": ["c"]}
    contacts = [Contact.new(id=x, tags={"vip"} if x == "a" else ()) for x in "abc"]
    data = SegmentData(contacts, lists=lists)
    assert ids(data, in_list("June launch")) == {"a", "b"}
    assert ids(data, ~in_list("June launch")) == {"c"}
    assert ids(data, in_list("June launch") & ~tag("vip")) == {"b"}
    assert ids(data, in_list("june launch") | tag("vip")) == {"a", "c"}


def test_in_list_of_an_unknown_list_raises_before_anything_else() -> None:
    rows = [buy("a", 10, "50"), buy("a", 20, "5000", "ALL")]
    data = SegmentData([Contact.new(id="a")], purchases=rows, lists={"June launch": ["a"]})
    total = purchases().total > Money("60", "EUR")
    for seg in (in_list("July"), total | ~in_list("July"), everyone() | in_list("July")):
        with pytest.raises(ListNotFoundError) as err:
            data.member_ids(seg, now=NOW)
        assert err.value.key == "July"
    with pytest.raises(ListNotFoundError):
        SegmentData([Contact.new(id="a")]).count(in_list("June launch"), now=NOW)
