"""rfm_summary: from purchases to (frequency, recency, T, monetary value)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Money
from crmkit.clv import rfm_summary
from crmkit.errors import InvalidDatetimeError, InvalidMoneyError, ValidationError
from crmkit.value.ledger import Transaction

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


def test_only_purchases_of_the_ledger_count() -> None:
    def t(kind: str, day: int, amount: str) -> Transaction:
        return Transaction.new(
            contact_id="c1",
            kind=kind,
            amount=Money(amount, "EUR"),
            occurred_at=START + timedelta(days=day),
        )

    s = rfm_summary(
        [
            t("purchase", 0, "10"),
            t("refund", 3, "10"),
            t("payment", 5, "80"),
            t("purchase", 14, "30"),
        ],
        observation_end=START + timedelta(days=28),
        unit=timedelta(days=7),
    )
    assert (s.frequency, s.recency, s.T, s.monetary_value) == ((1.0,), (2.0,), (4.0,), (30.0,))
    assert s.currency == "EUR"


def test_negative_purchase_amount_is_refused_naming_it() -> None:
    with pytest.raises(InvalidMoneyError) as info:
        rfm_summary([("a", START, Decimal("-3"))], observation_end=END)
    assert info.value.value == Decimal("-3")


def test_float_amounts_are_refused() -> None:
    with pytest.raises(InvalidMoneyError):
        rfm_summary([("a", START, 3.5)], observation_end=END)


def test_calibration_end_after_observation_end_is_refused() -> None:
    with pytest.raises(InvalidDatetimeError):
        rfm_summary([], observation_end=START, calibration_end=END)


def test_unit_must_be_a_positive_duration() -> None:
    with pytest.raises(ValidationError) as info:
        rfm_summary([], observation_end=END, unit=timedelta(0))
    assert info.value.field == "unit"


def test_purchases_after_the_observation_end_are_ignored() -> None:
    s = rfm_summary(
        [("a", START, None), ("a", END + timedelta(days=1), None)],
        observation_end=END,
        unit=timedelta(days=1),
    )
    assert s.frequency == (0.0,)


def test_holdout_counts_purchase_days_after_the_calibration_end() -> None:
    cut = START + timedelta(days=10)
    rows = [
        ("a", START, None),
        ("a", START + timedelta(days=12), None),
        ("a", START + timedelta(days=12, hours=3), None),
        ("a", START + timedelta(days=20), None),
    ]
    s = rfm_summary(
        rows,
        observation_end=START + timedelta(days=30),
        calibration_end=cut,
        unit=timedelta(days=1),
    )
    assert s.frequency == (0.0,)
    assert s.T == (10.0,)
    assert s.frequency_holdout == (2.0,)
    assert s.duration_holdout == 20.0


days = st.lists(st.integers(0, 364), min_size=1, max_size=30)


@given(st.dictionaries(st.sampled_from("abcdef"), days, min_size=1))
def test_summary_follows_the_definitions(purchases: dict[str, list[int]]) -> None:
    rows = [
        (c, START + timedelta(days=d, hours=d % 24), Money("5", "EUR"))
        for c, ds in purchases.items()
        for d in ds
    ]
    s = rfm_summary(rows, observation_end=END, unit=timedelta(days=1))
    for i, c in enumerate(s.customer_id):
        distinct = sorted(set(purchases[c]))
        assert s.frequency[i] == len(distinct) - 1
        assert s.recency[i] == distinct[-1] - distinct[0]
        assert s.T[i] == (END.date() - date(2026, 1, 1)).days - distinct[0]
        assert 0 <= s.recency[i] <= s.T[i]
        if s.frequency[i]:
            # value of a repeat purchase day: 5 EUR times the purchases made that day
            per_day = [purchases[c].count(d) * 5 for d in distinct[1:]]
            assert s.monetary_value[i] == pytest.approx(sum(per_day) / len(per_day))


@given(st.dictionaries(st.sampled_from("abc"), days, min_size=1))
def test_time_unit_only_rescales(purchases: dict[str, list[int]]) -> None:
    rows = [(c, START + timedelta(days=d), None) for c, ds in purchases.items() for d in ds]
    daily = rfm_summary(rows, observation_end=END, unit=timedelta(days=1))
    weekly = rfm_summary(rows, observation_end=END, unit=timedelta(weeks=1))
    assert daily.frequency == weekly.frequency
    assert [r / 7 for r in daily.recency] == pytest.approx(list(weekly.recency))
    assert [t / 7 for t in daily.T] == pytest.approx(list(weekly.T))
