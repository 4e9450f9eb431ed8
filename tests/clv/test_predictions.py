"""Predictions pinned against independent implementations, and the special functions.

Reference values were computed with lifetimes 0.11.3 and scipy.special.hyp2f1 (scipy 1.17)
from the same parameters; neither is needed to run these tests.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.clv import (
    BetaGeoFit,
    GammaGammaFit,
    GammaGammaModel,
    ParetoNBDFit,
    customer_lifetime_value,
)
from crmkit.clv._special import _series, log_abs_hyp2f1
from crmkit.clv.simulate import simulate_gammagamma
from crmkit.errors import ModelError

BG = BetaGeoFit.from_params(r=0.2425, alpha=4.4136, a=0.7929, b=2.4259)
GG = GammaGammaFit.from_params(p=6.2487, q=3.7446, v=15.4481)
PARETO = ParetoNBDFit.from_params(
    r=0.5532751358569352, alpha=10.577656972368162, s=0.6062223612054519, beta=11.66823434641034
)


@pytest.mark.parametrize(
    ("x", "t_x", "T", "p_alive", "expected_39"),
    [
        (2, 30.43, 38.86, 0.86911785, 1.45510757),
        (7, 35.0, 38.86, 0.93605677, 4.63613751),
        (1, 1.71, 38.86, 0.16787255, 0.17098062),
        (0, 0.0, 38.86, 0.29509774, 0.10705966),
    ],
)
def test_pareto_nbd_predictions_match_lifetimes(
    x: float, t_x: float, T: float, p_alive: float, expected_39: float
) -> None:
    assert PARETO.p_alive(x, t_x, T) == pytest.approx(p_alive, rel=1e-7)
    assert PARETO.expected_purchases(39, x, t_x, T) == pytest.approx(expected_39, rel=1e-7)


def test_pareto_nbd_new_customer_matches_lifetimes() -> None:
    assert PARETO.expected_purchases_new_customer(39) == pytest.approx(1.2134039394366316)


def test_gamma_gamma_average_value_matches_lifetimes() -> None:
    fit = GammaGammaFit.from_params(p=6.248677492315195, q=3.744596891426086, v=15.448129735114954)
    ours = fit.expected_average_value([2, 7, 1], [22.35, 40.0, 11.77])
    assert ours == pytest.approx([24.6586702, 39.71488871, 18.91161188], rel=1e-8)


def test_clv_matches_lifetimes_discounted_cash_flow() -> None:
    # lifetimes' customer_lifetime_value(time=12, freq="W", discount_rate=0.01) steps
    # 4.345 weeks per month; the same periods here give the same sums.
    month = timedelta(weeks=4.345)
    value = customer_lifetime_value(
        BG,
        GG,
        [2, 7, 0],
        [30.43, 35.0, 0.0],
        [38.86] * 3,
        [22.35, 40.0, 0.0],
        time_unit=timedelta(weeks=1),
        period=month,
        horizon=12 * month,
        discount_rate=0.01,
    )
    assert value == pytest.approx([36.27775548, 207.15240803, 8.34101883], rel=1e-8)


def test_clv_of_one_customer_is_a_number() -> None:
    one = customer_lifetime_value(BG, GG, 2, 30.43, 38.86, 22.35, time_unit=timedelta(weeks=1))
    many = customer_lifetime_value(
        BG, GG, [2], [30.43], [38.86], [22.35], time_unit=timedelta(weeks=1)
    )
    assert isinstance(one, float)
    assert [one] == many


def test_clv_refuses_a_spend_fit_with_infinite_mean() -> None:
    heavy = GammaGammaFit.from_params(p=6.0, q=0.9, v=15.0)
    assert not heavy.finite_mean
    with pytest.raises(ModelError, match=r"q=0\.9"):
        customer_lifetime_value(
            BG, heavy, [2], [30.0], [39.0], [20.0], time_unit=timedelta(weeks=1)
        )


def test_heavy_tailed_spend_fits_to_q_below_one_and_is_flagged() -> None:
    freq = [float(1 + i % 6) for i in range(3000)]
    spend = simulate_gammagamma(freq, p=3.0, q=0.6, v=10.0, seed=7)
    fit = GammaGammaModel().fit(freq, spend)
    assert fit.params["q"] < 1.0
    assert not fit.finite_mean
    with pytest.raises(ModelError):
        fit.expected_average_value(2, 20.0)


def test_gamma_gamma_recovers_the_parameters_of_a_simulated_population() -> None:
    truth = {"p": 6.25, "q": 3.74, "v": 15.44}
    freq = [float(1 + (i * 7) % 9) for i in range(10_000)]
    fit = GammaGammaModel().fit(freq, simulate_gammagamma(freq, **truth, seed=3))
    for name, value in truth.items():
        se = fit.standard_errors[name]
        assert se is not None
        assert abs(fit.params[name] - value) <= 3.5 * se, (name, fit.params[name], se)


def test_bgnbd_predictions_stay_right_when_a_plus_b_is_below_one() -> None:
    # The hypergeometric's third argument a + b - 1 is negative here and the function takes
    # both signs; lifetimes (scipy) gives these values.
    fit = BetaGeoFit.from_params(r=0.5, alpha=4.0, a=0.3, b=0.4)
    assert fit.expected_purchases(10, 0, 0, 10) == pytest.approx(0.2997557712573053, rel=1e-10)
    assert fit.expected_purchases_new_customer(10) == pytest.approx(0.8286803277240387, rel=1e-10)


@pytest.mark.parametrize(("x", "t_x"), [(5000, 38.0), (3000, 38.8), (800, 20.0)])
def test_bgnbd_predictions_are_finite_for_thousands_of_purchases(x: float, t_x: float) -> None:
    e = BG.expected_purchases(52, x, t_x, 39.0)
    assert isinstance(e, float)
    assert math.isfinite(e)
    assert e >= 0.0


@pytest.mark.parametrize(
    ("a", "b", "c", "z", "value"),
    [
        (0.5, 0.4, -0.3, 10 / 24, 0.3935383335583082),
        (0.5, 0.4, -0.3, 0.9, -12.377364916804954),
        (2.5, 1.5, -1.7, 0.6, 6759.909033097963),
        (0.3, 2.0, 0.5, 0.99, 2205.507390674048),
        (200.0, 150.0, 40.0, 0.5, 9.880396496477966e127),
    ],
)
def test_hypergeometric_matches_scipy(a: float, b: float, c: float, z: float, value: float) -> None:
    sign, log_abs = log_abs_hyp2f1(a, b, c, z)
    assert sign * math.exp(log_abs) == pytest.approx(value, rel=1e-9)


@given(
    a=st.floats(0.05, 30.0), b=st.floats(0.05, 30.0), c=st.floats(0.05, 30.0), z=st.floats(0.0, 0.9)
)
def test_euler_transformation_agrees_with_the_plain_series(
    a: float, b: float, c: float, z: float
) -> None:
    sign, log_abs = log_abs_hyp2f1(a, b, c, z)
    plain_sign, plain_log, _ = _series(a, b, c, z)
    assert sign == plain_sign
    assert log_abs == pytest.approx(plain_log, rel=1e-9, abs=1e-9)


def test_hypergeometric_refuses_a_pole() -> None:
    with pytest.raises(ModelError, match="c=-2"):
        log_abs_hyp2f1(1.0, 1.0, -2.0, 0.5)
