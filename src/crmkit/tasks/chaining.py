"""What comes next: the next occurrence of a recurring task, and follow-up tasks scheduled by
an interaction or a completed task."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit._types import check_duration, ensure_aware, new_id
from crmkit.errors import InvalidTransitionError, ValidationError
from crmkit.interactions import Interaction
from crmkit.tasks.task import Priority, Task, TaskStatus
from crmkit.tasks.transitions import create_task
from crmkit.tasks.users import UserDirectory

__all__ = ["ActivityType", "FollowUps", "next_occurrence"]


def next_occurrence(done: Task, *, id: str | None = None) -> Task | None:
    """The next task of a completed recurring task's series, or ``None``.

    The next due time is the rule's first occurrence after both the old due time and the
    completion, so a task finished late does not spawn a backlog of past occurrences.

    >>> from datetime import UTC, datetime
    >>> from crmkit.tasks import complete
    >>> t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    >>> t = create_task("Weekly report", assignee="mira", at=t0, due=t0,
    ...                 recurrence="FREQ=WEEKLY;BYDAY=MO")
    >>> nxt = next_occurrence(complete(t, at=t0))
    >>> nxt.due.date().isoformat(), nxt.series_id == t.id, nxt.status
    ('2026-03-09', True, <TaskStatus.OPEN: 'open'>)
    """
    if done.status is not TaskStatus.DONE:
        raise InvalidTransitionError(
            "status", done.status.value, "only a completed task yields the next occurrence"
        )
    rec = done.recurrence
    if rec is None or done.due is None or done.completed_at is None:
        return None
    after = max(done.due, done.completed_at)
    due = rec.next_after(after)
    if due is None:
        return None
    when = done.completed_at
    return attrs.evolve(
        done,
        id=id or new_id(),
        created_at=when,
        updated_at=when,
        status=TaskStatus.OPEN,
        due=due,
        notes=(),
        snoozed_until=None,
        started_at=None,
        completed_at=None,
        completed_by=None,
        delegations=(),
        version=1,
        reminders=_shift(done, due),
    )


def _shift(done: Task, due: datetime) -> tuple[datetime, ...]:
    # Reminders keep their distance to the due time, so "a day before" repeats too.
    assert done.due is not None
    return tuple(due - (done.due - r) for r in done.reminders)


@attrs.frozen
class ActivityType:
    """A kind of activity (``"call"``, ``"meeting"``, ``"quote_sent"``) and the follow-up it
    calls for: a task titled ``follow_up_title`` due ``follow_up_after`` later."""

    name: str
    follow_up_after: timedelta
    follow_up_title: str
    follow_up_kind: str | None = None
    priority: Priority = Priority.NORMAL

    def __attrs_post_init__(self) -> None:
        check_duration(self.follow_up_after, "follow_up_after")


@attrs.frozen
class FollowUps:
    """Follow-up chaining rules, by activity type.

    An interaction's activity type is its ``outcome`` if one is registered, else its
    ``channel``; a task's is its ``kind``. Working hours from the *directory* move a due time
    that falls at night or on a weekend to the next working morning.

    >>> from datetime import UTC, datetime
    >>> rules = FollowUps.of([ActivityType("quote_sent", timedelta(days=3), "Chase the quote")])
    >>> it = Interaction.new(contact_id="c1", channel="email", direction="outbound",
    ...                      outcome="quote_sent", handled_by="arta",
    ...                      occurred_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    >>> t = rules.after_interaction(it)
    >>> t.title, t.assignee, t.due.isoformat(), t.contact_id
    ('Chase the quote', 'arta', '2026-03-05T10:00:00+00:00', 'c1')
    """

    types: Mapping[str, ActivityType] = attrs.field(factory=dict)

    @classmethod
    def of(cls, types: Iterable[ActivityType]) -> FollowUps:
        return cls({t.name: t for t in types})

    def _due(
        self, start: Any, delay: timedelta, assignee: str, directory: UserDirectory | None
    ) -> datetime:
        due = ensure_aware(start, "at") + delay
        if directory is not None and assignee in directory:
            user = directory.get(assignee)
            local = user.working_hours.next_working_time(due.astimezone(user.tz))
            return ensure_aware(local, "due")
        return due

    def _make(
        self,
        activity: ActivityType,
        *,
        start: Any,
        assignee: str,
        directory: UserDirectory | None,
        contact_id: str | None,
        deal_id: str | None,
        created_by: str | None,
        id: str | None,
    ) -> Task:
        return create_task(
            activity.follow_up_title,
            assignee=assignee,
            at=start,
            due=self._due(start, activity.follow_up_after, assignee, directory),
            created_by=created_by,
            priority=activity.priority,
            kind=activity.follow_up_kind,
            contact_id=contact_id,
            deal_id=deal_id,
            directory=directory,
            id=id,
        )

    def after_interaction(
        self,
        interaction: Interaction,
        *,
        assignee: str | None = None,
        directory: UserDirectory | None = None,
        id: str | None = None,
    ) -> Task | None:
        """The follow-up an interaction calls for, assigned to *assignee* or to whoever
        handled it; ``None`` when its activity type has no follow-up rule."""
        activity = self.types.get(interaction.outcome or "") or self.types.get(interaction.channel)
        if activity is None:
            return None
        who = assignee or interaction.handled_by
        if who is None:
            raise ValidationError("assignee", None, "nobody handled the interaction; name one")
        return self._make(
            activity,
            start=interaction.occurred_at,
            assignee=who,
            directory=directory,
            contact_id=interaction.contact_id,
            deal_id=interaction.deal_id,
            created_by=interaction.handled_by,
            id=id,
        )

    def after_task(
        self,
        done: Task,
        *,
        assignee: str | None = None,
        directory: UserDirectory | None = None,
        id: str | None = None,
    ) -> Task | None:
        """The next-step task after a completed task of a registered ``kind``, for the same
        contact and deal, assigned to *assignee* or the one who did the work."""
        if done.status is not TaskStatus.DONE or done.completed_at is None:
            raise InvalidTransitionError(
                "status", done.status.value, "only a completed task schedules a follow-up"
            )
        activity = self.types.get(done.kind or "")
        if activity is None:
            return None
        return self._make(
            activity,
            start=done.completed_at,
            assignee=assignee or done.assignee,
            directory=directory,
            contact_id=done.contact_id,
            deal_id=done.deal_id,
            created_by=done.completed_by,
            id=id,
        )
