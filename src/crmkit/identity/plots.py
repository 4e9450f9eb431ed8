"""splink's two pictures of a match model: the weight of every comparison level, and the
waterfall of one pair (where the evidence that two records are one person came from).
Drawing needs matplotlib (``pip install 'crmkit[plot]'``); the numbers do not.

Weights are in bits (log2 Bayes factors): +1 doubles the odds that two records are one
person, -1 halves them.
"""

from __future__ import annotations

import math
import re
from typing import Any

from crmkit._plotting import axes
from crmkit.errors import ValidationError
from crmkit.identity.features import FEATURES, LEVEL_NAMES
from crmkit.identity.matcher import Cluster, ScoredPair
from crmkit.identity.model import MatchModel

__all__ = ["match_weights", "plot_match_weights", "plot_waterfall", "prior_bits", "waterfall"]

# A reason as the Matcher writes it: "phone equal +14.2", "city differs −1.3".
_REASON = re.compile(r"^(?P<label>.+) (?P<sign>[+−-])(?P<bits>\d+(?:\.\d+)?)$")
_AGAINST, _FOR = "#d6604d", "#4393c3"


def match_weights(model: MatchModel) -> list[tuple[str, str, float]]:
    """``(field, level, bits)`` for every comparison level the model scores, field by field
    in the order the Matcher compares them (the null level, a value missing on either side,
    carries no weight and is left out).

    >>> rows = match_weights(MatchModel.default())
    >>> [(field, level, round(bits, 1)) for field, level, bits in rows[:3]]
    [('phone', 'differs', -4.3), ('phone', 'shares last 8 digits', 8.6), ('phone', 'equal', 14.2)]
    """
    return [
        (field, LEVEL_NAMES[f][level], model.weights[f][level])
        for f, field in enumerate(FEATURES)
        for level in range(1, len(model.weights[f]))
    ]


def prior_bits(model: MatchModel) -> float:
    """The prior odds that two records are one person, in bits."""
    return math.log2(model.prior / (1.0 - model.prior))


def plot_match_weights(model: MatchModel, *, ax: Any = None) -> Any:
    """Horizontal bars, one per comparison level (:func:`match_weights`), the prior on top;
    blue for evidence for a match, red against. Returns the matplotlib Axes.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_match_weights(MatchModel.default())
    >>> ax.get_title(), [t.get_text() for t in ax.get_yticklabels()][:2]
    ('Match weights', ['prior', 'phone differs'])
    """
    rows = [("prior", "", prior_bits(model)), *match_weights(model)]
    labels = [f"{field} {level}".strip() for field, level, _ in rows]
    bits = [b for _, _, b in rows]
    ys = list(range(len(rows)))[::-1]  # the prior on top, then the fields in their order
    ax = axes(ax)
    ax.barh(ys, bits, color=[_FOR if b >= 0 else _AGAINST for b in bits])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(ys, labels, fontsize=7)
    ax.set_xlabel("match weight (bits)")
    ax.set_title("Match weights")
    return ax


def _logit(p: float) -> float:
    # The model clamps its evidence at ±60 bits; so does the picture.
    if p >= 1.0:
        return 60.0
    if p <= 0.0:
        return -60.0
    return max(min(math.log2(p / (1.0 - p)), 60.0), -60.0)


def waterfall(pair: ScoredPair | Cluster) -> list[tuple[str, float]]:
    """The steps from no evidence to the pair's match weight: ``(label, bits)``, first the
    prior odds (with any evidence too small to be listed, so that the steps add up to the
    score), then each reason the Matcher gave, strongest first. A cluster's steps are those of
    its weakest link. When the pair rests on a shared phone, mailbox, account or external id,
    the Matcher's first reason is the odds it learnt for such identifiers, prior included, so
    the first step is then near zero.

    >>> from crmkit.identity import Matcher
    >>> left = [{"id": "a", "first_name": "Ana", "last_name": "Kola", "email": "ana@kola.al"}]
    >>> right = [{"id": "x", "first_name": "Ana", "last_name": "Kola", "email": "ana@kola.al"}]
    >>> (pair,) = Matcher().link_explained(left, right)
    >>> steps = waterfall(pair)
    >>> [label for label, _ in steps]
    ['prior and the rest', 'email equal', 'first name equal', 'last name equal']
    >>> math.isclose(sum(b for _, b in steps), math.log2(pair.score / (1 - pair.score)))
    True
    """
    if not pair.reasons:
        raise ValidationError("pair", pair, "has no reasons to draw (a record on its own?)")
    steps = []
    for reason in pair.reasons:
        found = _REASON.match(reason)
        if found is None:
            raise ValidationError("reason", reason, "not a 'field level ±bits' reason")
        sign = 1.0 if found["sign"] == "+" else -1.0
        steps.append((found["label"], sign * float(found["bits"])))
    rest = _logit(pair.score) - math.fsum(b for _, b in steps)
    return [("prior and the rest", rest), *steps]


def _pair_name(pair: ScoredPair | Cluster) -> str:
    if isinstance(pair, ScoredPair):
        return f"{pair.left_id} and {pair.right_id}"
    return f"weakest link of {len(pair.ids)} records"


def plot_waterfall(pair: ScoredPair | Cluster, *, ax: Any = None) -> Any:
    """splink's waterfall chart of :func:`waterfall`: each step a bar from the running total,
    blue for, red against, and a last bar for the final match weight with its probability.
    Returns the matplotlib Axes."""
    steps = waterfall(pair)
    ax = axes(ax)
    total = 0.0
    for x, (_, bits) in enumerate(steps):
        ax.bar(x, bits, bottom=total, color=_FOR if bits >= 0 else _AGAINST)
        total += bits
    ax.bar(len(steps), total, color="grey")
    ax.axhline(0.0, color="black", linewidth=0.8)
    labels = [label for label, _ in steps] + ["match weight"]
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("match weight (bits)")
    ax.set_title(f"Waterfall: {_pair_name(pair)}, P(match) {pair.score:.3f}")
    return ax
