"""lifetimes' set of CLV pictures: each figure is drawn with Agg and its content checked
against the numbers it claims to show, and the numbers against the CDNOW study."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crmkit.clv import BetaGeoFit, BetaGeoModel, RFMSummary, rfm_summary
from crmkit.clv.plots import (
    cumulative_transactions,
    frequency_recency_matrix,
    p_alive_history,
    period_transactions,
    plot_calibration_vs_holdout,
    plot_frequency_recency_matrix,
    plot_p_alive_history,
    plot_p_alive_matrix,
    plot_period_transactions,
    plot_transactions,
)
from crmkit.datasets import load_cdnow_transactions
from crmkit.errors import InvalidDatetimeError, ModelError, ValidationError

PUBLISHED = BetaGeoFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
END = datetime(1998, 6, 30, tzinfo=UTC)
CALIBRATION_END = datetime(1997, 9, 30, tzinfo=UTC)
WEEK = timedelta(days=7)


def day(month: int, d: int) -> datetime:
    return datetime(1997, month, d, tzinfo=UTC)


@pytest.fixture(scope="module")
def transactions() -> list[tuple[str, datetime, Any]]:
    return [(t.customer_id, t.occurred_at, t.amount) for t in load_cdnow_transactions()]


@pytest.fixture(scope="module")
def calibration(transactions: list[tuple[str, datetime, Any]]) -> RFMSummary:
    return rfm_summary(transactions, observation_end=END, calibration_end=CALIBRATION_END)


@pytest.fixture(scope="module")
def fit(calibration: RFMSummary) -> BetaGeoFit:
    return BetaGeoModel().fit(calibration.frequency, calibration.recency, calibration.T)


@pytest.mark.parametrize(
    ("params", "t"),
    [((0.243, 4.414, 0.793, 2.426), 39.0), ((2.0, 3.0, 1.5, 4.0), 5.0), ((0.5, 1.0, 0.3, 0.6), 80)],
)
def test_purchase_count_probabilities_sum_to_one_with_the_expected_mean(
    params: tuple[float, float, float, float], t: float
) -> None:
    r, alpha, a, b = params
    fit = BetaGeoFit.from_params(r=r, alpha=alpha, a=a, b=b)
    probabilities = [fit.probability_of_purchases(n, t) for n in range(2000)]
    assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-9)
    mean = math.fsum(n * p for n, p in enumerate(probabilities))
    assert mean == pytest.approx(fit.expected_purchases_new_customer(t), rel=1e-9)


def test_purchase_count_probability_at_time_zero_is_certain_none() -> None:
    assert PUBLISHED.probability_of_purchases(0, 0.0) == 1.0
    assert PUBLISHED.probability_of_purchases(2, 0.0) == 0.0
    with pytest.raises(ModelError):
        PUBLISHED.probability_of_purchases(-1, 3.0)


def test_period_transactions_track_cdnow_customers(
    calibration: RFMSummary, fit: BetaGeoFit
) -> None:
    rows = period_transactions(fit, calibration)
    assert [r[0] for r in rows] == list(range(8))
    assert sum(r[1] for r in rows) == len(calibration) == 2357
    assert sum(r[2] for r in rows) == pytest.approx(2357)
    assert rows[0][1] == sum(1 for x in calibration.frequency if x == 0)
    assert rows[7][1] == sum(1 for x in calibration.frequency if x >= 7)
    for _, actual, expected in rows:  # Fader, Hardie & Lee (2005), figure 2
        assert abs(actual - expected) < 0.12 * actual + 5


def test_plot_period_transactions_draws_actual_beside_model(
    calibration: RFMSummary, fit: BetaGeoFit, pyplot: Any
) -> None:
    ax = plot_period_transactions(fit, calibration, max_frequency=4)
    rows = period_transactions(fit, calibration, max_frequency=4)
    assert ax.get_title() == "Frequency of repeat purchases"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("repeat purchases", "customers")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4+"]
    bars = ax.patches
    assert [b.get_height() for b in bars[:5]] == [r[1] for r in rows]
    assert [b.get_height() for b in bars[5:]] == [r[2] for r in rows]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["actual", "model"]


def test_frequency_recency_matrix_holds_expected_purchases() -> None:
    m = frequency_recency_matrix(PUBLISHED, max_frequency=5, T=39.0, t=4.0)
    cell = PUBLISHED.expected_purchases(4.0, 3.0, 39.0 * 2 / 5, 39.0)
    assert m[3][2] == cell
    assert math.isnan(m[3][0])
    assert math.isnan(m[0][2])
    assert m[5][5] > m[5][4] > m[5][1]  # the more recent, the more purchases to come


def test_plot_frequency_recency_matrix_shows_the_matrix(pyplot: Any) -> None:
    ax = plot_frequency_recency_matrix(PUBLISHED, max_frequency=5, T=39.0, t=4.0)
    expected = frequency_recency_matrix(PUBLISHED, max_frequency=5, T=39.0, t=4.0)
    drawn = ax.get_images()[0].get_array()
    assert drawn[5][5] == expected[5][5]
    assert drawn[2][3] == expected[2][3]
    assert ax.get_title() == "Expected purchases in the next 4, customers of age 39"
    assert ax.get_ylabel() == "frequency (repeat purchases)"
    assert ax.get_xlabel() == "recency (x 7.8)"


def test_plot_p_alive_matrix_is_scaled_zero_to_one(pyplot: Any) -> None:
    ax = plot_p_alive_matrix(PUBLISHED, max_frequency=4, T=39.0)
    image = ax.get_images()[0]
    assert image.get_clim() == (0.0, 1.0)
    assert image.get_array()[4][4] == PUBLISHED.p_alive(4.0, 39.0, 39.0)
    assert ax.get_title() == "P(alive) of customers of age 39"


def test_p_alive_history_follows_the_purchases() -> None:
    purchases = [day(1, 1), day(1, 20), day(3, 1)]
    rows = p_alive_history(PUBLISHED, purchases, until=day(6, 1), unit=WEEK)
    assert [t for t, _ in rows] == [float(n) for n in range(22)]
    assert rows[0] == (0.0, 1.0)
    # Week 10: two repeat purchases, the last 59 days in, ten weeks of age.
    assert rows[10][1] == PUBLISHED.p_alive(2.0, 59 / 7, 10.0)
    assert rows[9][1] > rows[8][1]  # the purchase on day 59 brings the customer back
    assert rows[21][1] < rows[10][1]  # and silence wears P(alive) down


def test_p_alive_history_needs_a_purchase_before_until() -> None:
    with pytest.raises(ValidationError):
        p_alive_history(PUBLISHED, [], until=day(6, 1), unit=WEEK)
    with pytest.raises(InvalidDatetimeError):
        p_alive_history(PUBLISHED, [day(3, 1)], until=day(2, 1), unit=WEEK)


def test_plot_p_alive_history_marks_each_purchase(pyplot: Any) -> None:
    purchases = [day(1, 1), day(1, 20), day(1, 20), day(3, 1), day(7, 1)]  # July: after until
    ax = plot_p_alive_history(PUBLISHED, purchases, until=day(6, 1))
    curve, *marks = ax.get_lines()
    rows = p_alive_history(PUBLISHED, purchases, until=day(6, 1), unit=WEEK)
    assert list(curve.get_ydata()) == [p for _, p in rows]
    assert [m.get_xdata()[0] for m in marks] == [0.0, 19 / 7, 59 / 7]  # one per purchase day
    assert ax.get_xlabel() == "weeks since the first purchase"
    assert (ax.get_title(), ax.get_ylabel()) == ("History of P(alive)", "P(alive)")


def test_cumulative_transactions_track_cdnow(
    transactions: list[tuple[str, datetime, Any]], fit: BetaGeoFit
) -> None:
    rows = cumulative_transactions(fit, transactions, until=END)
    assert [r[0] for r in rows] == list(range(1, 78))
    # Every repeat purchase day of the 77 whole weeks from 1 January 1997 is counted.
    whole_weeks = rfm_summary(transactions, observation_end=datetime(1998, 6, 24, tzinfo=UTC))
    assert rows[-1][1] == sum(whole_weeks.frequency)
    in_39_weeks = rfm_summary(transactions, observation_end=datetime(1997, 10, 1, tzinfo=UTC))
    assert rows[38][1] == sum(in_39_weeks.frequency)
    assert all(a[1] <= b[1] and a[2] < b[2] for a, b in itertools.pairwise(rows))
    for week in (39, 77):  # Fader, Hardie & Lee (2005), figure 3: within a few percent
        assert rows[week - 1][2] == pytest.approx(rows[week - 1][1], rel=0.06)


def test_cumulative_transactions_need_purchases(fit: BetaGeoFit) -> None:
    with pytest.raises(ValidationError):
        cumulative_transactions(fit, [("a", day(7, 1), None)], until=day(6, 1))


def test_plot_cumulative_transactions_draws_actual_model_and_calibration_end(
    transactions: list[tuple[str, datetime, Any]], fit: BetaGeoFit, pyplot: Any
) -> None:
    ax = plot_transactions(fit, transactions, until=END, calibration_end=39)
    rows = cumulative_transactions(fit, transactions, until=END)
    actual, model, calibration_line = ax.get_lines()
    assert list(actual.get_ydata()) == [r[1] for r in rows]
    assert list(model.get_ydata()) == [r[2] for r in rows]
    assert list(calibration_line.get_xdata()) == [39, 39]
    assert ax.get_title() == "Tracking cumulative transactions"
    assert ax.get_ylabel() == "cumulative repeat purchases"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["actual", "model", "calibration end"]


def test_plot_incremental_transactions_draws_the_weekly_differences(
    transactions: list[tuple[str, datetime, Any]], fit: BetaGeoFit, pyplot: Any
) -> None:
    ax = plot_transactions(fit, transactions, until=END, incremental=True)
    rows = cumulative_transactions(fit, transactions, until=END)
    actual, model = ax.get_lines()
    weekly = list(actual.get_ydata())
    assert weekly[0] == rows[0][1]
    assert weekly[10] == rows[10][1] - rows[9][1]
    assert sum(weekly) == rows[-1][1]
    assert sum(model.get_ydata()) == pytest.approx(rows[-1][2])
    assert ax.get_title() == "Tracking incremental transactions"
    assert ax.get_xlabel() == "weeks since the first purchase"


def test_plot_calibration_vs_holdout_is_titled(
    calibration: RFMSummary, fit: BetaGeoFit, pyplot: Any
) -> None:
    ax = plot_calibration_vs_holdout(fit, calibration)
    actual, model = ax.get_lines()
    assert list(actual.get_xdata()) == list(range(8))
    assert ax.get_title() == "Calibration vs holdout purchases"
    assert model.get_label() == "model"
