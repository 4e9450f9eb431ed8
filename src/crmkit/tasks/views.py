"""Read-only views over tasks: pure functions over any iterable of :class:`Task` values.

Storage backends answer the same questions with indexed queries; these functions define what
the answers must be.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import attrs

from crmkit._types import ensure_aware
from crmkit.errors import InvalidDatetimeError
from crmkit.tasks.task import Task, TaskStatus
from crmkit.tasks.users import User, zone

__all__ = [
    "Effectiveness",
    "Workload",
    "day_bounds",
    "due_between",
    "due_today",
    "effectiveness",
    "for_assignee",
    "for_team",
    "overdue",
    "reminders_between",
    "workload",
]


_FAR = datetime.max.replace(tzinfo=UTC)


def _statuses(status: Any) -> frozenset[TaskStatus] | None:
    if status is None:
        return None
    if isinstance(status, str | TaskStatus):
        return frozenset({TaskStatus(status)})
    return frozenset(TaskStatus(s) for s in status)


def _by_due(tasks: Iterable[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (t.due or _FAR, -t.priority.rank, t.id))


def for_assignee(tasks: Iterable[Task], user: str, *, status: Any = None) -> list[Task]:
    """*user*'s tasks (optionally only those with *status*: one or several), soonest due
    first, undated last.

    >>> from datetime import UTC, datetime
    >>> from crmkit.tasks import create_task
    >>> t0 = datetime(2026, 3, 6, tzinfo=UTC)
    >>> ts = [create_task("A", assignee="mira", at=t0), create_task("B", assignee="ivan", at=t0)]
    >>> [t.title for t in for_assignee(ts, "mira", status="open")]
    ['A']
    """
    wanted = _statuses(status)
    return _by_due(
        t for t in tasks if t.assignee == user and (wanted is None or t.status in wanted)
    )


def for_team(tasks: Iterable[Task], team: str, *, status: Any = None) -> list[Task]:
    """The team's tasks, soonest due first."""
    wanted = _statuses(status)
    return _by_due(t for t in tasks if t.team == team and (wanted is None or t.status in wanted))


def overdue(
    tasks: Iterable[Task],
    now: datetime,
    *,
    assignee: str | None = None,
    team: str | None = None,
    include_snoozed: bool = False,
) -> list[Task]:
    """Open and in-progress tasks whose due time has passed, most overdue first.

    A snoozed task stays out of the list until its snooze ends, unless *include_snoozed*.
    """
    at = ensure_aware(now, "now")
    late = [
        t
        for t in tasks
        if t.due is not None
        and t.due < at
        and not t.status.is_closed
        and (assignee is None or t.assignee == assignee)
        and (team is None or t.team == team)
        and (include_snoozed or not t.is_snoozed(at))
    ]
    return _by_due(late)


def due_between(
    tasks: Iterable[Task], start: datetime, end: datetime, *, open_only: bool = True
) -> list[Task]:
    """Tasks due in ``[start, end)`` (by default only open and in-progress ones)."""
    lo, hi = ensure_aware(start, "start"), ensure_aware(end, "end")
    if hi < lo:
        raise InvalidDatetimeError("end", end, f"before start {start.isoformat()}")
    return _by_due(
        t
        for t in tasks
        if t.due is not None and lo <= t.due < hi and not (open_only and t.status.is_closed)
    )


def day_bounds(user: User | str, now: datetime) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of *now*'s calendar day in the user's time zone.

    >>> from datetime import UTC
    >>> lo, hi = day_bounds("Asia/Tehran", datetime(2026, 3, 6, 22, 0, tzinfo=UTC))
    >>> lo.isoformat(), hi.isoformat()
    ('2026-03-07T00:00:00+03:30', '2026-03-08T00:00:00+03:30')
    """
    tz = zone(user.timezone if isinstance(user, User) else user)
    local = ensure_aware(now, "now").astimezone(tz)
    lo = datetime.combine(local.date(), time(0), tzinfo=tz)
    hi = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    return lo, hi


def due_today(tasks: Iterable[Task], user: User, now: datetime) -> list[Task]:
    """*user*'s open tasks due on the current calendar day in *their* time zone (snoozed
    ones excluded).

    >>> from datetime import UTC
    >>> from crmkit.tasks import create_task
    >>> u = User.new("dara", timezone="Asia/Tehran")
    >>> t0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    >>> t = create_task("Call", assignee="dara", at=t0, due=datetime(2026, 3, 6, 21, tzinfo=UTC))
    >>> due_today([t], u, t0), len(due_today([t], u, datetime(2026, 3, 6, 21, tzinfo=UTC)))
    ([], 1)
    """
    lo, hi = day_bounds(user, now)
    at = ensure_aware(now, "now")
    return [
        t
        for t in due_between((t for t in tasks if t.assignee == user.id), lo, hi)
        if not t.is_snoozed(at)
    ]


def reminders_between(
    tasks: Iterable[Task], start: datetime, end: datetime
) -> list[tuple[datetime, Task]]:
    """``(reminder time, task)`` for every reminder of an open task in ``[start, end)``, in
    time order; a snoozed task reminds nobody before its snooze ends.

    >>> from datetime import UTC
    >>> from crmkit.tasks import create_task
    >>> t0 = datetime(2026, 3, 6, 9, tzinfo=UTC)
    >>> t = create_task("Offer", assignee="mira", at=t0, due=t0 + timedelta(days=3),
    ...                 reminders=[t0 + timedelta(days=2), t0 + timedelta(days=3, hours=-1)])
    >>> [r.isoformat() for r, _ in reminders_between([t], t0, t0 + timedelta(days=2, hours=1))]
    ['2026-03-08T09:00:00+00:00']
    """
    lo, hi = ensure_aware(start, "start"), ensure_aware(end, "end")
    if hi < lo:
        raise InvalidDatetimeError("end", end, f"before start {start.isoformat()}")
    found = [
        (r, t)
        for t in tasks
        if not t.status.is_closed
        for r in t.reminders
        if lo <= r < hi and not t.is_snoozed(r)
    ]
    return sorted(found, key=lambda pair: (pair[0], pair[1].id))


@attrs.frozen
class Workload:
    """How much open work one person holds."""

    assignee: str
    open_count: int
    in_progress_count: int
    overdue_count: int
    estimated_effort: timedelta


def workload(tasks: Iterable[Task], *, now: datetime | None = None) -> dict[str, Workload]:
    """Open work per assignee: counts and summed estimated effort (tasks without an estimate
    add nothing). ``overdue_count`` is filled when *now* is given.

    >>> from datetime import UTC
    >>> from crmkit.tasks import create_task
    >>> t0 = datetime(2026, 3, 6, tzinfo=UTC)
    >>> ts = [create_task(str(i), assignee="mira", at=t0, estimated_effort=timedelta(hours=1))
    ...       for i in range(3)]
    >>> w = workload(ts)["mira"]
    >>> w.open_count, w.estimated_effort
    (3, datetime.timedelta(seconds=10800))
    """
    at = None if now is None else ensure_aware(now, "now")
    acc: dict[str, list[Any]] = {}
    for t in tasks:
        if t.status.is_closed:
            continue
        row = acc.setdefault(t.assignee, [0, 0, 0, timedelta(0)])
        row[0] += 1
        row[1] += t.status is TaskStatus.IN_PROGRESS
        row[2] += at is not None and t.due is not None and t.due < at
        if t.estimated_effort is not None:
            row[3] += t.estimated_effort
    return {who: Workload(who, *row) for who, row in sorted(acc.items())}


@attrs.frozen
class Effectiveness:
    """How one person followed through over a period.

    ``on_time_rate`` is the share of their completed tasks with a due time that were done by
    it (``None`` when there were none); ``median_lateness`` counts on-time tasks as zero.
    """

    assignee: str
    completed: int
    completed_with_due: int
    on_time: int
    on_time_rate: float | None
    median_lateness: timedelta | None
    reassignments_received: int
    reassignments_given: int


def effectiveness(
    tasks: Iterable[Task], *, since: datetime, until: datetime
) -> dict[str, Effectiveness]:
    """Per-person follow-through over ``[since, until)``: tasks completed in the period, and
    delegations made in it (received by and given by each person).

    >>> from datetime import UTC
    >>> from crmkit.tasks import complete, create_task, delegate
    >>> t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> t = create_task("Offer", assignee="mira", at=t0, due=t0 + timedelta(hours=2))
    >>> t = delegate(t, to="ivan", by="mira", at=t0)
    >>> t = complete(t, at=t0 + timedelta(hours=3))
    >>> e = effectiveness([t], since=t0, until=t0 + timedelta(days=1))
    >>> e["ivan"].on_time_rate, e["ivan"].median_lateness, e["mira"].reassignments_given
    (0.0, datetime.timedelta(seconds=3600), 1)
    """
    lo, hi = ensure_aware(since, "since"), ensure_aware(until, "until")
    done: dict[str, list[timedelta | None]] = {}
    received: dict[str, int] = {}
    given: dict[str, int] = {}
    for t in tasks:
        if t.status is TaskStatus.DONE and t.completed_at is not None and lo <= t.completed_at < hi:
            late = None if t.due is None else max(t.completed_at - t.due, timedelta(0))
            done.setdefault(t.assignee, []).append(late)
        for d in t.delegations:
            if lo <= d.at < hi:
                received[d.to] = received.get(d.to, 0) + 1
                given[d.by] = given.get(d.by, 0) + 1
    out = {}
    for who in sorted(set(done) | set(received) | set(given)):
        lates = [x for x in done.get(who, []) if x is not None]
        on_time = sum(1 for x in lates if not x)
        out[who] = Effectiveness(
            assignee=who,
            completed=len(done.get(who, [])),
            completed_with_due=len(lates),
            on_time=on_time,
            on_time_rate=on_time / len(lates) if lates else None,
            median_lateness=_median(lates),
            reassignments_received=received.get(who, 0),
            reassignments_given=given.get(who, 0),
        )
    return out


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    # Integer microseconds keep the median an exact timedelta (no float rounding).
    ordered = sorted(v // timedelta(microseconds=1) for v in values)
    mid = len(ordered) // 2
    micros = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) // 2
    return timedelta(microseconds=micros)
