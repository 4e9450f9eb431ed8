"""Special functions in log space, so likelihoods stay finite for any realistic input."""

from __future__ import annotations

import math

from crmkit.errors import ModelError

__all__ = [
    "betaln",
    "log_abs_hyp2f1",
    "log_hyp2f1",
    "log_hyp2f1_a1",
    "logaddexp",
    "logsubexp",
]

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

    This is the hypergeometric term of the Pareto/NBD likelihood, which always has
    b <= a + 1. The plain series fails for large b (many purchases) because its terms first
    grow enormously; after Euler's transformation 2F1(a, b; c; z) = (1 - z)^(c - a - b)
    2F1(c - a, c - b; c; z) with c = a + 1 every term is positive and at most z times the
    previous one, so the sum is well behaved and only its logarithm is ever exposed.

    >>> f"{math.exp(log_hyp2f1_a1(1.0, 1.0, 0.5)):.10f}"  # -log(1 - z) / z
    '1.3862943611'
    """
    if not 0.0 <= z < 1.0:
        raise ValueError(f"z={z} outside [0, 1)")
    if z == 0.0:
        return 0.0
    m = a + 1.0 - b  # c - b after the transformation
    if m <= 0.0:
        # b > a + 1 (never in Pareto/NBD): the general routine picks a safe series.
        return log_hyp2f1(a, b, a + 1.0, z)
    k = a + 1.0
    term = 1.0
    total = 1.0
    # Every term positive and shrinking by at least z: stop at relative 1e-16.
    n = 0.0
    while True:
        term *= (m + n) / (k + n) * z
        total += term
        n += 1.0
        if term < 1e-16 * total:
            break
    return (1.0 - b) * math.log1p(-z) + math.log(total)


def _series(a: float, b: float, c: float, z: float) -> tuple[float, float, float]:
    """(sign, log |sum|, log of the largest |term| relative to |sum|) of the 2F1 series.

    The running sum is rescaled whenever it grows large, so terms that first grow neither
    overflow nor lose the result. The third value measures cancellation: digits lost when
    terms of both signs, larger than the result, were added.
    """
    log_scale = 0.0
    term = 1.0
    total = 1.0
    biggest = 0.0  # log of the largest |term| seen, on the absolute scale
    settled = max(-a, -b, -c, 0.0)  # past this n every factor is positive: no sign changes
    for i in range(_MAX_TERMS):
        n = float(i)
        ratio = (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z
        term *= ratio
        total += term
        if term == 0.0:
            break
        biggest = max(biggest, log_scale + math.log(abs(term)))
        size = max(abs(total), abs(term))
        if size > 1e250:
            log_scale += math.log(size)
            term /= size
            total /= size
        # Past `settled` the remaining terms share term's sign and their ratios tend to z, so
        # the tail is below |term| / (1 - max(ratio, z)).
        if (
            n + 1.0 > settled
            and ratio < 1.0
            and abs(term) <= 1e-17 * abs(total) * (1.0 - max(ratio, z))
        ):
            break
    else:
        raise ModelError(f"2F1({a:.6g}, {b:.6g}; {c:.6g}; {z:.6g}): series did not converge")
    if total == 0.0:
        return 0.0, -math.inf, math.inf
    log_abs = log_scale + math.log(abs(total))
    return math.copysign(1.0, total), log_abs, biggest - log_abs


def log_abs_hyp2f1(a: float, b: float, c: float, z: float) -> tuple[float, float]:
    """(sign, log |2F1(a, b; c; z)|) for real a, b and c (c not 0, -1, -2, ...), 0 <= z < 1.

    When a + b > c the plain series' terms grow like n^(a+b-c-1) before z^n wins, so Euler's
    transformation 2F1(a, b; c; z) = (1 - z)^(c-a-b) 2F1(c-a, c-b; c; z) is tried first; in
    BG/NBD predictions it turns 2F1(r+x, b+x; a+b+x-1; z) into a series whose parameters do
    not grow with the purchase count x. If that series cancels (terms of both signs much
    larger than the sum), the plain series is used instead.

    >>> s, v = log_abs_hyp2f1(0.5, 0.4, -0.3, 0.9)   # scipy.special.hyp2f1: -12.37736491...
    >>> f"{s * math.exp(v):.8f}"
    '-12.37736492'
    """
    if not 0.0 <= z < 1.0:
        raise ValueError(f"z={z} outside [0, 1)")
    if c <= 0.0 and c == int(c):
        raise ModelError(f"2F1 is undefined for c={c:.6g} (a non-positive integer)")
    if z == 0.0:
        return 1.0, 0.0
    if a + b > c:
        sign, log_abs, lost = _series(c - a, c - b, c, z)
        if lost < 9.0:  # fewer than ~4 of 16 digits lost to cancellation
            return sign, log_abs + (c - a - b) * math.log1p(-z)
    sign, log_abs, _lost = _series(a, b, c, z)
    return sign, log_abs


def log_hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """log 2F1(a, b; c; z) where the function is positive (e.g. a, b, c > 0), 0 <= z < 1.

    >>> f"{math.exp(log_hyp2f1(1.0, 1.0, 2.0, 0.5)):.10f}"
    '1.3862943611'
    """
    sign, log_abs = log_abs_hyp2f1(a, b, c, z)
    if sign <= 0.0:
        raise ModelError(f"2F1({a:.6g}, {b:.6g}; {c:.6g}; {z:.6g}) is not positive")
    return log_abs
