"""Attribution rules (crmkit.marketing.touches) and the report's tally of measured groups
(crmkit.marketing.campaign_report.group_outcomes)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import CurrencyMismatchError
from crmkit.marketing import Group, MemberOutcome, revenue_uplift
from crmkit.marketing._uplift import revenue_uplift_of_counts, revenue_uplift_of_sums
from crmkit.marketing.campaign import CampaignMember
from crmkit.marketing.campaign_report import (
    GroupOutcome,
    MeasuredBuyer,
    MeasuredGroups,
    group_outcomes,
)
from crmkit.marketing.touches import attribution, first_touch, last_touch

T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)


def _m(
    mid: str, campaign: str, day: int, group: Group = Group.TREATED, ok: bool = True
) -> CampaignMember:
    return CampaignMember(mid, campaign, "c1", group, ok, T0 + day * DAY)


def test_only_messaged_memberships_touch() -> None:
    ms = [_m("m1", "held", 0, Group.HELD_OUT), _m("m2", "no-consent", 1, ok=False)]
    assert first_touch(ms) is None
    assert last_touch(ms, T0 + 5 * DAY) is None
    assert first_touch([*ms, _m("m3", "spring", 2)]) == "spring"


def test_ties_in_launch_time_go_by_membership_id() -> None:
    ms = [_m("m2", "b", 0), _m("m1", "a", 0)]
    assert (first_touch(ms), last_touch(ms, T0)) == ("a", "b")


def test_last_touch_is_the_latest_launch_at_or_before_within_the_window() -> None:
    ms = [_m("m1", "winter", 0), _m("m2", "spring", 40)]
    assert last_touch(ms, T0 + 40 * DAY) == "spring"  # at the launch itself
    assert last_touch(ms, T0 + 39 * DAY) == "winter"
    assert last_touch(ms, T0 + 30 * DAY, window=30 * DAY) is None  # the window is half-open
    assert last_touch(ms, T0 + 29 * DAY, window=30 * DAY) == "winter"
    a = attribution(ms, T0 + 20 * DAY, window=30 * DAY)
    assert (a.first_touch, a.last_touch) == ("winter", "winter")
    assert attribution(ms, T0 - DAY, window=30 * DAY).first_touch is None


def test_group_outcomes_tally_buyers_and_attribute_them() -> None:
    buyers = {
        "a": MeasuredBuyer(
            Group.TREATED,
            ((Decimal("10.00"), "EUR", "k0"), (Decimal("5.50"), "EUR", "k1")),
            "k1",
        ),
        "b": MeasuredBuyer(Group.TREATED, ((Decimal(3), "EUR", "k1"),), "k0"),
        "c": MeasuredBuyer(Group.HELD_OUT, ((Decimal(8), "EUR", None),), None),
    }
    cur, groups = group_outcomes(
        "k1", MeasuredGroups({Group.TREATED: 5, Group.HELD_OUT: 2}, buyers), None
    )
    t, h = groups[Group.TREATED], groups[Group.HELD_OUT]
    assert cur == "EUR"
    assert (t.members, t.conversions, t.total, h.members, h.conversions) == (5, 2, 18.5, 2, 1)
    assert (t.revenue, t.squares, t.places) == (Decimal("18.50"), Decimal("249.2500"), -2)
    assert str(t.revenue) == "18.50"  # the exponent exact addition gives
    assert (t.first_touch_conversions, t.first_touch_revenue) == (1, Decimal("15.50"))
    assert (t.last_touch_conversions, t.last_touch_revenue) == (2, Decimal("8.50"))


def test_group_outcomes_need_one_currency_or_a_named_one() -> None:
    buyers = {
        "a": MeasuredBuyer(Group.TREATED, ((Decimal(10), "EUR", None),), None),
        "b": MeasuredBuyer(Group.TREATED, ((Decimal(9), "PLN", None),), None),
    }
    measured = MeasuredGroups({Group.TREATED: 2}, buyers)
    with pytest.raises(CurrencyMismatchError):
        group_outcomes("k", measured, None)
    cur, groups = group_outcomes("k", measured, "PLN")
    assert (cur, groups[Group.TREATED].conversions, groups[Group.TREATED].total) == ("PLN", 2, 9)


amounts = st.lists(
    st.decimals(min_value=0, max_value=500, places=2, allow_nan=False), min_size=2, max_size=40
)


@settings(deadline=None)  # a shared machine: no flaky time limit
@given(treated=amounts, holdout=amounts)
def test_revenue_uplift_of_sums_equals_the_per_member_one(
    treated: list[Decimal], holdout: list[Decimal]
) -> None:
    tallied = GroupOutcome.tally(
        [MemberOutcome(Group.TREATED, bool(v), v) for v in treated]
        + [MemberOutcome(Group.HELD_OUT, bool(v), v) for v in holdout]
    )
    t, h = tallied[Group.TREATED], tallied[Group.HELD_OUT]
    places = min(t.places, h.places)
    by_sums = revenue_uplift_of_sums(
        (t.members, t.revenue, t.squares), (h.members, h.revenue, h.squares), places=places
    )
    # The per-member definition and the per-amount one it replaced give the same figures.
    assert by_sums == revenue_uplift(treated, holdout)
    assert by_sums == revenue_uplift_of_counts(Counter(treated), Counter(holdout), places=places)


skewed = st.lists(
    st.one_of(
        st.just(Decimal(0)),
        st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False),
        st.integers(0, 10**9).map(Decimal),
    ),
    min_size=2,
    max_size=60,
)


@settings(deadline=None)
@given(treated=skewed, holdout=skewed)
def test_revenue_uplift_of_sums_equals_the_per_amount_one_on_skewed_revenue(
    treated: list[Decimal], holdout: list[Decimal]
) -> None:
    def sums(values: list[Decimal]) -> tuple[int, Decimal, Decimal]:
        return len(values), sum(values, Decimal(0)), sum((v * v for v in values), Decimal(0))

    places = min(min(int(v.as_tuple().exponent) for v in treated + holdout), 0)
    old = revenue_uplift_of_counts(Counter(treated), Counter(holdout), places=places)
    assert revenue_uplift_of_sums(sums(treated), sums(holdout), places=places) == old
