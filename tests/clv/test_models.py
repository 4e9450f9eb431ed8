from __future__ import annotations

import math
import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Money
from crmkit.clv import (
    BetaGeoModel,
    GammaGammaFit,
    GammaGammaModel,
    ParetoNBDModel,
    customer_lifetime_value,
    formula_clv,
    rfm_summary,
)
from crmkit.clv._special import log_hyp2f1, log_hyp2f1_a1
from crmkit.clv.paretonbd import ParetoNBDFit
from crmkit.clv.simulate import simulate_bgnbd, simulate_paretonbd
from crmkit.errors import (
    ConvergenceWarning,
    CurrencyMismatchError,
    InvalidDatetimeError,
    ModelError,
    ValidationError,
)


def _within(
    fit_params: dict[str, float],
    errors: dict[str, float | None],
    truth: dict[str, float],
    k: float = 3.5,
) -> None:
    for name, true in truth.items():
        se = errors[name]
        assert se is not None
        assert abs(fit_params[name] - true) <= k * se, (name, fit_params[name], true, se)


def test_bgnbd_recovers_the_parameters_of_a_simulated_population() -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    x, t_x, T = simulate_bgnbd(10_000, **truth, T=(30.0, 40.0), seed=11, resolution=1 / 7)
    fit = BetaGeoModel().fit(x, t_x, T)
    _within(fit.params, fit.standard_errors, truth)


def test_pareto_nbd_recovers_the_parameters_of_a_simulated_population() -> None:
    truth = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    x, t_x, T = simulate_paretonbd(10_000, **truth, T=(30.0, 40.0), seed=5, resolution=1 / 7)
    fit = ParetoNBDModel().fit(x, t_x, T)
    _within(fit.params, fit.standard_errors, truth)


@given(a=st.floats(0.1, 20_000.0), share=st.floats(0.0, 1.0), z=st.floats(0.0, 0.999))
def test_pareto_hypergeometric_term_stays_finite(a: float, share: float, z: float) -> None:
    b = share * (a + 1.0)  # the Pareto/NBD likelihood always has b <= a + 1
    if b > 0:
        assert math.isfinite(log_hyp2f1_a1(a, b, z))


def test_hypergeometric_outside_the_pareto_domain_fails_loudly_not_wrongly() -> None:
    # b > a + 1 with z near 1 needs millions of terms: an error, never a truncated sum.
    with pytest.raises(ModelError, match="did not converge"):
        log_hyp2f1_a1(1.0, 1595.0, 0.998046875)


def test_hypergeometric_agrees_with_the_plain_series_where_both_work() -> None:
    for a, b, z in [(1.5, 0.7, 0.3), (3.2, 2.1, 0.8), (12.0, 1.2, 0.95)]:
        assert log_hyp2f1_a1(a, b, z) == pytest.approx(log_hyp2f1(a, b, a + 1.0, z), rel=1e-10)


@pytest.mark.parametrize(
    ("x", "t_x", "T"), [(5000, 38.0, 39.0), (3000, 0.5, 0.6), (10, 5.0, 1e6), (0, 0.0, 1e-3)]
)
def test_pareto_nbd_gives_finite_answers_in_extreme_corners(x: float, t_x: float, T: float) -> None:
    fit = ParetoNBDFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    p = fit.p_alive(x, t_x, T)
    e = fit.expected_purchases(10, x, t_x, T)
    assert isinstance(p, float)
    assert 0.0 <= p <= 1.0
    assert isinstance(e, float)
    assert math.isfinite(e)
    assert e >= 0


@pytest.mark.parametrize(
    ("x", "t_x", "T", "field"),
    [
        (-1, 0, 10, "frequency"),
        (1.5, 1, 10, "frequency"),
        (2, 11, 10, "recency"),
        (0, 3, 10, "recency"),
        (1, 1, 0, "T"),
        (1, -1, 10, "recency"),
    ],
)
def test_impossible_summaries_are_rejected_naming_the_value(
    x: float,
    t_x: float,
    T: float,
    field: str,
) -> None:
    with pytest.raises(ValidationError) as info:
        BetaGeoModel().fit([x], [t_x], [T])
    assert info.value.field == field


def test_degenerate_fit_warns_and_says_so() -> None:
    # Everybody buys steadily and nobody ever drops out: BG/NBD's a, b run off to a boundary.
    x = [10.0] * 50 + [9.0] * 50
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = BetaGeoModel().fit(x, [38.0] * 100, [39.0] * 100)
    assert not fit.converged
    assert fit.info.at_boundary or not fit.info.converged
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_gamma_gamma_with_infinite_mean_spend_is_flagged_not_negative() -> None:
    # Heavy-tailed spend: a few enormous averages push q below 1.
    freq = [1.0] * 40 + [2.0] * 40
    spend = [1.0] * 38 + [1e6, 5e6] + [2.0] * 39 + [1e7]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = GammaGammaModel().fit(freq, spend)
    if fit.params["q"] <= 1.0:
        assert not fit.finite_mean
        with pytest.raises(ModelError):
            fit.expected_average_value(1, 10.0)
    else:  # pragma: no cover - depends on the optimiser; the flag must then be True
        assert fit.finite_mean


def test_clv_discounts_and_ranks_customers() -> None:
    x, t_x, T = simulate_bgnbd(2000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=2)
    bg = BetaGeoModel().fit(x, t_x, T)
    gg = GammaGammaFit.from_params(p=6.25, q=3.74, v=15.44)
    args = ([5.0, 0.0], [35.0, 0.0], [39.0, 39.0], [30.0, 0.0])
    cheap = customer_lifetime_value(bg, gg, *args, time_unit=timedelta(weeks=1), discount_rate=0.0)
    dear = customer_lifetime_value(bg, gg, *args, time_unit=timedelta(weeks=1), discount_rate=0.05)
    assert isinstance(cheap, list)
    assert isinstance(dear, list)
    assert cheap[0] > cheap[1] > 0
    assert dear[0] < cheap[0]


def test_formula_clv_follows_the_documented_formula() -> None:
    value = formula_clv(
        average_order_value=Money("100", "EUR"),
        purchases_per_year=Decimal(2),
        margin=Decimal("0.5"),
        lifespan_years=2,
        discount_rate=Decimal(0),
    )
    assert value == Money("200.00", "EUR")
    with pytest.raises(ValidationError):
        formula_clv(
            average_order_value=Money("1", "EUR"),
            purchases_per_year=2.0,  # type: ignore[arg-type]
            margin=Decimal(1),
            lifespan_years=1,
        )


def test_rfm_summary_rejects_naive_datetimes_and_mixed_currencies() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidDatetimeError):
        rfm_summary([("a", t.replace(tzinfo=None), None)], observation_end=t)
    with pytest.raises(CurrencyMismatchError):
        rfm_summary([("a", t, Money("1", "EUR")), ("a", t, Money("1", "ALL"))], observation_end=t)


def test_calibration_table_tracks_the_holdout_on_cdnow() -> None:
    from crmkit.clv.plots import calibration_vs_holdout
    from crmkit.datasets import load_cdnow_transactions

    summary = rfm_summary(
        ((t.customer_id, t.occurred_at, t.amount) for t in load_cdnow_transactions()),
        observation_end=datetime(1998, 6, 30, tzinfo=UTC),
        calibration_end=datetime(1997, 9, 30, tzinfo=UTC),
    )
    fit = BetaGeoModel().fit(summary.frequency, summary.recency, summary.T)
    rows = calibration_vs_holdout(fit, summary)
    assert [r[0] for r in rows] == list(range(8))
    for _, actual, predicted, _count in rows:
        # The published fit tracks the holdout closely (Fader, Hardie & Lee 2005, figure 4).
        assert abs(actual - predicted) < 0.35 + 0.15 * actual


def test_plots_without_matplotlib_name_what_to_install() -> None:
    from crmkit.clv import BetaGeoFit
    from crmkit.clv.plots import plot_p_alive_matrix
    from crmkit.errors import ConfigurationError

    fit = BetaGeoFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigurationError, match="pip install matplotlib"):
            plot_p_alive_matrix(fit, max_frequency=5, T=39.0)
    else:  # pragma: no cover - depends on the environment
        assert plot_p_alive_matrix(fit, max_frequency=5, T=39.0) is not None
