"""Pure transition functions: each takes a task and returns the next version, or raises and
changes nothing.

``at`` is when the change happened; it must be timezone-aware and may not be earlier than the
task's last change (a task cannot be completed before it was created). A due time already in
the past is accepted (logging a missed follow-up) and the task simply shows as overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit._text_limits import LONG_TEXT, SHORT_TEXT, check_text, clean_text
from crmkit._types import check_duration, ensure_aware, new_id
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError
from crmkit.tasks.recurrence import Recurrence
from crmkit.tasks.task import Delegation, Priority, ProgressNote, Task, TaskStatus
from crmkit.tasks.users import UserDirectory

__all__ = [
    "add_note",
    "cancel",
    "complete",
    "create_task",
    "delegate",
    "reopen",
    "reschedule",
    "snooze",
    "start",
]


def _text(field: str, value: Any, *, required: bool = False, limit: int = SHORT_TEXT) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(field, value, "expected a non-empty string")
    check_text(field, value, limit=limit)
    return value.strip() or None


def _who(field: str, value: Any, directory: UserDirectory | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "expected a user id (a non-empty string)")
    check_text(field, value, limit=SHORT_TEXT)
    if directory is not None:
        directory.require(value.strip(), field)
    return value.strip()


def _when(task: Task, at: Any) -> datetime:
    when = ensure_aware(at, "at")
    if when < task.updated_at:
        raise InvalidDatetimeError(
            "at", at, f"earlier than the task's last change ({task.updated_at.isoformat()})"
        )
    return when


def _require_open(task: Task, action: str) -> None:
    if task.status.is_closed:
        raise InvalidTransitionError(
            "status", task.status.value, f"a {task.status.value} task cannot {action}; reopen it"
        )


def _bump(task: Task, when: datetime, **changes: Any) -> Task:
    return attrs.evolve(task, updated_at=when, version=task.version + 1, **changes)


def _effort(value: Any) -> timedelta | None:
    return None if value is None else check_duration(value, "estimated_effort")


def create_task(
    title: str,
    *,
    assignee: str,
    at: Any,
    due: Any = None,
    created_by: str | None = None,
    team: str | None = None,
    description: str | None = None,
    priority: Any = Priority.NORMAL,
    kind: str | None = None,
    contact_id: str | None = None,
    deal_id: str | None = None,
    reminders: Iterable[Any] = (),
    estimated_effort: timedelta | None = None,
    recurrence: str | None = None,
    timezone: str | None = None,
    directory: UserDirectory | None = None,
    id: str | None = None,
) -> Task:
    """A new open task created at *at*.

    ``recurrence`` is RRULE text (``"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"``) repeated on the
    wall clock of *timezone* (default: the assignee's zone from *directory*, else UTC),
    starting at *due*. With a *directory* the assignee must be a known, active user and the
    team defaults to theirs.

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    >>> create_task("Call back", assignee="mira", at=t0, due=datetime(2026, 3, 9, 9, 0))
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidDatetimeError: invalid due datetime.datetime(2026, 3, 9, 9, 0): naive \
datetime; pass a timezone-aware one (e.g. tzinfo=UTC)
    """
    when = ensure_aware(at, "at")
    who = _who("assignee", assignee, directory)
    user = directory.get(who) if directory is not None else None
    due_at = None if due is None else ensure_aware(due, "due")
    rec = None
    if recurrence is not None:
        if due_at is None:
            raise ValidationError("due", None, "a recurring task needs a due time to start from")
        tz = timezone or (user.timezone if user is not None else "UTC")
        rec = Recurrence.new(recurrence, timezone=tz, anchor=due_at)
    task_id = id or new_id()
    return Task(
        id=task_id,
        title=_text("title", title, required=True) or "",
        assignee=who,
        created_at=when,
        updated_at=when,
        description=_text("description", description, limit=LONG_TEXT),
        created_by=None if created_by is None else _who("created_by", created_by, None),
        team=_text("team", team) or (user.team if user is not None else None),
        due=due_at,
        priority=Priority.parse(priority),
        kind=_text("kind", kind),
        contact_id=_text("contact_id", contact_id),
        deal_id=_text("deal_id", deal_id),
        reminders=tuple(sorted(ensure_aware(r, "reminders") for r in reminders)),
        estimated_effort=_effort(estimated_effort),
        recurrence=rec,
        series_id=task_id if rec is not None else None,
    )


def start(task: Task, *, at: Any, by: str | None = None) -> Task:
    """``open → in_progress``.

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    >>> t = start(create_task("Call back", assignee="mira", at=t0), at=t0)
    >>> start(t, at=t0)
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidTransitionError: invalid status 'in_progress': only an open task can \
be started
    """
    if task.status is not TaskStatus.OPEN:
        raise InvalidTransitionError(
            "status", task.status.value, "only an open task can be started"
        )
    when = _when(task, at)
    return _bump(task, when, status=TaskStatus.IN_PROGRESS, started_at=when, snoozed_until=None)


def add_note(task: Task, text: str, *, at: Any, by: str | None = None) -> Task:
    """Append a progress note to an open or in-progress task."""
    _require_open(task, "take notes")
    body = _text("text", text, required=True, limit=LONG_TEXT) or ""
    when = _when(task, at)
    return _bump(task, when, notes=(*task.notes, ProgressNote(when, clean_text("by", by), body)))


def delegate(
    task: Task,
    *,
    to: str,
    by: str,
    at: Any,
    note: str | None = None,
    directory: UserDirectory | None = None,
) -> Task:
    """Hand the task to *to*, recording ``Delegation(by, to, at, note)``.

    Only the current assignee may delegate, or (when a *directory* tells who leads which team)
    the team lead of the task's team or of the assignee's team. The task goes back to ``open``
    for its new owner and joins the new owner's team when the directory knows it.

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    >>> t = create_task("Prepare offer", assignee="mira", at=t0)
    >>> t = delegate(t, to="ivan", by="mira", at=t0, note="you know the client")
    >>> t.assignee, [(d.by, d.to) for d in t.delegations]
    ('ivan', [('mira', 'ivan')])
    >>> delegate(t, to="ana", by="mira", at=t0)
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidTransitionError: invalid by 'mira': only the assignee ('ivan') or \
their team lead can delegate this task
    """
    _require_open(task, "be delegated")
    giver = _who("by", by, None)
    target = _who("to", to, directory)
    if giver != task.assignee and not _is_lead(giver, task, directory):
        raise InvalidTransitionError(
            "by",
            giver,
            f"only the assignee ({task.assignee!r}) or their team lead can delegate this task",
        )
    if target == task.assignee:
        raise InvalidTransitionError("to", target, "the task is already assigned to them")
    when = _when(task, at)
    why = _text("note", note, limit=LONG_TEXT)
    team = task.team
    if directory is not None and directory.get(target).team is not None:
        team = directory.get(target).team
    return _bump(
        task,
        when,
        assignee=target,
        team=team,
        status=TaskStatus.OPEN,
        started_at=None,
        delegations=(*task.delegations, Delegation(giver, target, when, why)),
    )


def _is_lead(user_id: str, task: Task, directory: UserDirectory | None) -> bool:
    if directory is None:
        return False
    teams = {task.team}
    if task.assignee in directory:
        teams.add(directory.get(task.assignee).team)
    return any(t is not None and directory.lead_of(t) == user_id for t in teams)


def complete(task: Task, *, at: Any, by: str | None = None) -> Task:
    """Mark an open or in-progress task done (not before it was created or last changed).

    For a recurring task, pass the result to :func:`crmkit.tasks.next_occurrence` to get the
    next one.
    """
    _require_open(task, "be completed")
    when = _when(task, at)
    who = clean_text("by", by)
    return _bump(
        task, when, status=TaskStatus.DONE, completed_at=when, completed_by=who, snoozed_until=None
    )


def cancel(task: Task, *, at: Any, by: str | None = None, reason: str | None = None) -> Task:
    """Cancel an open or in-progress task; the reason, if any, becomes a progress note."""
    _require_open(task, "be cancelled")
    when = _when(task, at)
    notes = task.notes
    who = clean_text("by", by)
    if reason is not None:
        notes = (
            *notes,
            ProgressNote(when, who, _text("reason", reason, required=True, limit=LONG_TEXT) or ""),
        )
    return _bump(
        task,
        when,
        status=TaskStatus.CANCELLED,
        completed_at=when,
        completed_by=who,
        notes=notes,
        snoozed_until=None,
    )


def snooze(task: Task, until: Any, *, at: Any) -> Task:
    """Hide an open task from the today and overdue lists until *until* (its due time is
    unchanged, so lateness still counts)."""
    _require_open(task, "be snoozed")
    when = _when(task, at)
    wake = ensure_aware(until, "until")
    if wake <= when:
        raise InvalidDatetimeError("until", until, "a snooze must end in the future")
    return _bump(task, when, snoozed_until=wake)


def reschedule(task: Task, due: Any, *, at: Any) -> Task:
    """Move the due time of an open task (``None`` removes it)."""
    _require_open(task, "be rescheduled")
    when = _when(task, at)
    return _bump(task, when, due=None if due is None else ensure_aware(due, "due"))


def reopen(task: Task, *, at: Any, by: str | None = None) -> Task:
    """Bring a done or cancelled task back to ``open`` (completion data is cleared).

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    >>> t = complete(create_task("Call back", assignee="mira", at=t0), at=t0)
    >>> reopen(t, at=t0).status
    <TaskStatus.OPEN: 'open'>
    """
    if not task.status.is_closed:
        raise InvalidTransitionError("status", task.status.value, "only a closed task can reopen")
    when = _when(task, at)
    return _bump(
        task, when, status=TaskStatus.OPEN, completed_at=None, completed_by=None, started_at=None
    )
