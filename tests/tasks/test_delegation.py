from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import (
    InvalidDatetimeError,
    InvalidTransitionError,
    UserNotFoundError,
    ValidationError,
)
from crmkit.tasks import (
    Delegation,
    TaskStatus,
    User,
    UserDirectory,
    cancel,
    complete,
    create_task,
    delegate,
    start,
)

T0 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)

DIRECTORY = UserDirectory.of(
    [
        User.new("ana", team="sales", is_team_lead=True),
        User.new("mira", team="sales"),
        User.new("ivan", team="offers", timezone="Europe/Sofia"),
        User.new("gone", team="sales", active=False),
    ]
)


def test_chain_keeps_every_hand_over_oldest_first() -> None:
    t = create_task("Prepare offer", assignee="mira", at=T0)
    t = delegate(t, to="ivan", by="mira", at=T0 + H, note="you know the client")
    t = delegate(t, to="ana", by="ivan", at=T0 + 2 * H)
    assert t.delegations == (
        Delegation("mira", "ivan", T0 + H, "you know the client"),
        Delegation("ivan", "ana", T0 + 2 * H, None),
    )
    assert t.assignee == "ana"


def test_only_the_assignee_can_delegate_without_a_directory() -> None:
    t = create_task("x", assignee="mira", at=T0)
    with pytest.raises(InvalidTransitionError) as err:
        delegate(t, to="ivan", by="ana", at=T0)
    assert err.value.value == "ana"


def test_team_lead_can_delegate_a_members_task() -> None:
    t = create_task("x", assignee="mira", at=T0, directory=DIRECTORY)
    t = delegate(t, to="ivan", by="ana", at=T0, directory=DIRECTORY)
    assert t.assignee == "ivan"
    assert t.team == "offers"


def test_lead_of_another_team_cannot_delegate() -> None:
    directory = UserDirectory.of([*DIRECTORY, User.new("olga", team="offers", is_team_lead=True)])
    t = create_task("x", assignee="mira", at=T0, directory=directory)
    with pytest.raises(InvalidTransitionError):
        delegate(t, to="ivan", by="olga", at=T0, directory=directory)


def test_delegating_to_unknown_user_fails_only_with_a_directory() -> None:
    t = create_task("x", assignee="mira", at=T0)
    assert delegate(t, to="stranger", by="mira", at=T0).assignee == "stranger"
    with pytest.raises(UserNotFoundError):
        delegate(t, to="stranger", by="mira", at=T0, directory=DIRECTORY)


def test_delegating_to_inactive_user_is_rejected() -> None:
    t = create_task("x", assignee="mira", at=T0)
    with pytest.raises(ValidationError) as err:
        delegate(t, to="gone", by="mira", at=T0, directory=DIRECTORY)
    assert (err.value.field, err.value.value) == ("to", "gone")


def test_creating_for_unknown_user_with_a_directory_fails() -> None:
    with pytest.raises(UserNotFoundError):
        create_task("x", assignee="zoe", at=T0, directory=DIRECTORY)


@pytest.mark.parametrize("close", [complete, cancel])
def test_closed_task_does_not_move(close) -> None:  # type: ignore[no-untyped-def]
    t = close(create_task("x", assignee="mira", at=T0), at=T0)
    with pytest.raises(InvalidTransitionError):
        delegate(t, to="ivan", by="mira", at=T0 + H)


def test_delegating_to_the_current_assignee_is_rejected() -> None:
    t = create_task("x", assignee="mira", at=T0)
    with pytest.raises(InvalidTransitionError):
        delegate(t, to="mira", by="mira", at=T0)


def test_delegation_before_last_change_is_rejected() -> None:
    t = delegate(create_task("x", assignee="mira", at=T0), to="ivan", by="mira", at=T0 + H)
    with pytest.raises(InvalidDatetimeError):
        delegate(t, to="ana", by="ivan", at=T0)


def test_delegated_task_is_open_again_for_the_new_owner() -> None:
    t = start(create_task("x", assignee="mira", at=T0), at=T0)
    t = delegate(t, to="ivan", by="mira", at=T0 + H)
    assert t.status is TaskStatus.OPEN
    assert t.started_at is None
