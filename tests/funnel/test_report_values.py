"""Report values: facts vs assembly, velocity, currencies, filters, rows, repr, DataFrames."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.errors import (
    ConfigurationError,
    CurrencyMismatchError,
    InvalidDatetimeError,
    ValidationError,
)
from crmkit.funnel import (
    Deal,
    FunnelReport,
    Pipeline,
    StageChange,
    StayStats,
    assemble,
    deal_facts,
    funnel_report,
    lose,
    move,
    open_deal,
    win,
)
from crmkit.value.rates import RatesTable

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PIPE = Pipeline.new("Sales", ["New", "Qualified", "Proposal"], now=T0)


def _deal(
    steps: list[tuple[str, float]],
    *,
    value: str = "100",
    currency: str = "EUR",
    start: datetime = T0,
    owner: str | None = None,
) -> tuple[Deal, list[StageChange]]:
    deal, first = open_deal(
        PIPE, title="D", value=Money(value, currency), contact_id="c", owner=owner, at=start
    )
    out = [first]
    for action, day in steps:
        at = start + timedelta(days=day)
        if action == "won":
            deal, c = win(deal, at=at)
        elif action.startswith("lost:"):
            deal, c = lose(deal, reason=action[5:], at=at)
        else:
            deal, c = move(deal, PIPE, action, at=at)
        out.append(c)
    return deal, out


def _report_of(*items: tuple[Deal, list[StageChange]], **options: Any) -> FunnelReport:
    deals = [d for d, _ in items]
    changes = [c for _, cs in items for c in cs]
    return funnel_report(PIPE, deals, changes, **options)


def test_stay_summary_uses_floor_median_and_nearest_rank_p90() -> None:
    us = timedelta(microseconds=1)
    s = StayStats.of([us * 1, us * 2])
    assert (s.median, s.mean, s.p90) == (us * 1, us * 1, us * 2)  # floors, like SQL integers
    ten = StayStats.of([timedelta(days=d) for d in range(1, 11)])
    assert ten.p90 == timedelta(days=9)  # rank ceil(0.9 * 10) = 9
    assert StayStats.of([]).mean is None


def test_report_is_the_assembly_of_its_facts() -> None:
    a = _deal([("Qualified", 1), ("won", 4)])
    b = _deal([("Proposal", 2), ("lost:price", 3)])
    facts = deal_facts(PIPE, [a[0], b[0]], a[1] + b[1])
    assert assemble(facts, name="Sales", pipeline_id=PIPE.id) == _report_of(a, b)
    assert [s.won for s in facts.stages] == [1, 1, 1]
    assert facts.cycle_total == timedelta(days=4)
    assert facts.won_values == (((T0 + timedelta(days=4)).date(), Money("100", "EUR")),)


def test_won_deal_counts_as_passing_every_stage() -> None:
    r = _report_of(_deal([("won", 1)]))
    assert [(s.entered, s.moved_on, s.won) for s in r.stages] == [(1, 1, 1)] * 3
    assert [s.conversion_to_won for s in r.stages] == [1.0, 1.0, 1.0]


def test_backward_move_counts_each_stage_once_and_every_stay() -> None:
    r = _report_of(_deal([("Proposal", 1), ("Qualified", 2), ("Proposal", 5)]))
    assert [s.entered for s in r.stages] == [1, 1, 1]
    assert [s.moved_on for s in r.stages] == [1, 1, 0]
    assert r.stages[2].stays == 1
    assert r.stages[2].median_time_in_stage == timedelta(days=1)
    assert r.stages[1].median_time_in_stage == timedelta(days=3)


def test_deal_created_mid_pipeline_did_not_enter_earlier_stages() -> None:
    deal, first = open_deal(
        PIPE, title="D", value=Money("1", "EUR"), contact_id="c", at=T0, stage="Qualified"
    )
    r = funnel_report(PIPE, [deal], [first])
    assert [s.entered for s in r.stages] == [0, 1, 0]
    assert r.stages[0].conversion_rate is None


def test_win_rate_cycle_and_velocity() -> None:
    r = _report_of(
        _deal([("won", 10)], value="300"),
        _deal([("won", 20)], value="100"),
        _deal([("lost:price", 5)]),
        _deal([("lost:timing", 5)]),
        _deal([]),
        _deal([("Qualified", 1)]),
    )
    assert r.win_rate == 0.5
    assert r.average_cycle == timedelta(days=15)
    assert r.average_won_value == Money("200.00", "EUR")
    # 2 open x 200 EUR x 0.5 / 15 days
    assert r.sales_velocity == Money((Decimal(200) / 15).quantize(Decimal("0.01")), "EUR")
    assert r.open == 2


def test_velocity_is_none_until_something_is_won() -> None:
    r = _report_of(_deal([("lost:price", 1)]), _deal([]))
    assert (r.win_rate, r.sales_velocity, r.average_cycle) == (0.0, None, None)


def test_mixed_currencies_need_rates_for_money_figures_but_not_for_counts() -> None:
    a = _deal([("won", 2)], value="100")
    b = _deal([("won", 4)], value="10000", currency="ALL")
    r = _report_of(a, b)
    assert r.stages[0].entered == 2
    with pytest.raises(CurrencyMismatchError):
        r.sales_velocity  # noqa: B018 - the property raises
    assert "pass rates=" in repr(r)
    rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.01")])
    converted = _report_of(a, b, rates=rates)
    assert converted.won_value == (Money("200.00", "EUR"),)


def test_rates_convert_at_the_close_day() -> None:
    late = T0 + timedelta(days=30)
    rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.01"), (late.date(), "ALL", "0.02")])
    early_deal = _deal([("won", 1)], value="100", currency="ALL")
    late_deal = _deal([("won", 31)], value="100", currency="ALL")
    r = _report_of(early_deal, late_deal, rates=rates, currency="EUR")
    assert r.won_value == (Money("3.00", "EUR"),)


def test_filters_select_deals_by_creation_owner_and_cohort() -> None:
    a = _deal([], owner="arta")
    b = _deal([], owner="mira", start=T0 + timedelta(days=40))
    assert _report_of(a, b, owner="mira").stages[0].entered == 1
    assert _report_of(a, b, until=T0 + timedelta(days=1)).stages[0].entered == 1
    assert _report_of(a, b, since=T0 + timedelta(days=1)).stages[0].entered == 1
    assert _report_of(a, b, cohort="2026-02").stages[0].entered == 1
    assert [c.month for c in _report_of(a, b).cohorts] == ["2026-01", "2026-02"]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"since": datetime(2026, 1, 1)}, InvalidDatetimeError),
        ({"until": "2026-01-01"}, InvalidDatetimeError),
        ({"cohort": "2026-13"}, ValidationError),
        ({"cohort": "January"}, ValidationError),
        ({"owner": 7}, ValidationError),
    ],
)
def test_bad_report_options_are_refused(options: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        _report_of(_deal([]), **options)


def test_rows_repr_and_cohort_rows() -> None:
    r = _report_of(_deal([("Qualified", 2), ("lost:price", 3)]), _deal([("won", 5)]))
    rows = r.to_rows()
    assert [row["stage"] for row in rows] == ["New", "Qualified", "Proposal"]
    assert rows[1]["lost_reasons"] == {"price": 1}
    assert rows[0]["conversion_rate"] == r.stages[0].conversion_rate
    assert r.to_rows("cohorts") == [
        {"month": "2026-01", "created": 2, "won": 1, "lost": 1, "open": 0, "win_rate": 0.5}
    ]
    text = repr(r)
    assert "win rate 50.0%" in text
    assert text.splitlines()[2].split()[:3] == ["New", "2", "2"]
    with pytest.raises(ValidationError):
        r.to_rows("owners")  # type: ignore[arg-type]


def test_to_dataframe_uses_pandas_when_installed() -> None:
    pd = pytest.importorskip("pandas")
    frame = _report_of(_deal([("won", 1)])).to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["entered"]) == [1, 1, 1]


def test_to_dataframe_without_pandas_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ConfigurationError, match="pip install pandas"):
        _report_of(_deal([])).to_dataframe()


def test_target_currency_without_rates_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        _report_of(_deal([("won", 1)]), currency="USD")
    assert info.value.field == "currency"
