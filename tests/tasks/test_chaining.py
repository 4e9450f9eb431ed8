from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidTransitionError, ValidationError
from crmkit.interactions import Interaction
from crmkit.tasks import (
    ActivityType,
    FollowUps,
    User,
    UserDirectory,
    complete,
    create_task,
)

T0 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # a Friday
RULES = FollowUps.of(
    [
        ActivityType("meeting", timedelta(days=1), "Send the meeting notes"),
        ActivityType("quote_sent", timedelta(days=3), "Chase the quote", follow_up_kind="call"),
        ActivityType("call", timedelta(hours=2), "Log the call outcome"),
    ]
)


def _it(**kw: object) -> Interaction:
    return Interaction.new(contact_id="c1", occurred_at=T0, handled_by="arta", **kw)  # type: ignore[arg-type]


def test_outcome_takes_precedence_over_channel() -> None:
    t = RULES.after_interaction(_it(channel="meeting", outcome="quote_sent"))
    assert t is not None
    assert (t.title, t.due, t.kind) == ("Chase the quote", T0 + timedelta(days=3), "call")


def test_channel_rule_applies_without_outcome() -> None:
    t = RULES.after_interaction(_it(channel="meeting"))
    assert t is not None
    assert t.title == "Send the meeting notes"
    assert t.assignee == "arta"


def test_unregistered_activity_schedules_nothing() -> None:
    assert RULES.after_interaction(_it(channel="sms")) is None


def test_follow_up_due_moves_into_working_hours() -> None:
    directory = UserDirectory.of([User.new("arta", timezone="Europe/Tirane")])
    t = RULES.after_interaction(_it(channel="meeting"), directory=directory)
    # Friday 16:00 local + 1 day is Saturday: Monday 09:00 Tirana time instead.
    assert t is not None
    assert t.due == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_interaction_without_handler_needs_an_assignee() -> None:
    it = Interaction.new(contact_id="c1", channel="meeting", occurred_at=T0)
    with pytest.raises(ValidationError):
        RULES.after_interaction(it)
    follow = RULES.after_interaction(it, assignee="mira")
    assert follow is not None
    assert follow.assignee == "mira"


def test_completed_task_yields_next_step_for_same_contact() -> None:
    quote = create_task(
        "Send quote", assignee="mira", at=T0, kind="quote_sent", contact_id="c1", deal_id="d1"
    )
    chase = RULES.after_task(complete(quote, at=T0 + timedelta(hours=1), by="mira"))
    assert chase is not None
    assert (chase.contact_id, chase.deal_id, chase.created_by) == ("c1", "d1", "mira")
    assert chase.due == T0 + timedelta(hours=1, days=3)
    # ... and the chain continues from the follow-up's own kind.
    call = RULES.after_task(complete(chase, at=chase.due))
    assert call is not None
    assert call.title == "Log the call outcome"


def test_open_task_schedules_no_follow_up() -> None:
    with pytest.raises(InvalidTransitionError):
        RULES.after_task(create_task("x", assignee="m", at=T0, kind="call"))


def test_negative_follow_up_delay_is_rejected() -> None:
    with pytest.raises(ValidationError):
        ActivityType("call", timedelta(hours=-1), "x")
