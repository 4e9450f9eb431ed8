"""Golden tests: the published CDNOW parameters and a few customers' predictions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmkit.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    rfm_summary,
)
from crmkit.datasets import load_cdnow, load_cdnow_transactions

CDNOW = load_cdnow()
REPEAT = [i for i, x in enumerate(CDNOW.frequency) if x > 0]


def _close(fitted: dict[str, float], published: dict[str, float], rel: float = 0.005) -> None:
    for name, value in published.items():
        assert fitted[name] == pytest.approx(value, rel=rel), name


# Every golden test runs on both likelihood paths: pure Python and the optional NumPy one.
PATHS = [pytest.param(False, id="pure-python"), pytest.param(True, id="numpy")]


@pytest.fixture(scope="module", params=PATHS)
def bgnbd(request):  # type: ignore[no-untyped-def]
    return BetaGeoModel(accelerate=request.param).fit(CDNOW.frequency, CDNOW.recency, CDNOW.T)


@pytest.fixture(scope="module", params=PATHS)
def pareto(request):  # type: ignore[no-untyped-def]
    return ParetoNBDModel(accelerate=request.param).fit(CDNOW.frequency, CDNOW.recency, CDNOW.T)


def test_bgnbd_matches_fader_hardie_lee_2005(bgnbd) -> None:  # type: ignore[no-untyped-def]
    _close(bgnbd.params, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert bgnbd.converged


def test_bgnbd_standard_errors_match_the_paper(bgnbd) -> None:  # type: ignore[no-untyped-def]
    # Fader, Hardie & Lee (2005), table 1 standard errors.
    _close(bgnbd.standard_errors, {"r": 0.0125, "alpha": 0.378, "a": 0.186, "b": 0.705}, rel=0.05)


def test_pareto_nbd_matches_the_published_fit(pareto) -> None:  # type: ignore[no-untyped-def]
    _close(pareto.params, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    assert pareto.log_likelihood == pytest.approx(-9595.0, abs=0.1)


@pytest.mark.parametrize("accelerate", [False, True])
def test_gamma_gamma_matches_the_published_fit(accelerate: bool) -> None:
    fit = GammaGammaModel(accelerate=accelerate).fit(
        [CDNOW.frequency[i] for i in REPEAT], [CDNOW.monetary_value[i] for i in REPEAT]
    )
    assert len(REPEAT) == 946
    _close(fit.params, {"p": 6.25, "q": 3.74, "v": 15.44})
    assert fit.finite_mean


@pytest.mark.parametrize(
    ("x", "t_x", "T", "p_alive", "expected_39"),
    # Values from lifetimes 0.11.3 on the same data (agree with our fit to 1e-7).
    [
        (2, 30.43, 38.86, 0.72660914, 1.22591042),
        (7, 35.0, 38.86, None, 4.38752932),
        (1, 1.71, 38.86, None, 0.20325062),
        (0, 0.0, 38.86, 1.0, 0.19478086),
    ],
)
def test_bgnbd_predictions_for_known_customers(  # type: ignore[no-untyped-def]
    bgnbd,
    x: float,
    t_x: float,
    T: float,
    p_alive: float | None,
    expected_39: float,
) -> None:
    if p_alive is not None:
        assert bgnbd.p_alive(x, t_x, T) == pytest.approx(p_alive, rel=1e-4)
    assert bgnbd.expected_purchases(39, x, t_x, T) == pytest.approx(expected_39, rel=1e-4)


def test_bgnbd_new_customer_expectation(bgnbd) -> None:  # type: ignore[no-untyped-def]
    assert bgnbd.expected_purchases_new_customer(39) == pytest.approx(1.19501623, rel=1e-4)


def test_mbgnbd_matches_lifetimes_on_cdnow() -> None:
    fit = ModifiedBetaGeoModel().fit(CDNOW.frequency, CDNOW.recency, CDNOW.T)
    _close(fit.params, {"r": 0.52484, "alpha": 6.18299, "a": 0.89136, "b": 1.61400}, rel=0.002)
    assert fit.p_alive(2, 30.43, 38.86) == pytest.approx(0.70612626, rel=1e-4)


def test_rfm_summary_reproduces_the_published_cdnow_summary() -> None:
    summary = rfm_summary(
        ((t.customer_id, t.occurred_at, t.amount) for t in load_cdnow_transactions()),
        observation_end=datetime(1998, 6, 30, tzinfo=UTC),
        calibration_end=datetime(1997, 9, 30, tzinfo=UTC),
    )
    rows = zip(CDNOW.frequency, CDNOW.recency, CDNOW.T, CDNOW.monetary_value, strict=True)
    published = dict(zip(CDNOW.customer_id, rows, strict=True))
    assert set(summary.customer_id) == set(published)
    for i, cid in enumerate(summary.customer_id):
        ours = (summary.frequency[i], summary.recency[i], summary.T[i], summary.monetary_value[i])
        assert ours == pytest.approx(published[cid], abs=0.006), cid
    assert summary.duration_holdout == pytest.approx(39.0)
    assert summary.frequency_holdout is not None
