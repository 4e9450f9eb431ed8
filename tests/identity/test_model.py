from __future__ import annotations

import random
from collections import Counter

import pytest

from crmkit.errors import ValidationError
from crmkit.identity import FEATURES, MatchModel
from crmkit.identity.features import LEVEL_NAMES


def _rows(top: float) -> list[list[float]]:
    # Per feature: "differs" gets 1 - top, the rest is shared out towards "equal".
    rows = []
    for names in LEVEL_NAMES:
        k = len(names) - 1
        if top > 0.5:
            rest = [(1 - top) / 2] + [(1 - top) / 2 / max(k - 2, 1)] * (k - 2) + [top]
        else:
            rest = [1 - top] + [top / (k - 1)] * (k - 1)
        rows.append([0.0, *rest[:k]])
    return rows


TRUE_M = _rows(0.8)
TRUE_U = _rows(0.05)


def _simulate(n: int, lam: float, seed: int) -> Counter[tuple[int, ...]]:
    rng = random.Random(seed)
    out: Counter[tuple[int, ...]] = Counter()
    for _ in range(n):
        table = TRUE_M if rng.random() < lam else TRUE_U
        vector = tuple(
            rng.choices(range(1, len(row)), weights=row[1:])[0] if rng.random() < 0.7 else 0
            for row in table
        )
        out[vector] += 1
    return out


def test_em_recovers_m_probabilities_and_match_rate_without_labels() -> None:
    counts = _simulate(20_000, 0.2, seed=3)
    model = MatchModel.fit(counts, u=TRUE_U, total_pairs=20_000, prior_strength=0.0)
    assert model.prior == pytest.approx(0.2, abs=0.02)
    phone = FEATURES.index("phone")
    first = FEATURES.index("first name")
    assert model.m[phone][3] == pytest.approx(0.8, abs=0.03)
    assert model.m[first][4] == pytest.approx(0.8, abs=0.03)


def test_prior_strength_keeps_m_between_the_data_and_the_hand_set_defaults() -> None:
    counts = _simulate(20_000, 0.2, seed=3)
    phone = FEATURES.index("phone")
    plain = MatchModel.fit(counts, u=TRUE_U, total_pairs=20_000, prior_strength=0.0)
    held = MatchModel.fit(counts, u=TRUE_U, total_pairs=20_000, prior_strength=1.0)
    default = MatchModel.default().m[phone][3]
    # With a prior worth as much as the data, m lands about half way to the default.
    assert plain.m[phone][3] < held.m[phone][3] < default
    assert held.m[phone][3] == pytest.approx((plain.m[phone][3] + default) / 2, abs=0.03)


def test_agreement_weighs_for_and_disagreement_against() -> None:
    model = MatchModel.fit(_simulate(5_000, 0.2, seed=1), u=TRUE_U, total_pairs=5_000)
    for row in model.weights:
        assert row[-1] > 0 > row[1]


def test_explanations_name_field_level_and_signed_weight() -> None:
    model = MatchModel.default()
    vector = [0] * len(FEATURES)
    vector[FEATURES.index("phone")] = 3
    vector[FEATURES.index("city")] = 1
    lines = model.explain(tuple(vector))
    assert lines[0].startswith("phone equal +")
    assert lines[1].startswith("city differs −")


def test_more_agreement_means_higher_probability() -> None:
    model = MatchModel.default()
    base = [0] * len(FEATURES)
    base[FEATURES.index("first name")] = 4
    more = list(base)
    more[FEATURES.index("phone")] = 3
    assert model.probability(tuple(more)) > model.probability(tuple(base))


def test_user_set_weights_are_used() -> None:
    model = MatchModel.with_weights({("city", 3): (0.9, 0.0009)})
    vector = tuple(3 if f == "city" else 0 for f in FEATURES)
    assert model.bits(vector) == pytest.approx(9.97, abs=0.01)


def test_unknown_feature_in_user_weights_is_rejected() -> None:
    with pytest.raises(ValidationError, match="shoe size"):
        MatchModel.with_weights({("shoe size", 1): (0.5, 0.5)})


def test_prior_outside_zero_one_is_rejected() -> None:
    with pytest.raises(ValidationError, match="prior"):
        MatchModel(prior=1.5)
