"""splink's match-weight and waterfall charts: drawn with Agg, and the bars checked against
the model's weights and the Matcher's reasons."""

from __future__ import annotations

import math
from typing import Any

import pytest

from crmkit.errors import ValidationError
from crmkit.identity import FEATURES, Cluster, Matcher, MatchModel, ScoredPair
from crmkit.identity.plots import (
    match_weights,
    plot_match_weights,
    plot_waterfall,
    prior_bits,
    waterfall,
)

MODEL = MatchModel.with_weights({("city", 3): (0.9, 0.05)})
TEUTA = {
    "id": "a",
    "first_name": "Teuta",
    "last_name": "Hoxha",
    "city": "Tirana",
    "birthday": "1990-04-02",
}
TEUTA_AGAIN = {
    "id": "x",
    "first_name": "Teuta",
    "last_name": "Hoxha",
    "city": "Tirane",
    "birthday": "1990-04-02",
    "phone": "+355 69 123 4567",
}


@pytest.fixture
def on_names() -> ScoredPair:
    """A pair linked by names and birthday alone: its reasons are the model's weights."""
    (pair,) = Matcher(threshold=0.5, model=MODEL).link_explained([TEUTA], [TEUTA_AGAIN])
    return pair


def test_match_weights_list_every_scored_level_in_field_order() -> None:
    rows = match_weights(MODEL)
    assert len(rows) == sum(len(w) - 1 for w in MODEL.weights)
    assert [field for field, _, _ in rows][::5][:2] == ["phone", "email"]
    assert ("city", "equal", MODEL.weights[FEATURES.index("city")][3]) in rows
    assert math.log2(0.9 / 0.05) == pytest.approx(MODEL.weights[FEATURES.index("city")][3])


def test_plot_match_weights_draws_the_prior_then_every_level(pyplot: Any) -> None:
    ax = plot_match_weights(MODEL)
    rows = match_weights(MODEL)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [prior_bits(MODEL), *(bits for _, _, bits in rows)]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:4] == ["prior", "phone differs", "phone shares last 8 digits", "phone equal"]
    assert ax.patches[0].get_y() > ax.patches[1].get_y() > ax.patches[-1].get_y()  # prior on top
    against = ax.patches[1].get_facecolor()  # phone differs: evidence against
    assert against != ax.patches[3].get_facecolor()
    assert (ax.get_title(), ax.get_xlabel()) == ("Match weights", "match weight (bits)")


def test_waterfall_starts_at_the_prior_and_adds_up_to_the_score(on_names: ScoredPair) -> None:
    steps = waterfall(on_names)
    assert [label for label, _ in steps[1:]] == [r.rsplit(" ", 1)[0] for r in on_names.reasons]
    assert steps[1] == ("birthday equal", float(on_names.reasons[0].rsplit("+", 1)[1]))
    total = math.fsum(bits for _, bits in steps)
    assert total == pytest.approx(math.log2(on_names.score / (1 - on_names.score)))
    # Each listed weight is rounded to 0.1 bit; the start is the prior up to that rounding.
    assert abs(steps[0][1] - prior_bits(MODEL)) <= 0.05 * len(on_names.reasons) + 1e-9


def test_waterfall_reads_negative_weights() -> None:
    pair = ScoredPair("a", "b", 0.5, ("phone differs −4.3", "first name equal +5.2"))
    assert waterfall(pair)[1:] == [("phone differs", -4.3), ("first name equal", 5.2)]
    assert waterfall(pair)[0][1] == pytest.approx(-0.9)


def test_waterfall_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ValidationError, match="pair"):
        waterfall(Cluster(ids=("a",)))
    with pytest.raises(ValidationError, match="looks alike"):
        waterfall(ScoredPair("a", "b", 0.9, ("looks alike",)))


def test_plot_waterfall_stacks_each_step_on_the_running_total(
    on_names: ScoredPair, pyplot: Any
) -> None:
    ax = plot_waterfall(on_names)
    steps = waterfall(on_names)
    bars = ax.patches
    assert len(bars) == len(steps) + 1
    running = 0.0
    for bar, (_, bits) in zip(bars, steps, strict=False):
        assert (bar.get_y(), bar.get_height()) == pytest.approx((running, bits))
        running += bits
    assert (bars[-1].get_y(), bars[-1].get_height()) == pytest.approx((0.0, running))
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [*(label for label, _ in steps), "match weight"]
    assert ax.get_title() == f"Waterfall: a and x, P(match) {on_names.score:.3f}"
    assert ax.get_ylabel() == "match weight (bits)"


def test_plot_waterfall_of_a_cluster_draws_its_weakest_link(pyplot: Any) -> None:
    records = [{**TEUTA, "phone": "+355 69 123 4567"}, TEUTA_AGAIN]
    (cluster,) = Matcher(model=MODEL).dedupe(records)
    ax = plot_waterfall(cluster)
    assert ax.get_title().startswith("Waterfall: weakest link of 2 records, P(match) ")
    assert len(ax.patches) == len(cluster.reasons) + 2
