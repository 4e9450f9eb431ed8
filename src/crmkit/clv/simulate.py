"""Simulated customer bases with known parameters, for testing fits (parameter recovery)."""

from __future__ import annotations

import random

from crmkit.clv._data import as_floats

__all__ = ["simulate_bgnbd", "simulate_gammagamma", "simulate_paretonbd", "simulate_sbg"]

Summary = tuple[list[float], list[float], list[float]]


def _ages(rng: random.Random, n: int, T: float | tuple[float, float]) -> list[float]:
    if isinstance(T, tuple):
        return [rng.uniform(*T) for _ in range(n)]
    return as_floats("T", T) * n


def simulate_bgnbd(
    n: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | tuple[float, float],
    seed: int = 0,
    resolution: float = 0.0,
) -> Summary:
    """(frequency, recency, T) of *n* customers drawn from BG/NBD with these parameters.

    ``T`` is one age for all or a (low, high) range; ``resolution`` > 0 rounds times down to
    that grid (e.g. 1/7 week = daily data).

    >>> x, t_x, T = simulate_bgnbd(3, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=1)
    >>> len(x), all(0 <= r <= t for r, t in zip(t_x, T))
    (3, True)
    """
    rng = random.Random(seed)
    xs, rs, ts = [], [], []
    for age in _ages(rng, n, T):
        lam = rng.gammavariate(r, 1.0 / alpha)
        p = rng.betavariate(a, b)
        t, x, last = 0.0, 0, 0.0
        while True:
            t += rng.expovariate(lam) if lam > 0 else float("inf")
            if t > age:
                break
            x, last = x + 1, t
            if rng.random() < p:
                break
        xs.append(float(x))
        rs.append(_grid(last, resolution))
        ts.append(_grid(age, resolution))
    return xs, rs, ts


def simulate_paretonbd(
    n: int,
    *,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: float | tuple[float, float],
    seed: int = 0,
    resolution: float = 0.0,
) -> Summary:
    """(frequency, recency, T) of *n* customers drawn from Pareto/NBD with these parameters."""
    rng = random.Random(seed)
    xs, rs, ts = [], [], []
    for age in _ages(rng, n, T):
        lam = rng.gammavariate(r, 1.0 / alpha)
        mu = rng.gammavariate(s, 1.0 / beta)
        alive_until = min(age, rng.expovariate(mu) if mu > 0 else float("inf"))
        t, x, last = 0.0, 0, 0.0
        while True:
            t += rng.expovariate(lam) if lam > 0 else float("inf")
            if t > alive_until:
                break
            x, last = x + 1, t
        xs.append(float(x))
        rs.append(_grid(last, resolution))
        ts.append(_grid(age, resolution))
    return xs, rs, ts


def _grid(value: float, resolution: float) -> float:
    if resolution <= 0:
        return value
    return int(value / resolution) * resolution


def simulate_gammagamma(
    frequency: list[float], *, p: float, q: float, v: float, seed: int = 0
) -> list[float]:
    """Mean spend per repeat purchase for customers with these frequencies (0 for none).

    >>> len(simulate_gammagamma([1.0, 0.0, 3.0], p=6.0, q=3.7, v=15.0))
    3
    """
    rng = random.Random(seed)
    out = []
    for x in frequency:
        if x <= 0:
            out.append(0.0)
            continue
        nu = rng.gammavariate(q, 1.0 / v)
        # the mean of x Gamma(p, nu) purchases is Gamma(p x, rate nu x)
        out.append(rng.gammavariate(p * x, 1.0 / (nu * x)))
    return out


def simulate_sbg(
    cohort: int, *, alpha: float, beta: float, periods: int, seed: int = 0
) -> list[int]:
    """Survivors at periods 0..*periods* of a cohort drawn from the sBG model.

    Each customer gets a churn probability theta ~ beta(alpha, beta) and cancels at the end
    of each period with that probability.

    >>> simulate_sbg(1000, alpha=0.7, beta=1.2, periods=3, seed=1)[0]
    1000
    """
    rng = random.Random(seed)
    lasted = [0] * (periods + 2)  # lasted[k]: customers whose last period was k (capped)
    for _ in range(cohort):
        theta = rng.betavariate(alpha, beta)
        k = 1
        while k <= periods and rng.random() >= theta:
            k += 1
        lasted[k] += 1
    survivors, alive = [], cohort
    for k in range(periods + 1):
        alive -= lasted[k]
        survivors.append(alive)
    return survivors
