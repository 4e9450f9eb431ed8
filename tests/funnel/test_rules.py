"""The rules of pipelines and deal transitions (pure functions, no storage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.errors import (
    InvalidDatetimeError,
    InvalidMoneyError,
    InvalidTransitionError,
    ValidationError,
)
from crmkit.funnel import (
    Deal,
    DealStatus,
    Pipeline,
    Stage,
    StageChange,
    lose,
    move,
    open_deal,
    reopen,
    win,
)

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
PIPE = Pipeline.new("Sales", ["New", "Qualified", "Proposal", "Negotiation"], now=T0)


def _deal(**fields: Any) -> tuple[Deal, StageChange]:
    fields.setdefault("title", "Gold package")
    fields.setdefault("value", Money("1200.00", "EUR"))
    fields.setdefault("contact_id", "c1")
    fields.setdefault("at", T0)
    return open_deal(PIPE, **fields)


def _day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_new_deal_starts_open_in_first_stage_and_records_creation() -> None:
    deal, change = _deal(owner="arta")
    assert (deal.stage, deal.status, deal.version) == ("New", DealStatus.OPEN, 1)
    assert (change.deal_id, change.from_stage, change.to_stage, change.at) == (
        deal.id,
        None,
        "New",
        T0,
    )


def test_new_deal_may_start_in_a_named_stage() -> None:
    deal, change = _deal(stage="Proposal")
    assert deal.stage == change.to_stage == "Proposal"


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"value": Money("-0.01", "EUR")}, InvalidMoneyError, "value"),
        ({"value": "100 EUR"}, InvalidMoneyError, "value"),
        ({"contact_id": None}, ValidationError, "contact_id"),
        ({"title": "  "}, ValidationError, "title"),
        ({"stage": "Nowhere"}, ValidationError, "stage"),
        ({"at": datetime(2026, 2, 2, 9, 0)}, InvalidDatetimeError, "at"),
        ({"expected_close": "next week"}, InvalidDatetimeError, "expected_close"),
    ],
)
def test_bad_deal_input_is_refused_naming_the_field(
    fields: dict[str, object], error: type[ValidationError], field: str
) -> None:
    with pytest.raises(error) as info:
        _deal(**fields)
    assert info.value.field == field


def test_deal_of_an_organization_alone_is_accepted() -> None:
    deal, _ = _deal(contact_id=None, organization_id="o1")
    assert (deal.contact_id, deal.organization_id) == (None, "o1")


def test_move_records_from_and_to_and_bumps_version() -> None:
    deal, _ = _deal()
    moved, change = move(deal, PIPE, "Qualified", at=_day(1), by="arta")
    assert (moved.stage, moved.version, moved.changed_at) == ("Qualified", 2, _day(1))
    assert (change.from_stage, change.to_stage, change.by) == ("New", "Qualified", "arta")
    assert deal.stage == "New"  # values are immutable: the old one is untouched


def test_moving_to_an_unknown_stage_is_a_validation_error() -> None:
    deal, _ = _deal()
    with pytest.raises(ValidationError) as info:
        move(deal, PIPE, "Signed", at=_day(1))
    assert (info.value.field, info.value.value) == ("stage", "Signed")


def test_moving_to_the_current_stage_is_refused() -> None:
    deal, _ = _deal()
    with pytest.raises(InvalidTransitionError):
        move(deal, PIPE, "New", at=_day(1))


def test_backward_move_is_allowed_and_recorded() -> None:
    deal, _ = _deal()
    deal, _ = move(deal, PIPE, "Proposal", at=_day(1))
    deal, change = move(deal, PIPE, "Qualified", at=_day(2))
    assert (change.from_stage, change.to_stage) == ("Proposal", "Qualified")


def test_change_earlier_than_the_previous_one_is_refused() -> None:
    deal, _ = _deal()
    deal, _ = move(deal, PIPE, "Qualified", at=_day(3))
    with pytest.raises(InvalidDatetimeError):
        move(deal, PIPE, "Proposal", at=_day(2))
    with pytest.raises(InvalidDatetimeError):
        win(deal, at=_day(2))


def test_change_earlier_than_creation_is_refused() -> None:
    deal, _ = _deal()
    with pytest.raises(InvalidDatetimeError):
        lose(deal, reason="price", at=_day(-1))


def test_naive_datetime_on_a_transition_is_refused() -> None:
    deal, _ = _deal()
    with pytest.raises(InvalidDatetimeError):
        move(deal, PIPE, "Qualified", at=datetime(2026, 3, 1))


def test_change_at_the_same_instant_as_the_previous_is_accepted() -> None:
    deal, _ = _deal()
    deal, change = move(deal, PIPE, "Qualified", at=T0)
    assert change.at == T0


def test_closed_deal_does_not_move_until_reopened() -> None:
    deal, _ = _deal()
    won, _ = win(deal, at=_day(1))
    with pytest.raises(InvalidTransitionError):
        move(won, PIPE, "Proposal", at=_day(2))
    with pytest.raises(InvalidTransitionError):
        lose(won, reason="price", at=_day(2))
    with pytest.raises(InvalidTransitionError):
        win(won, at=_day(2))
    again, change = reopen(won, PIPE, at=_day(3))
    assert (again.status, again.stage, again.closed_at) == (DealStatus.OPEN, "New", None)
    assert (change.from_stage, change.to_stage) == ("won", "New")
    assert move(again, PIPE, "Proposal", at=_day(4))[0].stage == "Proposal"


def test_losing_needs_a_reason_and_keeps_the_stage_it_was_lost_from() -> None:
    deal, _ = _deal()
    deal, _ = move(deal, PIPE, "Proposal", at=_day(1))
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as info:
            lose(deal, reason=reason, at=_day(2))
        assert info.value.field == "reason"
    lost, change = lose(deal, reason=" price ", at=_day(2))
    assert (lost.status, lost.stage, lost.lost_reason, lost.closed_at) == (
        DealStatus.LOST,
        "Proposal",
        "price",
        _day(2),
    )
    assert change.to_stage == "lost"


def test_reopen_clears_the_lost_reason_and_may_pick_a_stage() -> None:
    deal, _ = _deal()
    lost, _ = lose(deal, reason="timing", at=_day(1))
    again, change = reopen(lost, PIPE, at=_day(5), stage="Negotiation")
    assert (again.stage, again.lost_reason, change.from_stage) == ("Negotiation", None, "lost")


def test_reopening_an_open_deal_is_refused() -> None:
    deal, _ = _deal()
    with pytest.raises(InvalidTransitionError):
        reopen(deal, PIPE, at=_day(1))


def test_a_deal_moves_only_with_its_own_pipeline() -> None:
    other = Pipeline.new("Partners", ["New", "Qualified"])
    deal, _ = _deal()
    with pytest.raises(ValidationError) as info:
        move(deal, other, "Qualified", at=_day(1))
    assert info.value.field == "pipeline_id"


@pytest.mark.parametrize(
    ("stages", "field"),
    [
        ([], "stages"),
        ("New", "stages"),
        (["New", "new"], "stages"),
        (["New", "Won"], "stage"),
        ([{"name": "New", "probability": 1.5}], "probability"),
        ([{"name": "New", "probability": True}], "probability"),
        ([Stage("New", rotting_after=timedelta(0))], "rotting_after"),
        ([{"name": "New", "rotting_after": 7}], "rotting_after"),
    ],
)
def test_bad_pipelines_are_refused_naming_the_field(stages: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Pipeline.new("Sales", stages)  # type: ignore[arg-type]
    assert info.value.field == field


def test_pipeline_keeps_probabilities_and_rotting_limits() -> None:
    p = Pipeline.new("Sales", ["New", Stage("Proposal", 0.6, timedelta(days=10))])
    assert p.stage("Proposal") == Stage("Proposal", 0.6, timedelta(days=10))
    assert p.stage("New").probability is None
