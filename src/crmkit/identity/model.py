"""A Fellegi-Sunter match model: for each field and level of agreement, the probability of
seeing it among true matches (m) and among non-matches (u); the evidence of a pair is the sum
of log2(m/u) over its fields, added to the prior odds that two records are one person.

:meth:`MatchModel.fit` learns m by expectation-maximisation on the candidate pairs without any
labels; u comes from how often values collide among all records (for equality) and from random
pairs (for the other levels), which is what keeps EM from drifting.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

import attrs

from crmkit.errors import ValidationError
from crmkit.identity.features import FEATURES, LEVEL_NAMES

__all__ = ["MatchModel"]

Vector = tuple[int, ...]

# Starting points (and the defaults when there is nothing to fit on): per feature, the
# probability of each non-null level among matches (m) and non-matches (u). Two mailboxes
# with one local part at two providers ("jan.nowak@wp.pl", "jan.nowak@o2.pl") are mostly
# namesakes who each took their name: no evidence beyond the names, which count on their own.
_DEFAULT_M: tuple[tuple[float, ...], ...] = (
    (0.0, 0.05, 0.02, 0.93),
    (0.0, 0.08, 0.02, 0.90),
    (0.0, 0.05, 0.95),
    (0.0, 0.10, 0.10, 0.80),
    (0.0, 0.04, 0.06, 0.15, 0.75),
    (0.0, 0.04, 0.06, 0.15, 0.75),
    (0.0, 0.15, 0.05, 0.80),
    (0.0, 0.05, 0.05, 0.90),
    (0.0, 0.10, 0.10, 0.10, 0.70),
    (0.0, 0.05, 0.10, 0.85),
    (0.0, 0.20, 0.80),
    (0.0, 0.05, 0.95),
)
_DEFAULT_U: tuple[tuple[float, ...], ...] = (
    (0.0, 0.9999, 0.00005, 0.00005),
    (0.0, 0.9799, 0.02, 0.0001),
    (0.0, 0.9999, 0.0001),
    (0.0, 0.999, 0.0008, 0.0002),
    (0.0, 0.85, 0.10, 0.03, 0.02),
    (0.0, 0.85, 0.10, 0.03, 0.02),
    (0.0, 0.80, 0.03, 0.17),
    (0.0, 0.98, 0.01, 0.01),
    (0.0, 0.90, 0.07, 0.02, 0.01),
    (0.0, 0.998, 0.0015, 0.0005),
    (0.0, 0.85, 0.15),
    (0.0, 0.9999, 0.0001),
)
_FLOOR = 1e-9
# Distinct comparison vectors a model remembers the probability of (a few hundred bytes each).
_MEMO_LIMIT = 65_536


def _normalised(row: Sequence[float]) -> tuple[float, ...]:
    total = sum(row[1:]) or 1.0
    return (0.0, *(max(x / total, _FLOOR) for x in row[1:]))


@attrs.frozen
class MatchModel:
    """m and u probabilities per feature level, and the prior probability of a match.

    >>> model = MatchModel.default()
    >>> vector = (3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0)  # phone equal, first name equal
    >>> model.explain(vector)
    ('phone equal +14.2', 'first name equal +5.2')
    >>> round(model.probability(vector), 3)
    0.986
    """

    m: tuple[tuple[float, ...], ...] = _DEFAULT_M
    u: tuple[tuple[float, ...], ...] = _DEFAULT_U
    prior: float = 1e-4
    weights: tuple[tuple[float, ...], ...] = attrs.field(init=False)

    @weights.default
    def _weights(self) -> tuple[tuple[float, ...], ...]:
        if len(self.m) != len(FEATURES) or len(self.u) != len(FEATURES):
            raise ValidationError("m", self.m, f"expected one row per feature {FEATURES}")
        if not 0.0 < self.prior < 1.0:
            raise ValidationError("prior", self.prior, "must be strictly between 0 and 1")
        return tuple(
            (
                0.0,
                *(
                    math.log2(max(mi, _FLOOR) / max(ui, _FLOOR))
                    for mi, ui in zip(m[1:], u[1:], strict=True)
                ),
            )
            for m, u in zip(self.m, self.u, strict=True)
        )

    @classmethod
    def default(cls) -> MatchModel:
        """Hand-set weights that work without fitting (used for a handful of records)."""
        return cls()

    @classmethod
    def with_weights(cls, overrides: Mapping[tuple[str, int], tuple[float, float]]) -> MatchModel:
        """The default model with ``{(feature, level): (m, u)}`` set by the user.

        >>> MatchModel.with_weights({("city", 3): (0.9, 0.5)}).explain((0,) * 6 + (3,) + (0,) * 5)
        ('city equal +0.8',)
        """
        m = [list(row) for row in _DEFAULT_M]
        u = [list(row) for row in _DEFAULT_U]
        for (feature, level), (mi, ui) in overrides.items():
            if feature not in FEATURES:
                raise ValidationError("feature", feature, f"expected one of {FEATURES}")
            f = FEATURES.index(feature)
            if not 1 <= level < len(m[f]):
                raise ValidationError("level", level, f"{feature} has levels 1..{len(m[f]) - 1}")
            m[f][level], u[f][level] = mi, ui
        return cls(tuple(map(tuple, m)), tuple(map(tuple, u)))

    @classmethod
    def fit(
        cls,
        candidates: Mapping[Vector, int],
        *,
        u: Sequence[Sequence[float]],
        total_pairs: int,
        iterations: int = 30,
        prior_strength: float = 0.5,
    ) -> MatchModel:
        """Estimate m and the prior by EM over the comparison vectors of candidate pairs
        (``{vector: count}``), holding u fixed; *total_pairs* is the number of all pairs, so
        the prior applies to any pair, not only to candidates.

        *prior_strength* keeps m near the hand-set defaults (a Dirichlet prior worth that
        share of the matches EM finds; 0 is plain EM). Without it EM drifts: namesakes agree
        on every name field, so EM counts them as matches and concludes that matches often
        have different phones and mailboxes, which makes a shared phone worth little.
        """
        u_rows = tuple(_normalised(row) for row in u)
        m_rows = [list(row) for row in _DEFAULT_M]
        n_candidates = sum(candidates.values())
        if not n_candidates:
            return cls(u=u_rows)
        lam = 0.1
        # A fixed order of patterns: float sums must not depend on how the counts were built.
        patterns = sorted(candidates.items())
        for _ in range(iterations):
            m_acc = [[0.0] * len(row) for row in m_rows]
            weight_sum = 0.0
            for vector, count in patterns:
                pm, pu = lam, 1.0 - lam
                for f, level in enumerate(vector):
                    if level:
                        pm *= m_rows[f][level]
                        pu *= u_rows[f][level]
                r = pm / (pm + pu) if pm + pu > 0 else 0.0
                w = r * count
                weight_sum += w
                for f, level in enumerate(vector):
                    m_acc[f][level] += w
            lam = min(max(weight_sum / n_candidates, 1e-6), 1 - 1e-6)
            pseudo = prior_strength * weight_sum
            m_rows = [
                list(_normalised([a + 0.01 + pseudo * d for a, d in zip(acc, dm, strict=True)]))
                for acc, dm in zip(m_acc, _DEFAULT_M, strict=True)
            ]
        prior = min(max(lam * n_candidates / max(total_pairs, 1), 1e-12), 0.5)
        return cls(tuple(map(tuple, m_rows)), u_rows, prior)

    def _weight(self, f: int, level: int, tf: Mapping[int, float] | None) -> float:
        if tf is not None and f in tf and level == len(self.m[f]) - 1:
            # Term frequency: agreeing on a rare value says more than agreeing on a common one.
            return math.log2(max(self.m[f][level], _FLOOR) / max(tf[f], _FLOOR))
        return self.weights[f][level]

    def bits(self, vector: Vector, tf: Mapping[int, float] | None = None) -> float:
        """The evidence of *vector* in bits (log2 Bayes factor), before the prior.

        *tf* gives, per feature index, how often the agreed value occurs (the chance two
        unrelated records share it); it replaces the average u of exact agreement.
        """
        if tf is None:
            w = self.weights
            return sum(w[f][level] for f, level in enumerate(vector) if level)
        return sum(self._weight(f, level, tf) for f, level in enumerate(vector) if level)

    def probability(
        self, vector: Vector, tf: Mapping[int, float] | None = None, *, extra: float = 0.0
    ) -> float:
        """Posterior probability that the pair is one person; *extra* adds evidence (in
        bits) from outside the vector."""
        if tf is None and not extra:
            # A few thousand distinct vectors among hundreds of thousands of pairs scored.
            memo = self._probabilities
            found = memo.get(vector)
            if found is None:
                found = self._probability(self.bits(vector))
                if len(memo) < _MEMO_LIMIT:
                    memo[vector] = found
            return found
        return self._probability(self.bits(vector, tf) + extra)

    def _probability(self, bits: float) -> float:
        logit = bits + math.log2(self.prior / (1.0 - self.prior))
        odds: float = 2.0 ** (-max(min(logit, 60.0), -60.0))
        return 1.0 / (1.0 + odds)

    @functools.cached_property
    def _probabilities(self) -> dict[Vector, float]:
        return {}

    def explain(self, vector: Vector, tf: Mapping[int, float] | None = None) -> tuple[str, ...]:
        """One line per field that carried evidence, strongest first."""
        parts = [
            (self._weight(f, level, tf), f"{FEATURES[f]} {LEVEL_NAMES[f][level]}")
            for f, level in enumerate(vector)
            if level
        ]
        parts.sort(key=lambda p: -abs(p[0]))
        return tuple(
            f"{text} {'+' if w >= 0 else '−'}{abs(w):.1f}" for w, text in parts if abs(w) >= 0.05
        )
