"""The sBG contract-retention model: published fits, residual lifetime, validation, properties."""

from __future__ import annotations

import itertools
import math
import time
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.clv import ShiftedBetaGeoFit, ShiftedBetaGeoModel
from crmkit.clv._special import betaln
from crmkit.clv.simulate import simulate_sbg
from crmkit.errors import ConvergenceWarning, ValidationError

# Fader & Hardie (2007), "How to project customer retention", table 1: customers of one
# 1,000-strong cohort still active at years 0..12. Years 0..7 are fitted, 8..12 held out.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


def test_reproduces_the_published_fit_of_the_regular_customers() -> None:
    fit = ShiftedBetaGeoModel().fit(REGULAR[:8])
    assert fit.params["alpha"] == pytest.approx(0.704, rel=0.005)
    assert fit.params["beta"] == pytest.approx(1.182, rel=0.005)
    assert fit.converged


def test_reproduces_the_published_fit_of_the_high_end_customers() -> None:
    fit = ShiftedBetaGeoModel().fit(HIGH_END[:8])
    assert fit.params["alpha"] == pytest.approx(0.668, rel=0.005)
    assert fit.params["beta"] == pytest.approx(3.806, rel=0.005)
    assert fit.converged


@pytest.mark.parametrize("cohort", [REGULAR, HIGH_END], ids=["regular", "high-end"])
def test_projects_the_held_out_years_as_closely_as_the_paper(cohort: list[int]) -> None:
    # The paper's point: fitted on 7 years, the sBG tracks years 8..12 within a couple of
    # percentage points, where regression curves drift far off.
    fit = ShiftedBetaGeoModel().fit(cohort[:8])
    projected = fit.expected_survivors(12, cohort=cohort[0])
    for year in range(8, 13):
        assert abs(projected[year] - cohort[year]) < 20, year


def test_log_likelihood_is_the_papers_sum_of_beta_functions() -> None:
    fit = ShiftedBetaGeoModel().fit(REGULAR[:8])
    a, b = fit.params["alpha"], fit.params["beta"]
    expected = sum(
        (REGULAR[t - 1] - REGULAR[t]) * (betaln(a + 1, b + t - 1) - betaln(a, b))
        for t in range(1, 8)
    ) + REGULAR[7] * (betaln(a, b + 7) - betaln(a, b))
    assert fit.log_likelihood == pytest.approx(expected, rel=1e-12)


def test_fitting_eight_periods_takes_well_under_50_ms() -> None:
    model = ShiftedBetaGeoModel()
    best = math.inf
    for _ in range(5):  # the best of a few runs: the machine may be busy
        start = time.perf_counter()
        model.fit(HIGH_END[:8])
        best = min(best, time.perf_counter() - start)
    assert best < 0.05


FIT = ShiftedBetaGeoFit.from_params(alpha=0.668, beta=3.806)


def test_churn_in_each_period_and_the_survivors_add_up_to_the_cohort() -> None:
    for k in (1, 5, 40):
        lost = sum(FIT.churn_probability(t) for t in range(1, k + 1))
        assert lost + FIT.survival(k) == pytest.approx(1.0, rel=1e-12)


def test_retention_rate_is_the_ratio_of_successive_survival() -> None:
    for t in (1, 2, 7, 30):
        assert FIT.retention_rate(t) == pytest.approx(FIT.survival(t) / FIT.survival(t - 1))


def test_a_sequence_of_periods_gives_a_list() -> None:
    assert FIT.survival([0, 3]) == [1.0, FIT.survival(3)]
    assert FIT.retention_rate(range(1, 4)) == [FIT.retention_rate(t) for t in (1, 2, 3)]
    assert FIT.expected_survivors(2, cohort=500) == [
        500.0,
        500 * FIT.survival(1),
        500 * FIT.survival(2),
    ]


def _derl_by_summing(fit: ShiftedBetaGeoFit, d: float, renewals: int) -> float:
    """Fader & Hardie (2010): the sum over t >= n of S(t) / S(n - 1) / (1 + d)^(t - n), with
    n = renewals + 1, summed directly until the terms are negligible."""
    n = renewals + 1
    alive_now = fit.survival(n - 1)
    total, t = 0.0, n
    while True:
        term = fit.survival(t) / alive_now / (1.0 + d) ** (t - n)
        total += term
        if term < 1e-15 * total:
            return total
        t += 1


@pytest.mark.parametrize(("alpha", "beta"), [(0.668, 3.806), (0.704, 1.182), (3.2, 1.5)])
@pytest.mark.parametrize("renewals", [0, 1, 4, 12])
@pytest.mark.parametrize("d", [0.05, 0.1, 0.5])
def test_derl_matches_the_discounted_sum_it_closes(
    alpha: float, beta: float, renewals: int, d: float
) -> None:
    fit = ShiftedBetaGeoFit.from_params(alpha=alpha, beta=beta)
    direct = _derl_by_summing(fit, d, renewals)
    assert fit.derl(d, renewals=renewals) == pytest.approx(direct, rel=1e-9)


def test_derl_grows_with_renewals_as_the_churners_are_sorted_out() -> None:
    values = [FIT.derl(0.1, renewals=k) for k in range(10)]
    assert values == sorted(values)
    assert values[0] < values[-1]


@pytest.mark.parametrize(
    ("counts", "value"),
    [
        ([1000, 600, 650, 500], 650),
        ([1000, 600, True], True),
        ([1000, 600.0, 500], 600.0),
        ([1000, -1, -2], -1),
        ([1000, "600", 500], "600"),
    ],
)
def test_impossible_survivor_counts_are_refused_naming_the_value(
    counts: list[object], value: object
) -> None:
    with pytest.raises(ValidationError) as info:
        ShiftedBetaGeoModel().fit(counts)  # type: ignore[arg-type]
    assert info.value.field == "survivors"
    assert info.value.value == value
    assert repr(value) in str(info.value)


def test_a_count_that_goes_up_says_where() -> None:
    with pytest.raises(ValidationError, match=r"went up at period 2 \(600 -> 650\)"):
        ShiftedBetaGeoModel().fit([1000, 600, 650, 500])


@pytest.mark.parametrize("counts", [[1000], [1000, 600], [], [0, 0, 0]])
def test_too_little_data_to_fit_two_parameters_is_refused(counts: list[int]) -> None:
    with pytest.raises(ValidationError) as info:
        ShiftedBetaGeoModel().fit(counts)
    assert info.value.field == "survivors"


def test_cohorts_must_be_a_list_of_lists() -> None:
    for bad in ([], "1000,600,500", 1000):
        with pytest.raises(ValidationError):
            ShiftedBetaGeoModel().fit_cohorts(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda f: f.survival(-1), "t"),
        (lambda f: f.retention_rate(0), "t"),
        (lambda f: f.churn_probability(True), "t"),
        (lambda f: f.survival(2.0), "t"),
        (lambda f: f.derl(0.0), "discount_rate"),
        (lambda f: f.derl(math.inf), "discount_rate"),
        (lambda f: f.derl(0.1, renewals=-1), "renewals"),
        (lambda f: f.expected_survivors(3, cohort=-5), "cohort"),
        (lambda f: f.expected_survivors(-1, cohort=5), "periods"),
    ],
)
def test_impossible_arguments_of_predictions_are_refused(call: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call(FIT)  # type: ignore[operator]
    assert info.value.field == field


def test_a_cohort_nobody_leaves_warns_that_the_fit_degenerated() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ShiftedBetaGeoModel().fit([500, 500, 500, 500])
    assert not fit.converged
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_one_cohort_through_fit_cohorts_is_the_same_fit() -> None:
    one = ShiftedBetaGeoModel().fit(REGULAR[:8])
    same = ShiftedBetaGeoModel().fit_cohorts([REGULAR[:8]])
    assert same.params == one.params


def test_cohorts_of_different_ages_recover_the_shared_parameters() -> None:
    cohorts = [simulate_sbg(20_000, alpha=0.9, beta=2.5, periods=p, seed=p) for p in (8, 5, 2)]
    fit = ShiftedBetaGeoModel().fit_cohorts(cohorts)
    for name, true in {"alpha": 0.9, "beta": 2.5}.items():
        se = fit.standard_errors[name]
        assert se is not None
        assert abs(fit.params[name] - true) <= 4 * se, (name, fit.params[name], se)


@settings(max_examples=15, deadline=None)
@given(alpha=st.floats(0.3, 3.0), beta=st.floats(0.5, 6.0), seed=st.integers(0, 10_000))
def test_recovers_the_parameters_of_a_simulated_cohort(
    alpha: float, beta: float, seed: int
) -> None:
    survivors = simulate_sbg(50_000, alpha=alpha, beta=beta, periods=10, seed=seed)
    fit = ShiftedBetaGeoModel().fit(survivors)
    for name, true in {"alpha": alpha, "beta": beta}.items():
        se = fit.standard_errors[name]
        assert se is not None
        assert abs(fit.params[name] - true) <= 4.5 * se, (name, fit.params[name], true, se)


params = st.floats(0.01, 100.0)


@given(alpha=params, beta=params)
def test_survival_falls_and_stays_a_probability(alpha: float, beta: float) -> None:
    fit = ShiftedBetaGeoFit.from_params(alpha=alpha, beta=beta)
    curve = fit.survival(range(60))
    assert curve[0] == 1.0
    assert all(0.0 <= s <= 1.0 for s in curve)
    assert all(later <= earlier for earlier, later in itertools.pairwise(curve))


@given(alpha=params, beta=params)
def test_retention_rises_with_tenure(alpha: float, beta: float) -> None:
    # The sBG's signature: heterogeneity sorts out the churners, so the survivors of a cohort
    # renew more often each period even though no customer's own rate changes.
    rates = ShiftedBetaGeoFit.from_params(alpha=alpha, beta=beta).retention_rate(range(1, 60))
    assert all(0.0 < r < 1.0 for r in rates)
    assert all(later > earlier for earlier, later in itertools.pairwise(rates))


def test_plot_retention_draws_the_observed_shares_beside_the_model() -> None:
    import matplotlib.pyplot as plt

    from crmkit.clv.plots import plot_retention

    fit = ShiftedBetaGeoModel().fit(REGULAR[:8])
    ax = plot_retention(fit, REGULAR, periods=15)
    try:
        assert ax.get_title() == "Retention: survival of the cohort"
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("period", "share of the cohort still active")
        observed, model = ax.get_lines()
        assert (observed.get_label(), model.get_label()) == ("observed", "sBG model")
        assert list(observed.get_ydata()) == [n / 1000 for n in REGULAR]
        assert list(model.get_xdata()) == list(range(16))
        assert list(model.get_ydata()) == fit.survival(range(16))
    finally:
        plt.close(ax.figure)


def test_plot_retention_needs_a_cohort_to_draw() -> None:
    from crmkit.clv.plots import plot_retention

    with pytest.raises(ValidationError) as info:
        plot_retention(FIT, [])
    assert info.value.field == "observed"
