"""The win-probability model, its holdout evaluation, and the forecast that uses it."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from crmkit._types import Money
from crmkit.errors import ModelError, ValidationError
from crmkit.funnel import (
    Deal,
    Pipeline,
    Stage,
    StageChange,
    fit_win_model,
    forecast,
    lose,
    move,
    open_deal,
    win,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PIPE = Pipeline.new("Sales", [Stage("New", 0.1), Stage("Demo", 0.3), Stage("Proposal", 0.6)])
WIN_CHANCE = {"ace": 0.8, "rookie": 0.2}


def _simulate(n: int, seed: int = 7) -> tuple[list[Deal], list[StageChange]]:
    """Deals whose outcome depends on the owner; lost deals drop out at a random stage."""
    rng = random.Random(seed)
    deals, changes = [], []
    for i in range(n):
        owner = "ace" if i % 2 else "rookie"
        at = T0 + timedelta(hours=6 * i)
        deal, c = open_deal(
            PIPE,
            title=f"D{i}",
            value=Money(rng.choice(["500", "5000"]), "EUR"),
            contact_id="c",
            owner=owner,
            at=at,
        )
        changes.append(c)
        won = rng.random() < WIN_CHANCE[owner]
        last = 2 if won else rng.randrange(3)
        for stage in PIPE.stage_names[1 : last + 1]:
            at += timedelta(days=1)
            deal, c = move(deal, PIPE, stage, at=at)
            changes.append(c)
        at += timedelta(days=1)
        deal, c = win(deal, at=at) if won else lose(deal, reason="price", at=at)
        changes.append(c)
        deals.append(deal)
    return deals, changes


DEALS, CHANGES = _simulate(600)


def _open(owner: str, stage: str = "Demo") -> Deal:
    deal, _ = open_deal(
        PIPE,
        title="new",
        value=Money("500", "EUR"),
        contact_id="c",
        owner=owner,
        at=T0,
        stage=stage,
        expected_close=date(2026, 5, 1),
    )
    return deal


def test_model_learns_that_stage_and_owner_matter() -> None:
    model = fit_win_model(PIPE, DEALS, CHANGES)
    assert list(model.stage_probability) == sorted(model.stage_probability)
    assert model.probability(_open("ace")) > 0.6
    assert model.probability(_open("rookie")) < 0.4
    assert model.probability(_open("ace"), stage="Proposal") > model.probability(_open("ace"))


def test_model_beats_the_base_rate_on_the_holdout() -> None:
    model = fit_win_model(PIPE, DEALS, CHANGES, holdout=0.25)
    ev = model.evaluation
    assert ev is not None
    assert (ev.train_deals, ev.holdout_deals) == (450, 150)
    assert ev.brier < ev.brier_stage_only < ev.brier_base_rate
    assert sum(b.count for b in ev.calibration) == ev.predictions
    for b in ev.calibration:
        if b.count >= 30:  # well-filled bins are calibrated within sampling noise
            assert b.mean_predicted is not None
            assert b.observed is not None
            assert abs(b.mean_predicted - b.observed) < 0.2


def test_unknown_owner_falls_back_to_the_stage_odds() -> None:
    model = fit_win_model(PIPE, DEALS, CHANGES, features=["owner"])
    stage_only = model.stage_probability[PIPE.stage_names.index("Demo")]
    assert model.probability(_open("newcomer")) == pytest.approx(stage_only)


def test_model_needs_both_outcomes() -> None:
    won = [d for d in DEALS if d.status.value == "won"]
    with pytest.raises(ModelError):
        fit_win_model(PIPE, won, CHANGES)


def test_no_holdout_means_no_evaluation() -> None:
    assert fit_win_model(PIPE, DEALS, CHANGES, holdout=0).evaluation is None


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"features": ["zodiac"]}, "features"),
        ({"holdout": 1.0}, "holdout"),
        ({"holdout": True}, "holdout"),
    ],
)
def test_bad_model_options_are_refused(options: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        fit_win_model(PIPE, DEALS, CHANGES, **options)  # type: ignore[arg-type]
    assert info.value.field == field


def test_forecast_with_the_model_weighs_each_deal_by_its_own_chance() -> None:
    model = fit_win_model(PIPE, DEALS, CHANGES)
    ace, rookie = _open("ace"), _open("rookie")
    by_model = forecast(PIPE, [ace], model=model)[0].weighted_value
    assert by_model > forecast(PIPE, [rookie], model=model)[0].weighted_value
    assert forecast(PIPE, [ace])[0].weighted_value == Money("150.00", "EUR")  # 0.3 x 500
    assert forecast(PIPE, [ace], model=model).method == "win model"


def test_model_of_another_pipeline_is_refused_by_the_forecast() -> None:
    other = Pipeline.new("Other", ["New"])
    model = fit_win_model(PIPE, DEALS, CHANGES)
    with pytest.raises(ValidationError):
        forecast(other, [], model=model)


def test_model_and_evaluation_have_rows_and_readable_repr() -> None:
    model = fit_win_model(PIPE, DEALS, CHANGES)
    assert [r["stage"] for r in model.to_rows()] == ["New", "Demo", "Proposal"]
    assert "Brier" in repr(model)
    assert model.evaluation is not None
    assert len(model.evaluation.to_rows()) == 10
    assert "holdout deals" in repr(model.evaluation)
