"""Optional NumPy versions of the two large-data likelihoods (BG/NBD and Pareto/NBD).

Used only when NumPy is installed and a fit has many distinct customer triples. They compute
the same sums as the pure-Python likelihoods, term by term, so both give the same values to
rounding (the tests compare them); NumPy only removes the per-customer interpreter loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from crmkit.clv._data import Triples

__all__ = [
    "available",
    "bgnbd_negative_ll",
    "gammagamma_negative_ll",
    "paretonbd_negative_ll",
]

try:
    import numpy as np
except ImportError:  # pragma: no cover - exercised only without NumPy
    np = None  # type: ignore[assignment]

NegLL = Callable[[Sequence[float]], float]


def available() -> bool:
    return np is not None


def _arrays(data: Triples) -> tuple[Any, Any, Any, Any]:
    return (
        np.asarray(data.frequency, dtype=float),
        np.asarray(data.recency, dtype=float),
        np.asarray(data.T, dtype=float),
        np.asarray(data.weight, dtype=float),
    )


class _ByCount:
    """lgamma(shift + scale * x) for an array x with few distinct values.

    Uses math.lgamma once per distinct x (which also keeps results identical to the
    pure-Python path) and broadcasts; the distinct values are found once per fit.
    """

    def __init__(self, x: Any) -> None:
        self.unique, self.inverse = np.unique(x, return_inverse=True)

    def lgamma(self, shift: float, scale: float = 1.0) -> Any:
        values = [math.lgamma(shift + scale * u) for u in self.unique.tolist()]
        return np.asarray(values)[self.inverse]


def bgnbd_negative_ll(data: Triples) -> NegLL:
    x, t_x, t, w = _arrays(data)
    n = float(w.sum())
    pos = x > 0
    by_x = _ByCount(x)

    def negll(p: Sequence[float]) -> float:
        r, alpha, a, b = p
        g = by_x.lgamma(r) + by_x.lgamma(b) - by_x.lgamma(a + b)
        a3 = -(r + x) * np.log(alpha + t)
        a4 = np.full_like(a3, -np.inf)
        a4[pos] = math.log(a) - np.log(b + x[pos] - 1.0) - (r + x[pos]) * np.log(alpha + t_x[pos])
        ll = g + np.logaddexp(a3, a4)
        const = -math.lgamma(r) + r * math.log(alpha) + math.lgamma(a + b) - math.lgamma(b)
        return -(n * const + float(np.dot(w, ll)))

    return negll


def _log_hyp2f1_a1(a: Any, b: Any, z: Any) -> Any:
    """Vectorised :func:`crmkit.clv._special.log_hyp2f1_a1` (needs b <= a + 1).

    Each element stops at its own term: the loop works on the shrinking set of sums that
    are still moving, so a few slow ones (z near 1) do not keep the others busy.
    """
    m = a + 1.0 - b
    k = a + 1.0
    total = np.ones_like(z)
    idx = np.nonzero(z > 0)[0]
    term = np.ones(idx.size)
    mi, ki, zi, ti = m[idx], k[idx], z[idx], total[idx]
    n = 0.0
    while idx.size:
        term = term * (mi + n) / (ki + n) * zi
        ti = ti + term
        n += 1.0
        done = term < 1e-16 * ti
        if done.any():
            total[idx[done]] = ti[done]
            keep = ~done
            idx, term, ti = idx[keep], term[keep], ti[keep]
            mi, ki, zi = mi[keep], ki[keep], zi[keep]
    return (1.0 - b) * np.log1p(-z) + np.log(total)


def paretonbd_negative_ll(data: Triples) -> NegLL:
    x, t_x, t, w = _arrays(data)
    n = float(w.sum())
    by_x = _ByCount(x)
    # The hypergeometric piece depends on (x, time) only: one evaluation per distinct pair.
    pairs, inverse = np.unique(
        np.concatenate([np.stack([x, t_x], axis=1), np.stack([x, t], axis=1)]),
        axis=0,
        return_inverse=True,
    )
    inverse = inverse.reshape(-1)
    px, pt = pairs[:, 0], pairs[:, 1]
    at_tx, at_t = inverse[: x.size], inverse[x.size :]

    def negll(p: Sequence[float]) -> float:
        r, alpha, s, beta = p
        big = max(alpha, beta)
        diff = abs(alpha - beta)
        rsx = r + s + px
        b2 = s + 1.0 + 0.0 * px if alpha >= beta else r + px
        h = _log_hyp2f1_a1(rsx, b2, diff / (big + pt)) - rsx * np.log(big + pt)
        first, second = h[at_tx], h[at_t]
        alive = -(r + x) * np.log(alpha + t) - s * np.log(beta + t)
        gap = second - first
        room = gap < 0
        dead = np.full_like(alive, -np.inf)
        safe_gap = np.where(room, gap, -1.0)
        log_diff = first + np.where(
            safe_gap > -0.693, np.log(-np.expm1(safe_gap)), np.log1p(-np.exp(safe_gap))
        )
        dead[room] = (math.log(s) - np.log(r + s + x) + log_diff)[room]
        ll = by_x.lgamma(r) + np.logaddexp(alive, dead)
        const = r * math.log(alpha) + s * math.log(beta) - math.lgamma(r)
        return -(n * const + float(np.dot(w, ll)))

    return negll


def gammagamma_negative_ll(pairs: list[tuple[float, float]]) -> NegLL:
    x = np.asarray([p[0] for p in pairs], dtype=float)
    m = np.asarray([p[1] for p in pairs], dtype=float)
    log_m, log_x = np.log(m), np.log(x)
    count = len(pairs)
    by_x = _ByCount(x)

    def negll(prm: Sequence[float]) -> float:
        p, q, v = prm
        px = p * x
        ll = (
            by_x.lgamma(q, p)
            - by_x.lgamma(0.0, p)
            + (px - 1.0) * log_m
            + px * log_x
            - (px + q) * np.log(x * m + v)
        )
        return -(count * (q * math.log(v) - math.lgamma(q)) + float(ll.sum()))

    return negll
