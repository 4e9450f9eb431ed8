"""Simulated customer bases with known parameters, for testing fits (parameter recovery)."""

from __future__ import annotations

import random

from crmkit.clv._data import as_floats

__all__ = ["simulate_bgnbd", "simulate_paretonbd"]

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
