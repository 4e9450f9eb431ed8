"""A small, robust minimiser for a handful of positive parameters.

Parameters are optimised on the log scale (so they stay positive) with Nelder-Mead, restarted
from its own result until two runs agree, which guards against the simplex collapsing early;
standard errors come from a finite-difference Hessian of the negative log-likelihood at the
optimum, mapped back to the natural scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

__all__ = ["Optimum", "hessian", "minimize"]

Objective = Callable[[Sequence[float]], float]


@attrs.frozen
class Optimum:
    x: tuple[float, ...]
    value: float
    evaluations: int
    converged: bool
    message: str


def _nelder_mead(
    f: Objective, x0: Sequence[float], *, step: float, tol: float, xtol: float, max_evals: int
) -> tuple[list[float], float, int, bool]:
    n = len(x0)
    simplex = [list(x0)]
    for i in range(n):
        p = list(x0)
        p[i] += step
        simplex.append(p)
    values = [f(p) for p in simplex]
    evals = n + 1
    while evals < max_evals:
        order = sorted(range(n + 1), key=values.__getitem__)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        spread = max(abs(v - values[0]) for v in values)
        size = max(abs(simplex[i][j] - simplex[0][j]) for i in range(1, n + 1) for j in range(n))
        if spread <= tol * (1.0 + abs(values[0])) and size <= xtol:
            return simplex[0], values[0], evals, True
        centroid = [sum(p[j] for p in simplex[:-1]) / n for j in range(n)]
        worst = simplex[-1]
        reflected = [c + (c - w) for c, w in zip(centroid, worst, strict=True)]
        fr = f(reflected)
        evals += 1
        if fr < values[0]:
            expanded = [c + 2.0 * (c - w) for c, w in zip(centroid, worst, strict=True)]
            fe = f(expanded)
            evals += 1
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            outside = fr < values[-1]
            base = reflected if outside else worst
            contracted = [c + 0.5 * (b - c) for c, b in zip(centroid, base, strict=True)]
            fc = f(contracted)
            evals += 1
            if fc < min(fr, values[-1]):
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = [best] + [
                    [b + 0.5 * (p - b) for b, p in zip(best, point, strict=True)]
                    for point in simplex[1:]
                ]
                values = [values[0]] + [f(p) for p in simplex[1:]]
                evals += n
    best_i = min(range(n + 1), key=values.__getitem__)
    return simplex[best_i], values[best_i], evals, False


def minimize(
    f: Objective,
    x0: Sequence[float],
    *,
    tol: float = 1e-10,
    max_evals: int = 4_000,
    restarts: int = 6,
    step: float = 0.5,
    xtol: float = 1e-4,
) -> Optimum:
    """Minimise *f* from *x0*; restart the simplex until two restarts agree."""

    def safe(x: Sequence[float]) -> float:
        try:
            value = f(x)
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.inf
        return value if math.isfinite(value) else math.inf

    # One evaluation budget for the first run and all restarts together, so a fit whose
    # parameters run off to a boundary stops in bounded time and says so.
    x, value, evals, converged = _nelder_mead(
        safe, x0, step=step, tol=tol, xtol=xtol, max_evals=max_evals
    )
    for _ in range(restarts):
        if evals >= max_evals:
            break
        x2, value2, used, converged = _nelder_mead(
            safe, x, step=min(step, 0.05), tol=tol, xtol=xtol, max_evals=max_evals - evals
        )
        evals += used
        improved = value - value2
        x, value = (x2, value2) if value2 <= value else (x, value)
        if converged and improved <= 1e-9 * (1.0 + abs(value)):
            return Optimum(tuple(x), value, evals, True, "converged")
    return Optimum(tuple(x), value, evals, False, "restarts kept improving the optimum")


def hessian(f: Objective, x: Sequence[float], *, h: float = 1e-4) -> list[list[float]]:
    """Central finite-difference Hessian of *f* at *x*."""
    n = len(x)
    fx = f(x)

    def at(i: int, di: float, j: int, dj: float) -> float:
        p = list(x)
        p[i] += di
        p[j] += dj
        return f(p)

    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        out[i][i] = (at(i, h, i, 0.0) - 2.0 * fx + at(i, -h, i, 0.0)) / (h * h)
        for j in range(i + 1, n):
            v = (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (
                4.0 * h * h
            )
            out[i][j] = out[j][i] = v
    return out


def invert(matrix: list[list[float]]) -> list[list[float]] | None:
    """Gauss-Jordan inverse; None when the matrix is singular."""
    n = len(matrix)
    a = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-300:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        scale = a[col][col]
        a[col] = [v / scale for v in a[col]]
        for r in range(n):
            if r != col:
                factor = a[r][col]
                a[r] = [v - factor * p for v, p in zip(a[r], a[col], strict=True)]
    return [row[n:] for row in a]
