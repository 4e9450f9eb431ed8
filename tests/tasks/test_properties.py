"""Random sequences of transitions keep a task's history consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import InvalidDatetimeError, InvalidTransitionError
from crmkit.tasks import (
    Task,
    TaskStatus,
    User,
    UserDirectory,
    add_note,
    cancel,
    complete,
    create_task,
    delegate,
    reopen,
    snooze,
    start,
)

PEOPLE = ("ana", "ivan", "mira", "zoe")
DIRECTORY = UserDirectory.of(
    [User.new("ana", team="sales", is_team_lead=True)]
    + [User.new(p, team="sales") for p in PEOPLE[1:]]
)
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

steps = st.lists(
    st.tuples(
        st.sampled_from(["start", "note", "delegate", "complete", "cancel", "reopen", "snooze"]),
        st.sampled_from(PEOPLE),
        st.sampled_from(PEOPLE),
        st.integers(-2, 48),
    ),
    max_size=25,
)


def _apply(t: Task, op: str, a: str, b: str, at: datetime) -> Task:
    if op == "start":
        return start(t, at=at)
    if op == "note":
        return add_note(t, "progress", at=at, by=a)
    if op == "delegate":
        return delegate(t, to=b, by=a, at=at, directory=DIRECTORY)
    if op == "complete":
        return complete(t, at=at, by=a)
    if op == "cancel":
        return cancel(t, at=at, by=a)
    if op == "reopen":
        return reopen(t, at=at)
    return snooze(t, at + timedelta(hours=1), at=at)


@settings(max_examples=200)
@given(steps)
def test_history_stays_consistent_under_any_sequence(ops: list[tuple[str, str, str, int]]) -> None:
    t = create_task(
        "Offer", assignee="mira", at=T0, due=T0 + timedelta(hours=10), directory=DIRECTORY
    )
    clock = T0
    for op, a, b, hours in ops:
        at = clock + timedelta(hours=hours)
        before = t
        try:
            t = _apply(t, op, a, b, at)
        except (InvalidTransitionError, InvalidDatetimeError):
            continue
        clock = max(clock, at)
        assert t.version == before.version + 1
        assert t.updated_at >= before.updated_at
        if before.status.is_closed and op != "reopen":
            raise AssertionError(f"{op} changed a closed task")
        if op == "delegate":
            assert a in (before.assignee, "ana")
    # The chain links up: each hand-over starts where the previous one ended.
    holder = "mira"
    for d in t.delegations:
        assert d.by in (holder, "ana")
        holder = d.to
    assert holder == t.assignee
    assert [d.at for d in t.delegations] == sorted(d.at for d in t.delegations)
    assert (t.completed_at is not None) == (t.status in (TaskStatus.DONE, TaskStatus.CANCELLED))
    if t.completed_at is not None:
        assert t.completed_at >= t.created_at


@given(steps)
def test_to_dict_round_trips_any_history(ops: list[tuple[str, str, str, int]]) -> None:
    t = create_task("Offer", assignee="mira", at=T0, directory=DIRECTORY)
    for op, a, b, hours in ops:
        try:
            t = _apply(t, op, a, b, t.updated_at + timedelta(hours=abs(hours)))
        except (InvalidTransitionError, InvalidDatetimeError):
            continue
    assert Task.from_dict(t.to_dict()) == t
