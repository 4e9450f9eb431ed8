"""Special functions in log space, so likelihoods stay finite for any realistic input."""

from __future__ import annotations

import math

__all__ = ["betaln", "log_hyp2f1_a1", "logaddexp", "logsubexp"]

_MAX_TERMS = 1_000_000


def betaln(a: float, b: float) -> float:
    """log B(a, b)."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def logaddexp(x: float, y: float) -> float:
    """log(exp(x) + exp(y)) without overflow."""
    if x < y:
        x, y = y, x
    if y == -math.inf:
        return x
    return x + math.log1p(math.exp(y - x))


def logsubexp(x: float, y: float) -> float:
    """log(exp(x) - exp(y)) for x >= y, without overflow or cancellation to -inf."""
    if y > x:
        raise ValueError("logsubexp needs x >= y")
    if y == -math.inf:
        return x
    diff = y - x
    return x + (math.log(-math.expm1(diff)) if diff > -0.693 else math.log1p(-math.exp(diff)))


def log_hyp2f1_a1(a: float, b: float, z: float) -> float:
    """log 2F1(a, b; a + 1; z) for a > 0, b > 0 and 0 <= z < 1.

    (The Pareto/NBD likelihood always has b <= a + 1, where the fast path below applies.)

    This is the hypergeometric term of the Pareto/NBD likelihood. The plain series fails for
    large b (many purchases) because its terms first grow enormously; after Euler's
    transformation 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z) with c = a + 1
    every term is positive and at most z times the previous one, so the sum is well behaved
    and only its logarithm is ever exposed.

    >>> f"{math.exp(log_hyp2f1_a1(1.0, 1.0, 0.5)):.10f}"  # -log(1 - z) / z
    '1.3862943611'
    """
    if not 0.0 <= z < 1.0:
        raise ValueError(f"z={z} outside [0, 1)")
    if z == 0.0:
        return 0.0
    m = a + 1.0 - b  # c - b after the transformation
    k = a + 1.0
    term = 1.0
    total = 1.0
    if m > 0.0:
        # Every term positive and shrinking by at least z: stop at relative 1e-16.
        n = 0.0
        while True:
            term *= (m + n) / (k + n) * z
            total += term
            n += 1.0
            if term < 1e-16 * total:
                break
    else:
        # b > a + 1: the transformed series alternates and would cancel; the plain series
        # has positive terms there and stays exact.
        return log_hyp2f1(a, b, a + 1.0, z)
    return (1.0 - b) * math.log1p(-z) + math.log(total)


def log_hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """log 2F1(a, b; c; z) for positive a, b, c and 0 <= z < 1, by its series.

    The running sum is rescaled whenever it grows large, so terms that first grow (large a
    and b) neither overflow nor lose the result.

    >>> f"{math.exp(log_hyp2f1(1.0, 1.0, 2.0, 0.5)):.10f}"
    '1.3862943611'
    """
    if not 0.0 <= z < 1.0:
        raise ValueError(f"z={z} outside [0, 1)")
    log_scale = 0.0
    term = 1.0
    total = 1.0
    for n in range(_MAX_TERMS):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z
        total += term
        if total > 1e250:
            log_scale += math.log(total)
            term /= total
            total = 1.0
        if term < 1e-17 * total and n > b * z / (1.0 - z):
            break
    return log_scale + math.log(total)
