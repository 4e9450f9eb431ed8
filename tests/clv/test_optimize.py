"""The optimiser behind every fit: simplex search and the quasi-Newton polish."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.clv._optimize import hessian, invert, minimize, quasi_newton


def rosenbrock(p: Sequence[float]) -> float:
    x, y = p
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def test_simplex_finds_the_rosenbrock_valley_floor() -> None:
    opt = minimize(rosenbrock, [-1.2, 1.0], xtol=1e-8, max_evals=20_000)
    assert opt.converged
    assert opt.x == pytest.approx((1.0, 1.0), abs=1e-5)


def test_simplex_reports_an_exhausted_budget() -> None:
    opt = minimize(rosenbrock, [-1.2, 1.0], max_evals=30)
    assert not opt.converged
    assert opt.evaluations <= 40


def test_hessian_and_inverse_of_a_quadratic_are_exact() -> None:
    def f(p: Sequence[float]) -> float:
        return 2.0 * p[0] ** 2 + p[0] * p[1] + 3.0 * p[1] ** 2

    h = hessian(f, [0.3, -0.2])
    assert h == [pytest.approx([4.0, 1.0], abs=1e-5), pytest.approx([1.0, 6.0], abs=1e-5)]
    inv = invert(h)
    assert inv is not None
    assert inv[0] == pytest.approx([6.0 / 23.0, -1.0 / 23.0], abs=1e-6)
    assert invert([[1.0, 2.0], [2.0, 4.0]]) is None


@given(scale=st.floats(0.5, 2.0), shift=st.floats(-0.5, 0.5))
def test_quasi_newton_polishes_from_an_approximate_hessian(scale: float, shift: float) -> None:
    # The "sample" Hessian is off by a factor, as a sample's is; the polish still converges.
    target = (1.0 + shift, -2.0 - shift)

    def f(p: Sequence[float]) -> float:
        return 1e6 * ((p[0] - target[0]) ** 2 + 0.5 * (p[1] - target[1]) ** 4 + p[1] ** 2)

    start = [target[0] + 0.05, target[1] - 0.05]
    approx = [[v * scale for v in row] for row in hessian(f, start)]
    opt = quasi_newton(f, start, approx)
    reference = minimize(f, start, xtol=1e-9)
    assert opt.converged
    assert opt.value <= reference.value + 1e-6 * abs(reference.value) + 1e-6
    assert opt.x == pytest.approx(reference.x, abs=1e-4)


def test_quasi_newton_refuses_a_hessian_that_is_not_positive_definite() -> None:
    opt = quasi_newton(rosenbrock, [0.0, 0.0], [[-1.0, 0.0], [0.0, 1.0]])
    assert not opt.converged
