"""A win-probability model learnt from closed deals, with its accuracy on a holdout.

The model starts from the odds of winning a deal that reached a stage (learnt per stage, with
add-one smoothing) and multiplies them by naive Bayes likelihood ratios of deal fields (owner,
currency, size band, contact/organization): ``logit p = logit p_stage + sum log LR(field)``.
Its accuracy is measured on the most recently closed deals (a time-ordered holdout, so the
model is judged on deals it could not have seen): Brier score beside two baselines and a
calibration table, so users can see whether to trust it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from crmkit.errors import ModelError, ValidationError
from crmkit.funnel._table import render_table, to_dataframe
from crmkit.funnel.deal import Deal, DealStatus, StageChange
from crmkit.funnel.pipeline import Pipeline

__all__ = ["FEATURES", "CalibrationBin", "ModelEvaluation", "WinModel", "fit_win_model"]


def _account(d: Deal) -> str:
    if d.contact_id is not None and d.organization_id is not None:
        return "both"
    return "organization" if d.organization_id is not None else "contact"


def _size(d: Deal) -> str:
    # Decimal order of magnitude of the value: "10^3" holds 1000-9999.
    return "0" if d.value.amount <= 0 else f"10^{d.value.amount.adjusted()}"


FEATURES: Mapping[str, Callable[[Deal], str]] = {
    "owner": lambda d: d.owner or "",
    "currency": lambda d: d.value.currency,
    "size": _size,
    "account": _account,
}


@attrs.frozen
class CalibrationBin:
    """Predictions in ``[low, high)``: how many, their mean, and the share actually won."""

    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed: float | None


@attrs.frozen
class ModelEvaluation:
    """Accuracy on the holdout; lower Brier is better (0.25 is a coin toss at 50 %)."""

    train_deals: int
    holdout_deals: int
    predictions: int  # (deal, stage it reached) pairs scored
    brier: float
    brier_stage_only: float  # the per-stage odds without the deal fields
    brier_base_rate: float  # one overall win rate for every deal
    calibration: tuple[CalibrationBin, ...]

    def to_rows(self) -> list[dict[str, Any]]:
        return [attrs.asdict(b) for b in self.calibration]

    def to_dataframe(self) -> Any:
        return to_dataframe(self.to_rows())

    def __repr__(self) -> str:
        title = (
            f"ModelEvaluation: {self.holdout_deals} holdout deals ({self.predictions} "
            f"predictions), Brier {self.brier:.4f} (stage only {self.brier_stage_only:.4f}, "
            f"base rate {self.brier_base_rate:.4f})"
        )
        return render_table(
            title, self.to_rows(), ["low", "high", "count", "mean_predicted", "observed"]
        )


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


@attrs.frozen
class WinModel:
    """Per-stage win odds and naive Bayes field ratios; see :func:`fit_win_model`."""

    pipeline_id: str
    stages: tuple[str, ...]
    stage_probability: tuple[float, ...]
    log_ratios: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # field -> value -> ln LR
    deals: int
    evaluation: ModelEvaluation | None = None
    # Lookup tables derived from the fields above, built once (predictions run per deal).
    _prior: Mapping[str, float] = attrs.field(init=False, eq=False, repr=False)
    _lookup: tuple[tuple[Callable[[Deal], str], Mapping[str, float]], ...] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        prior = {s: _logit(p) for s, p in zip(self.stages, self.stage_probability, strict=True)}
        lookup = tuple((FEATURES[f], dict(ratios)) for f, ratios in self.log_ratios)
        object.__setattr__(self, "_prior", prior)
        object.__setattr__(self, "_lookup", lookup)

    def probability(self, deal: Deal, *, stage: str | None = None) -> float:
        """Chance that *deal* is won, standing in *stage* (default: its current stage)."""
        name = deal.stage if stage is None else stage
        score = self._prior.get(name)
        if score is None:
            raise ValidationError("stage", name, "not a stage the model was fitted on")
        for feature, ratios in self._lookup:
            score += ratios.get(feature(deal), 0.0)
        return 1 / (1 + math.exp(-score))

    def to_rows(self) -> list[dict[str, Any]]:
        return [
            {"stage": s, "win_probability": p}
            for s, p in zip(self.stages, self.stage_probability, strict=True)
        ]

    def to_dataframe(self) -> Any:
        return to_dataframe(self.to_rows())

    def __repr__(self) -> str:
        brier = "-" if self.evaluation is None else f"{self.evaluation.brier:.4f}"
        title = f"WinModel: fitted on {self.deals} closed deals; holdout Brier {brier}"
        return render_table(title, self.to_rows(), ["stage", "win_probability"])


def _ranges(
    pipeline: Pipeline, deals: Sequence[Deal], changes: Iterable[StageChange]
) -> dict[str, tuple[int, int]]:
    """The covered stage range of each closed deal (as the funnel report counts it)."""
    index = {n: i for i, n in enumerate(pipeline.stage_names)}
    last = len(index) - 1
    out = {d.id: (index.get(d.stage, 0),) * 2 for d in deals}
    for c in changes:
        i = index.get(c.to_stage)
        seen = out.get(c.deal_id)
        if i is not None and seen is not None:
            out[c.deal_id] = (min(seen[0], i), max(seen[1], i))
    for d in deals:
        if d.status is DealStatus.WON:
            out[d.id] = (out[d.id][0], last)
    return out


def _fit(
    pipeline: Pipeline,
    deals: Sequence[Deal],
    ranges: Mapping[str, tuple[int, int]],
    features: Sequence[str],
) -> WinModel:
    won = [d for d in deals if d.status is DealStatus.WON]
    if not won or len(won) == len(deals):
        raise ModelError("a win model needs closed deals of both outcomes (won and lost)")
    entered = [0] * len(pipeline.stages)
    wins = [0] * len(pipeline.stages)
    counts: dict[str, dict[bool, Counter[str]]] = defaultdict(
        lambda: {True: Counter(), False: Counter()}
    )
    for d in deals:
        lo, hi = ranges[d.id]
        outcome = d.status is DealStatus.WON
        for i in range(lo, hi + 1):
            entered[i] += 1
            wins[i] += outcome
        for f in features:
            counts[f][outcome][FEATURES[f](d)] += 1
    n_won, n_lost = len(won), len(deals) - len(won)
    ratios = []
    for f in features:
        seen = counts[f][True].keys() | counts[f][False].keys()
        k = len(seen) + 1  # one slot for values never seen in training
        ratios.append(
            (
                f,
                tuple(
                    sorted(
                        (
                            v,
                            math.log((counts[f][True][v] + 1) / (n_won + k))
                            - math.log((counts[f][False][v] + 1) / (n_lost + k)),
                        )
                        for v in seen
                    )
                ),
            )
        )
    probs = tuple((w + 1) / (e + 2) for w, e in zip(wins, entered, strict=True))
    return WinModel(pipeline.id, pipeline.stage_names, probs, tuple(ratios), len(deals))


def _evaluate(
    model: WinModel,
    holdout: Sequence[Deal],
    ranges: Mapping[str, tuple[int, int]],
    base_rate: float,
    train: int,
) -> ModelEvaluation:
    scored: list[tuple[float, float, int]] = []
    for d in holdout:
        lo, hi = ranges[d.id]
        y = int(d.status is DealStatus.WON)
        for i in range(lo, hi + 1):
            stage = model.stages[i]
            scored.append((model.probability(d, stage=stage), model.stage_probability[i], y))
    n = len(scored)
    bins = []
    for b in range(10):
        low, high = b / 10, (b + 1) / 10
        inside = [(p, y) for p, _, y in scored if low <= p < high or (b == 9 and p == 1.0)]
        m = len(inside)
        bins.append(
            CalibrationBin(
                low,
                high,
                m,
                sum(p for p, _ in inside) / m if m else None,
                sum(y for _, y in inside) / m if m else None,
            )
        )
    return ModelEvaluation(
        train,
        len(holdout),
        n,
        sum((p - y) ** 2 for p, _, y in scored) / n,
        sum((q - y) ** 2 for _, q, y in scored) / n,
        sum((base_rate - y) ** 2 for _, _, y in scored) / n,
        tuple(bins),
    )


def fit_win_model(
    pipeline: Pipeline,
    deals: Iterable[Deal],
    changes: Iterable[StageChange],
    *,
    features: Sequence[str] = tuple(FEATURES),
    holdout: float = 0.25,
) -> WinModel:
    """Learn win chances from the pipeline's closed deals and measure them on a holdout.

    The latest *holdout* share of closed deals (by close time) is held out; a model fitted on
    the rest is scored on each (deal, stage it reached) pair; the returned model is then fitted
    on every closed deal and carries that :class:`ModelEvaluation`. ``ModelError`` when the
    deals do not hold both outcomes.

    >>> from datetime import UTC, datetime, timedelta
    >>> from crmkit._types import Money
    >>> from crmkit.funnel.deal import lose, open_deal, win
    >>> p = Pipeline.new("Sales", ["New", "Proposal"])
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> deals = []
    >>> for i in range(40):  # arta wins 3 in 4, mira 1 in 4
    ...     owner = "arta" if i % 2 else "mira"
    ...     d, _ = open_deal(p, title="D", value=Money("100", "EUR"), contact_id="c",
    ...                      owner=owner, at=t + timedelta(days=i))
    ...     wins = (i // 2) % 4 != 0 if owner == "arta" else (i // 2) % 4 == 0
    ...     at = t + timedelta(days=i + 1)
    ...     deals.append(win(d, at=at)[0] if wins else lose(d, reason="price", at=at)[0])
    >>> model = fit_win_model(p, deals, [], features=["owner"])
    >>> round(model.probability(deals[1]), 2), round(model.probability(deals[0]), 2)
    (0.73, 0.27)
    >>> model.evaluation.holdout_deals
    10
    """
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValidationError("features", unknown[0], f"not one of {sorted(FEATURES)}")
    if isinstance(holdout, bool) or not isinstance(holdout, int | float) or not 0 <= holdout < 1:
        raise ValidationError("holdout", holdout, "a share in [0, 1)")
    closed = sorted(
        (d for d in deals if d.pipeline_id == pipeline.id and d.status is not DealStatus.OPEN),
        key=lambda d: (d.closed_at or d.changed_at, d.id),
    )
    ranges = _ranges(pipeline, closed, changes)
    model = _fit(pipeline, closed, ranges, features)
    n_hold = int(len(closed) * holdout)
    if n_hold == 0:
        return model
    train, test = closed[:-n_hold], closed[-n_hold:]
    try:
        trial = _fit(pipeline, train, ranges, features)
    except ModelError:
        return model  # too few older deals to judge on; the caller sees evaluation=None
    base = sum(d.status is DealStatus.WON for d in train) / len(train)
    return attrs.evolve(model, evaluation=_evaluate(trial, test, ranges, base, len(train)))
