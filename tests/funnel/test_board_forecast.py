"""The board, rotting deals and the forecast as values; lifecycle report invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.funnel import (
    Board,
    Deal,
    LifecycleChange,
    LifecycleStages,
    Pipeline,
    Stage,
    change_lifecycle,
    forecast,
    lifecycle_report,
    move,
    open_deal,
    rotting_deals,
    win,
)
from crmkit.funnel.forecast import UNSCHEDULED

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PIPE = Pipeline.new(
    "Sales", [Stage("New", 0.1, timedelta(days=3)), Stage("Proposal", 0.5, timedelta(days=10))]
)


def _open(
    owner: str = "arta",
    *,
    stage: str = "New",
    close: str | None = None,
    value: str = "100",
    at: datetime = T0,
) -> Deal:
    deal, _ = open_deal(
        PIPE,
        title="D",
        value=Money(value, "EUR"),
        contact_id="c",
        owner=owner,
        stage=stage,
        expected_close=close,
        at=at,
    )
    return deal


def test_rotting_deals_are_most_overdue_first_and_filter_by_owner() -> None:
    a = _open("arta", at=T0)  # New, limit 3 days
    b = _open("mira", stage="Proposal", at=T0)  # limit 10 days
    c = _open("mira", at=T0 + timedelta(days=1))
    now = T0 + timedelta(days=12)
    assert [d.id for d in rotting_deals(PIPE, [b, c, a], now)] == [a.id, c.id, b.id]
    assert [d.id for d in rotting_deals(PIPE, [a, b, c], now, owner="mira")] == [c.id, b.id]


def test_closed_and_moved_deals_do_not_rot() -> None:
    won, _ = win(_open(), at=T0 + timedelta(days=1))
    moved, _ = move(_open(), PIPE, "Proposal", at=T0 + timedelta(days=5))
    assert rotting_deals(PIPE, [won, moved], T0 + timedelta(days=6)) == []


def test_naive_now_is_refused() -> None:
    with pytest.raises(InvalidDatetimeError):
        rotting_deals(PIPE, [], datetime(2026, 4, 1))


def test_board_rows_and_repr() -> None:
    board = Board.from_positions(PIPE, T0, [("d1", "Proposal"), ("d2", "lost")])
    assert board.to_rows() == [{"stage": "New", "deals": 0}, {"stage": "Proposal", "deals": 1}]
    assert (board.open, board.lost) == (1, 1)
    assert "open 1, won 0, lost 1" in repr(board)


def test_forecast_orders_months_with_unscheduled_last_and_totals() -> None:
    deals = [
        _open(close="2026-06-01", value="200"),
        _open(value="50"),
        _open(stage="Proposal", close="2026-05-20", value="1000"),
    ]
    f = forecast(PIPE, deals)
    assert [m.month for m in f] == ["2026-05", "2026-06", UNSCHEDULED]
    assert len(f) == 3
    assert f.total_value == Money("1250", "EUR")
    assert f.total_weighted == Money("525.00", "EUR")  # 500 + 20 + 5
    assert f.to_rows()[0]["weighted_value"] == f[0].weighted_value.amount
    assert "Forecast (stage probability)" in repr(f)


def test_forecast_skips_closed_deals_and_other_pipelines() -> None:
    other = Pipeline.new("Other", ["New"])
    elsewhere, _ = open_deal(other, title="X", value=Money("9", "EUR"), contact_id="c", at=T0)
    won, _ = win(_open(close="2026-05-01"), at=T0 + timedelta(days=1))
    assert list(forecast(PIPE, [won, elsewhere])) == []
    assert forecast(PIPE, []).total_weighted is None


def test_forecast_refuses_a_target_currency_without_rates() -> None:
    with pytest.raises(ValidationError):
        forecast(PIPE, [_open(close="2026-05-01")], currency="USD")


def test_forecast_converts_on_a_given_date() -> None:
    from crmkit.value.rates import RatesTable

    rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.01"), ("2026-05-01", "ALL", "0.02")])
    deal, _ = open_deal(
        PIPE,
        title="A",
        value=Money("1000", "ALL"),
        contact_id="c",
        at=T0,
        expected_close=date(2026, 6, 1),
    )
    assert forecast(PIPE, [deal], rates=rates)[0].pipeline_value == Money("20.00", "EUR")
    early = forecast(PIPE, [deal], rates=rates, on=date(2026, 2, 1))
    assert early[0].pipeline_value == Money("10.00", "EUR")


STAGES = LifecycleStages.default()
TARGETS = st.sampled_from(STAGES.stages + STAGES.exits)


@st.composite
def lifecycles(draw: st.DrawFn) -> list[LifecycleChange]:
    out: list[LifecycleChange] = []
    for n in range(draw(st.integers(1, 8))):
        contact = Contact(id=f"c{n}", created_at=T0, updated_at=T0)
        at = T0 + timedelta(days=draw(st.integers(0, 40)))
        previous = None
        for target in draw(st.lists(TARGETS, min_size=1, max_size=6)):
            at += timedelta(hours=draw(st.sampled_from([0, 5, 48])))
            try:
                contact, previous = change_lifecycle(
                    contact, target, at=at, previous=previous, reason="why"
                )
            except ValueError:
                continue
            out.append(previous)
    return out


@settings(max_examples=60, deadline=None)
@given(lifecycles())
def test_lifecycle_report_invariants(changes: list[LifecycleChange]) -> None:
    report = lifecycle_report(changes)
    contacts = {c.contact_id for c in changes}
    in_funnel = {c.contact_id for c in changes if c.to_stage in STAGES.stages}
    assert report.won + report.lost + report.open <= len(contacts)
    assert report.won + report.lost + report.open == len(in_funnel)
    for s in report.stages:
        assert 0 <= s.moved_on <= s.entered <= len(in_funnel)
        assert 0 <= s.won <= s.entered
    customer = STAGES.stages.index("customer")
    reached = {c.contact_id for c in changes if c.to_stage in STAGES.stages[customer:]}
    assert report.won == len(reached)
