"""RFM scores: quintiles, deterministic ties, the group grid, and use inside segments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Money
from crmkit.contacts import Contact
from crmkit.errors import CurrencyMismatchError
from crmkit.segments import (
    RFM_GROUPS,
    SegmentData,
    group_counts,
    rfm_group,
    rfm_group_of,
    rfm_score,
    rfm_scores,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from([f"c{i}" for i in range(12)]),
        st.integers(0, 400).map(lambda d: NOW - timedelta(days=d)),
        st.integers(1, 50).map(lambda a: Money(a, "EUR")),
    ),
    max_size=60,
)


@given(rows_strategy, st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_input_order(rows: list, rnd: random.Random) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert rfm_scores(rows, now=NOW) == rfm_scores(shuffled, now=NOW)


@given(rows_strategy)
def test_equal_values_share_a_score_and_better_values_never_score_lower(rows: list) -> None:
    scores = list(rfm_scores(rows, now=NOW).values())
    for a in scores:
        for b in scores:
            if a.purchases == b.purchases:
                assert a.frequency == b.frequency
            if a.purchases < b.purchases:
                assert a.frequency <= b.frequency
            if a.last_purchase_at < b.last_purchase_at:
                assert a.recency <= b.recency
            if a.total.amount < b.total.amount:
                assert a.monetary <= b.monetary
            assert {a.recency, a.frequency, a.monetary} <= {1, 2, 3, 4, 5}


def test_distinct_values_spread_over_five_equal_quintiles() -> None:
    rows = [(f"c{i}", NOW - timedelta(days=i), Money(i + 1, "EUR")) for i in range(10)]
    scores = rfm_scores(rows, now=NOW)
    monetary = sorted(s.monetary for s in scores.values())
    assert monetary == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["c0"].recency == 5  # the most recent buyer
    assert scores["c9"].recency == 1


def test_a_large_tie_takes_the_lowest_shared_score() -> None:
    rows = [(f"c{i}", NOW, Money(1, "EUR")) for i in range(8)]
    rows += [("big", NOW, Money(1, "EUR")), ("big", NOW, Money(1, "EUR"))]
    scores = rfm_scores(rows, now=NOW)
    assert {scores[f"c{i}"].frequency for i in range(8)} == {1}
    assert scores["big"].frequency == 1 + (5 * 8) // 9


def test_purchases_after_now_are_ignored() -> None:
    rows = [("a", NOW + timedelta(days=1), Money(1, "EUR"))]
    assert rfm_scores(rows, now=NOW) == {}


def test_mixed_currencies_without_rates_are_refused() -> None:
    rows = [("a", NOW, Money(1, "EUR")), ("b", NOW, Money(1, "ALL"))]
    with pytest.raises(CurrencyMismatchError):
        rfm_scores(rows, now=NOW)


def test_every_score_pair_has_exactly_one_named_group() -> None:
    groups = {rfm_group_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert groups == set(RFM_GROUPS)
    assert rfm_group_of(5, 5) == "champions"
    assert rfm_group_of(1, 1) == "hibernating"
    assert rfm_group_of(2, 3) == "at_risk"
    assert rfm_group_of(4, 4) == "loyal"


def test_rfm_groups_and_scores_select_contacts_inside_segments() -> None:
    contacts = [Contact.new(id=f"c{i}") for i in range(10)] + [Contact.new(id="never")]
    rows = []
    for i in range(10):  # c9 buys most and most recently
        rows += [
            (f"c{i}", NOW - timedelta(days=50 - 5 * i - k), Money(10, "EUR")) for k in range(i + 1)
        ]
    data = SegmentData(contacts, purchases=rows)
    scores = rfm_scores(rows, now=NOW)
    champions = {cid for cid, s in scores.items() if s.group == "champions"}
    assert champions
    assert set(data.member_ids(rfm_group() == "champions", now=NOW)) == champions
    assert "never" not in data.member_ids(rfm_score("recency") >= 1, now=NOW)
    hib = set(data.member_ids(rfm_group().is_in(["hibernating", "at_risk"]), now=NOW))
    assert hib == {cid for cid, s in scores.items() if s.group in ("hibernating", "at_risk")}
    assert sum(group_counts(scores).values()) == 10
