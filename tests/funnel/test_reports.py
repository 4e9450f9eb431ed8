from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import Money, RatesTable
from crmkit.errors import CurrencyMismatchError
from crmkit.funnel import (
    Deal,
    Pipeline,
    Stage,
    StageChange,
    forecast,
    funnel_report,
    lose,
    move,
    open_deal,
    pipeline_as_of,
    reopen,
    rotting_deals,
    win,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PIPE = Pipeline.new(
    "Sales",
    [
        "New",
        Stage("Qualified", 0.25, timedelta(days=3)),
        Stage("Proposal", 0.5),
        Stage("Negotiation", 0.8),
    ],
)


def _history(
    steps: list[tuple[str, int]],
    value: str = "100",
    currency: str = "EUR",
    close: date | None = None,
) -> tuple[Deal, list[StageChange]]:
    deal, first = open_deal(
        PIPE, title="D", value=Money(value, currency), contact_id="c", at=T0, expected_close=close
    )
    changes = [first]
    for action, day in steps:
        at = T0 + timedelta(days=day)
        if action == "won":
            deal, c = win(deal, at=at)
        elif action == "lost":
            deal, c = lose(deal, reason="price", at=at)
        elif action == "reopen":
            deal, c = reopen(deal, PIPE, at=at)
        else:
            deal, c = move(deal, PIPE, action, at=at)
        changes.append(c)
    return deal, changes


def test_forward_skip_counts_as_passing_through_but_adds_no_stay() -> None:
    deal, changes = _history([("Negotiation", 2), ("won", 5)])
    report = funnel_report(PIPE, [deal], changes)
    assert [s.entered for s in report.stages] == [1, 1, 1, 1]
    assert [s.moved_on for s in report.stages] == [1, 1, 1, 1]
    assert report.stages[1].median_time_in_stage is None  # never actually sat in Qualified
    assert report.stages[0].median_time_in_stage == timedelta(days=2)
    assert report.win_rate == 1.0
    assert report.average_cycle == timedelta(days=5)


def test_time_in_stage_counts_only_stays_that_ended() -> None:
    a, ca = _history([("Qualified", 1), ("Proposal", 4)])
    b, cb = _history([("Qualified", 2)])  # still in Qualified: not counted
    report = funnel_report(PIPE, [a, b], ca + cb)
    assert report.stages[1].median_time_in_stage == timedelta(days=3)
    assert report.stages[1].entered == 2
    assert report.stages[1].moved_on == 1
    assert report.stages[1].drop_off == 1


def test_lost_reasons_are_reported_where_deals_were_lost() -> None:
    a, ca = _history([("Proposal", 1), ("lost", 2)])
    b, cb = _history([("lost", 1)])
    report = funnel_report(PIPE, [a, b], ca + cb)
    assert report.stages[2].lost_reasons == (("price", 1),)
    assert report.stages[0].lost_here == 1
    assert report.win_rate == 0.0


def test_since_until_and_owner_select_by_creation() -> None:
    a, ca = _history([])
    report = funnel_report(PIPE, [a], ca, since=T0 + timedelta(days=1))
    assert report.stages[0].entered == 0
    assert report.win_rate is None


def test_board_as_of_a_past_date_replays_history() -> None:
    a, ca = _history([("Qualified", 1), ("Proposal", 3), ("won", 6)])
    board = pipeline_as_of(PIPE, [a], ca, T0 + timedelta(days=2))
    assert board.column("Qualified") == (a.id,)
    assert pipeline_as_of(PIPE, [a], ca, T0 + timedelta(days=7)).won == 1


def test_rotting_deals_are_those_past_their_stage_limit() -> None:
    stale, _ = _history([("Qualified", 1)])
    fresh, _ = _history([("Qualified", 9)])
    now = T0 + timedelta(days=10)
    assert [d.id for d in rotting_deals(PIPE, [stale, fresh], now)] == [stale.id]


def test_forecast_weights_by_stage_probability_per_close_month() -> None:
    a, _ = _history([("Proposal", 1)], value="1000", close=date(2026, 3, 10))
    b, _ = _history([("Negotiation", 1)], value="500", close=date(2026, 3, 20))
    c, _ = _history([], value="50")
    months = forecast(PIPE, [a, b, c])
    assert [(m.month, m.weighted_value) for m in months] == [
        ("2026-03", Money("900.00", "EUR")),
        ("unscheduled", Money("0.00", "EUR")),
    ]


def test_forecast_across_currencies_needs_rates() -> None:
    a, _ = _history([("Proposal", 1)], value="1000", close=date(2026, 3, 10))
    b, _ = _history([("Proposal", 1)], value="9850", currency="ALL", close=date(2026, 3, 12))
    with pytest.raises(CurrencyMismatchError):
        forecast(PIPE, [a, b])
    rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.01")])
    (month,) = forecast(PIPE, [a, b], rates=rates)
    assert month.pipeline_value == Money("1098.5", "EUR")


ACTIONS = st.sampled_from(["New", "Qualified", "Proposal", "Negotiation", "won", "lost", "reopen"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Deal], list[StageChange]]:
    deals, changes = [], []
    for _ in range(draw(st.integers(1, 8))):
        deal, first = open_deal(PIPE, title="D", value=Money("10", "EUR"), contact_id="c", at=T0)
        history = [first]
        day = 0
        for action in draw(st.lists(ACTIONS, max_size=6)):
            day += draw(st.integers(0, 3))
            at = T0 + timedelta(days=day)
            try:
                if action == "won":
                    deal, c = win(deal, at=at)
                elif action == "lost":
                    deal, c = lose(deal, reason="price", at=at)
                elif action == "reopen":
                    deal, c = reopen(deal, PIPE, at=at)
                else:
                    deal, c = move(deal, PIPE, action, at=at)
            except ValueError:
                continue  # an invalid step for this state: the rules refused it
            history.append(c)
        deals.append(deal)
        changes += history
    return deals, changes


@settings(max_examples=60, deadline=None)
@given(histories())
def test_funnel_invariants_hold_for_any_history(data: tuple[list[Deal], list[StageChange]]) -> None:
    deals, changes = data
    report = funnel_report(PIPE, deals, changes)
    entered = [s.entered for s in report.stages]
    assert entered == sorted(entered, reverse=True)
    assert entered[0] == len(deals)
    for s in report.stages:
        assert 0 <= s.moved_on <= s.entered
        assert s.conversion_rate is None or 0.0 <= s.conversion_rate <= 1.0
        assert s.won <= s.entered
    assert report.won + report.lost + report.open == len(deals)
    end = pipeline_as_of(PIPE, deals, changes, T0 + timedelta(days=100))
    assert end.won == report.won
    assert end.lost == report.lost
    for stage in PIPE.stage_names:
        assert sorted(end.column(stage)) == sorted(
            d.id for d in deals if d.status.value == "open" and d.stage == stage
        )
