"""Estimating u (how often non-matches agree by chance) from the records themselves."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from crmkit.identity.features import (
    FEATURE_VALUES,
    FEATURES,
    LEVEL_NAMES,
    compare_records,
    value_counts,
)
from crmkit.identity.prepare import PreparedRecord

__all__ = ["estimate_u"]


def _collision(
    left: Sequence[PreparedRecord], right: Sequence[PreparedRecord] | None, f: int
) -> float:
    get = FEATURE_VALUES[f]
    a = value_counts(left, get)
    if right is None:
        n = sum(a.values())
        return sum(c * (c - 1) for c in a.values()) / (n * (n - 1)) if n > 1 else 0.0
    b = value_counts(right, get)
    na, nb = sum(a.values()), sum(b.values())
    return sum(c * b[v] for v, c in a.items()) / (na * nb) if na and nb else 0.0


def estimate_u(
    left: Sequence[PreparedRecord],
    right: Sequence[PreparedRecord] | None = None,
    *,
    samples: int = 8_000,
    seed: int = 0,
) -> list[list[float]]:
    """Per feature and level, the chance that two unrelated records show that level.

    Exact agreement comes from value frequencies (how often two random records share a
    value); the other levels from *samples* random pairs, smoothed so no level is impossible.
    """
    rng = random.Random(seed)
    other = right if right is not None else left
    counts = [Counter[int]() for _ in FEATURES]
    if len(left) > 1 or right is not None:
        for _ in range(samples):
            a, b = rng.choice(left), rng.choice(other)
            if a is b:
                continue
            for f, level in enumerate(compare_records(a, b)):
                counts[f][level] += 1
    u: list[list[float]] = []
    for f, names in enumerate(LEVEL_NAMES):
        top = len(names) - 1
        equal = max(_collision(left, right, f), 1e-7)
        lower = [counts[f][level] + 0.5 for level in range(1, top)]
        spread = sum(lower)
        u.append([0.0, *((1.0 - equal) * c / spread for c in lower), equal])
    return u
