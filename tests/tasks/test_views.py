from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidDatetimeError
from crmkit.tasks import (
    User,
    cancel,
    complete,
    create_task,
    delegate,
    due_between,
    due_today,
    effectiveness,
    for_assignee,
    for_team,
    overdue,
    snooze,
    start,
    workload,
)

T0 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def test_for_assignee_filters_by_status_and_sorts_by_due() -> None:
    a = create_task("a", assignee="mira", at=T0, due=T0 + 2 * H)
    b = start(create_task("b", assignee="mira", at=T0, due=T0 + H), at=T0)
    c = create_task("c", assignee="mira", at=T0)
    other = create_task("d", assignee="ivan", at=T0, due=T0)
    tasks = [a, b, c, other]
    assert [t.title for t in for_assignee(tasks, "mira")] == ["b", "a", "c"]
    assert [t.title for t in for_assignee(tasks, "mira", status="open")] == ["a", "c"]
    assert [t.title for t in for_assignee(tasks, "mira", status=["in_progress"])] == ["b"]


def test_overdue_excludes_closed_future_undated_and_snoozed() -> None:
    late = create_task("late", assignee="mira", at=T0, due=T0 - D)
    later = create_task("later", assignee="mira", at=T0, due=T0 - H)
    done = complete(create_task("done", assignee="mira", at=T0, due=T0 - D), at=T0)
    future = create_task("future", assignee="mira", at=T0, due=T0 + D)
    undated = create_task("undated", assignee="mira", at=T0)
    napping = snooze(create_task("nap", assignee="mira", at=T0, due=T0 - D), T0 + H, at=T0)
    tasks = [later, late, done, future, undated, napping]
    assert [t.title for t in overdue(tasks, T0)] == ["late", "later"]
    assert "nap" in [t.title for t in overdue(tasks, T0, include_snoozed=True)]
    assert "nap" in [t.title for t in overdue(tasks, T0 + 2 * H)]


def test_due_between_is_half_open() -> None:
    ts = [create_task(str(i), assignee="m", at=T0, due=T0 + i * H) for i in range(4)]
    assert [t.title for t in due_between(ts, T0 + H, T0 + 3 * H)] == ["1", "2"]


def test_due_between_rejects_reversed_range() -> None:
    with pytest.raises(InvalidDatetimeError):
        due_between([], T0, T0 - H)


def test_due_today_uses_the_users_time_zone() -> None:
    tokyo = User.new("ken", timezone="Asia/Tokyo")
    # 16:00 UTC is 01:00 the next day in Tokyo.
    t = create_task("x", assignee="ken", at=T0, due=datetime(2026, 3, 6, 16, tzinfo=UTC))
    assert due_today([t], tokyo, datetime(2026, 3, 6, 12, tzinfo=UTC)) == []
    assert due_today([t], tokyo, datetime(2026, 3, 6, 15, 30, tzinfo=UTC)) == [t]


def test_due_today_only_shows_the_users_own_tasks() -> None:
    u = User.new("mira")
    t = create_task("x", assignee="ivan", at=T0, due=T0 + H)
    assert due_today([t], u, T0) == []


def test_team_view() -> None:
    ts = [
        create_task("s", assignee="mira", team="sales", at=T0),
        create_task("o", assignee="ivan", team="offers", at=T0),
    ]
    assert [t.title for t in for_team(ts, "sales")] == ["s"]


def test_workload_counts_open_work_and_effort() -> None:
    ts = [
        create_task("a", assignee="mira", at=T0, due=T0 - H, estimated_effort=timedelta(hours=2)),
        start(create_task("b", assignee="mira", at=T0, estimated_effort=timedelta(hours=1)), at=T0),
        create_task("c", assignee="mira", at=T0),
        complete(create_task("d", assignee="mira", at=T0, estimated_effort=3 * H), at=T0),
        cancel(create_task("e", assignee="ivan", at=T0), at=T0),
    ]
    w = workload(ts, now=T0)
    assert set(w) == {"mira"}
    m = w["mira"]
    assert (m.open_count, m.in_progress_count, m.overdue_count) == (3, 1, 1)
    assert m.estimated_effort == timedelta(hours=3)


def test_effectiveness_on_time_rate_median_and_reassignments() -> None:
    def done(lateness: timedelta, who: str = "mira"):  # type: ignore[no-untyped-def]
        t = create_task("x", assignee=who, at=T0, due=T0 + D)
        return complete(t, at=T0 + D + lateness)

    ts = [done(-H), done(timedelta(0)), done(2 * H), done(4 * H)]
    handed = delegate(create_task("y", assignee="ivan", at=T0), to="mira", by="ivan", at=T0)
    ts.append(handed)
    e = effectiveness(ts, since=T0, until=T0 + 3 * D)
    mira = e["mira"]
    assert (mira.completed, mira.on_time, mira.on_time_rate) == (4, 2, 0.5)
    assert mira.median_lateness == H  # lateness 0, 0, 2h, 4h
    assert (mira.reassignments_received, e["ivan"].reassignments_given) == (1, 1)


def test_effectiveness_ignores_work_outside_the_period() -> None:
    t = complete(create_task("x", assignee="mira", at=T0, due=T0), at=T0 + H)
    assert effectiveness([t], since=T0 + D, until=T0 + 2 * D) == {}
