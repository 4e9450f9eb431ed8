"""The optional NumPy likelihoods compute the same values as the pure-Python ones."""

from __future__ import annotations

import pytest

from crmkit.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, _accel, bgnbd, paretonbd
from crmkit.clv import gammagamma as gg
from crmkit.clv._data import Triples
from crmkit.clv._fit import WARM_START_ABOVE, fit_positive
from crmkit.clv.simulate import simulate_bgnbd, simulate_gammagamma

pytest.importorskip("numpy", reason="the NumPy path is optional")

X, TX, T = simulate_bgnbd(40_000, r=0.3, alpha=20.0, a=0.9, b=2.0, T=(1.0, 200.0), seed=4)
DATA = Triples.build(X, TX, T)


@pytest.mark.parametrize("params", [(0.25, 28.0, 0.8, 2.5), (1.7, 3.0, 0.2, 9.0)])
def test_bgnbd_likelihoods_agree(params: tuple[float, ...]) -> None:
    assert _accel.bgnbd_negative_ll(DATA)(params) == pytest.approx(
        bgnbd._negative_ll(DATA)(params), rel=1e-12
    )


@pytest.mark.parametrize(
    "params", [(0.5, 60.0, 0.7, 118.0), (0.5, 120.0, 0.7, 60.0), (2.0, 5.0, 0.3, 5.0)]
)
def test_pareto_likelihoods_agree(params: tuple[float, ...]) -> None:
    assert _accel.paretonbd_negative_ll(DATA)(params) == pytest.approx(
        paretonbd._negative_ll(DATA)(params), rel=1e-12
    )


def test_gamma_gamma_likelihoods_agree() -> None:
    spend = simulate_gammagamma(X, p=6.0, q=3.7, v=15.0, seed=1)
    pairs = [(x, m) for x, m in zip(X, spend, strict=True) if x > 0]
    for params in ((6.0, 3.7, 15.0), (1.0, 1.5, 40.0)):
        assert _accel.gammagamma_negative_ll(pairs)(params) == pytest.approx(
            gg._negative_ll(pairs)(params), rel=1e-12
        )


def test_fits_agree_with_and_without_numpy() -> None:
    assert len(DATA.frequency) > WARM_START_ABOVE
    fast = BetaGeoModel(accelerate=True).fit(X, TX, T)
    pure = BetaGeoModel(accelerate=False).fit(X, TX, T)
    for name, value in fast.params.items():
        # both polish the sample's optimum with quasi-Newton steps to 1e-6 on the log scale
        assert pure.params[name] == pytest.approx(value, rel=1e-4), name
    assert pure.log_likelihood == pytest.approx(fast.log_likelihood, rel=1e-6)


def test_models_accept_the_switch() -> None:
    assert not ParetoNBDModel(accelerate=False).accelerate
    assert GammaGammaModel().accelerate


def test_warm_started_fit_reaches_the_optimum_of_a_fit_on_all_triples() -> None:
    warm = BetaGeoModel().fit(X, TX, T)
    names = ("r", "alpha", "a", "b")
    full = fit_positive(
        names, _accel.bgnbd_negative_ll(DATA), (1.0, 25.0, 1.0, 1.0), DATA.customers, "BG/NBD"
    )
    assert warm.log_likelihood >= full.log_likelihood - 1e-6 * abs(full.log_likelihood)
    for name in names:
        assert warm.params[name] == pytest.approx(full.params[name], rel=2e-3), name


def test_warm_started_gamma_gamma_matches_the_full_fit() -> None:
    freq = [float(1 + i % 9) for i in range(WARM_START_ABOVE + 5_000)]
    pairs = list(zip(freq, simulate_gammagamma(freq, p=6.0, q=3.7, v=15.0, seed=1), strict=True))
    warm = GammaGammaModel(accelerate=False).fit([x for x, _ in pairs], [m for _, m in pairs])
    full = fit_positive(
        ("p", "q", "v"),
        _accel.gammagamma_negative_ll(pairs),
        (1.0, 2.0, 20.0),
        len(pairs),
        "Gamma-Gamma",
    )
    assert warm.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-9)
    for name in ("p", "q", "v"):
        assert warm.params[name] == pytest.approx(full.params[name], rel=2e-3), name
