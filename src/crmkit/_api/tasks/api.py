"""``crm.users`` and ``crm.tasks``: who does what, by when, and who handed it to whom."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._api._records import of_known_contact
from crmkit._api.tasks.routing import Router, directory_of
from crmkit._keywords import UNSET, Unset, given
from crmkit._text_limits import clean_text
from crmkit._types import ensure_aware
from crmkit.errors import ValidationError
from crmkit.interactions import Interaction
from crmkit.tasks import views
from crmkit.tasks.chaining import FollowUps, next_occurrence
from crmkit.tasks.routing import ContactOwnerFirst, Policy
from crmkit.tasks.task import Task
from crmkit.tasks.transitions import (
    add_note,
    cancel,
    complete,
    create_task,
    delegate,
    reopen,
    reschedule,
    snooze,
    start,
)
from crmkit.tasks.users import User, UserDirectory, WorkingHours

__all__ = ["TasksAPI", "UsersAPI"]


class UsersAPI:
    """The users directory (optional: without it, user ids are plain strings).

    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> _ = crm.users.add("mira", name="Mira Hoxha", team="sales", timezone="Europe/Tirane")
    >>> crm.users.get("mira").timezone
    'Europe/Tirane'
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(
        self,
        user_id: str,
        *,
        name: str | None = None,
        team: str | None = None,
        is_team_lead: bool = False,
        timezone: str = "UTC",
        active: bool = True,
        working_hours: WorkingHours | None = None,
    ) -> User:
        """A new user: *timezone* is an IANA name (``"Europe/Tirane"``); *working_hours*
        default to Monday to Friday, 9:00 to 17:00 in that zone."""
        user = User.new(user_id, **given(locals(), skip=("user_id",)))
        with self._ctx.write() as uow:
            uow.users.add(user)
            uow.commit()
        return user

    def get(self, user_id: str) -> User:
        with self._ctx.read() as uow:
            return uow.users.get(user_id)

    def update(
        self,
        user_id: str,
        *,
        name: str | Unset | None = UNSET,
        team: str | Unset | None = UNSET,
        is_team_lead: bool | Unset = UNSET,
        timezone: str | Unset = UNSET,
        active: bool | Unset = UNSET,
        working_hours: WorkingHours | Unset | None = UNSET,
    ) -> User:
        """Change the fields given (``None`` clears a name or a team and gives back the default
        working hours); everything is validated as in :meth:`add`."""
        fields = given(locals(), skip=("user_id",))
        with self._ctx.write() as uow:
            old = uow.users.get(user_id)
            current = {f.name: getattr(old, f.name) for f in attrs.fields(User) if f.name != "id"}
            user = User.new(user_id, **{**current, **fields})
            uow.users.update(user)
            uow.commit()
        return user

    def deactivate(self, user_id: str) -> User:
        """Keep the user (their history stays readable) but refuse new assignments."""
        with self._ctx.write() as uow:
            user = attrs.evolve(uow.users.get(user_id), active=False)
            uow.users.update(user)
            uow.commit()
        return user

    def all(self) -> list[User]:
        with self._ctx.read() as uow:
            return list(uow.users.iter_all())


class TasksAPI:
    """Tasks with due times, a delegation chain, progress and follow-through.

    >>> from datetime import UTC, datetime, timedelta
    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> t0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    >>> t = crm.tasks.create("Prepare offer", assignee="mira", created_by="ana",
    ...                      due=t0 + timedelta(hours=2, minutes=30), at=t0)
    >>> t = crm.tasks.delegate(t.id, to="ivan", by="mira", note="you know the client",
    ...                        at=t0 + timedelta(minutes=5))
    >>> [(d.by, d.to) for d in crm.tasks.get(t.id).delegations]
    [('mira', 'ivan')]
    >>> [x.title for x in crm.tasks.overdue(now=t0 + timedelta(hours=3))]
    ['Prepare offer']
    >>> t = crm.tasks.complete(t.id, by="ivan", at=t0 + timedelta(hours=4))
    >>> t.status.value, crm.tasks.overdue(now=t0 + timedelta(hours=5))
    ('done', [])
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        #: The routing policies :meth:`create` uses when no assignee is given; replace them
        #: to route by team, e.g. ``(ContactOwnerFirst(), Territory(...), RoundRobin())``.
        self.routing: tuple[Policy, ...] = (ContactOwnerFirst(),)

    def create(
        self,
        title: str,
        *,
        assignee: str | None = None,
        at: datetime | None = None,
        policies: Sequence[Policy] | None = None,
        due: datetime | None = None,
        created_by: str | None = None,
        team: str | None = None,
        description: str | None = None,
        priority: str = "normal",
        kind: str | None = None,
        contact_id: str | None = None,
        deal_id: str | None = None,
        reminders: Iterable[datetime] = (),
        estimated_effort: timedelta | None = None,
        recurrence: str | None = None,
        timezone: str | None = None,
        id: str | None = None,
    ) -> Task:
        """Create a task, as :func:`crmkit.tasks.create_task` reads its fields (*at*, the
        creation time, defaults to now; *recurrence* is RRULE text repeated from *due*).

        Without ``assignee`` the routing *policies* choose (default: :attr:`routing`, which
        starts as "the contact's owner"): candidates are the active members of ``team=``
        in the users directory, with their open-task load; round robin turns are stored in
        the same transaction as the task, so rotation stays fair across restarts. When no
        policy chooses anyone, ``ValidationError`` and nothing is written.
        """
        fields = given(locals(), skip=("title", "assignee", "at", "policies"))
        when = self._at(at)
        clean_text("contact_id", contact_id)
        clean_text("deal_id", deal_id)
        with self._ctx.write() as uow:
            contact = None if contact_id is None else uow.contacts.get(contact_id)
            if deal_id is not None:
                uow.deals.get(deal_id)  # DealNotFoundError for another workspace's
            router = None
            if assignee is None:
                router = Router.load(uow, self.routing if policies is None else policies)
                assignee = router.choose(uow, team, contact).assignee
            task = create_task(
                title, assignee=assignee, at=when, directory=directory_of(uow), **fields
            )
            uow.tasks.add(task)
            if router is not None:
                router.save(uow)
            uow.commit()
        return task

    def get(self, task_id: str) -> Task:
        with self._ctx.read() as uow:
            return uow.tasks.get(task_id)

    def _apply(self, task_id: str, step: Callable[[Task, UserDirectory | None], Task]) -> Task:
        with self._ctx.write() as uow:
            new = step(uow.tasks.get(task_id), directory_of(uow))
            uow.tasks.update(new)
            uow.commit()
        return new

    def _at(self, at: Any) -> Any:
        return self._ctx.clock() if at is None else at

    def start(self, task_id: str, *, by: str | None = None, at: Any = None) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: start(t, at=when, by=by))

    def add_note(self, task_id: str, text: str, *, by: str | None = None, at: Any = None) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: add_note(t, text, at=when, by=by))

    def delegate(
        self, task_id: str, *, to: str, by: str, note: str | None = None, at: Any = None
    ) -> Task:
        """Hand the task on; only its current assignee (or the team lead) may."""
        when = self._at(at)
        return self._apply(
            task_id, lambda t, d: delegate(t, to=to, by=by, at=when, note=note, directory=d)
        )

    def complete(
        self,
        task_id: str,
        *,
        by: str | None = None,
        at: Any = None,
        follow_ups: FollowUps | None = None,
    ) -> Task:
        """Mark done. In the same transaction, a recurring task's next occurrence is created,
        and so is the next step *follow_ups* registers for the task's ``kind``."""
        when = self._at(at)
        with self._ctx.write() as uow:
            done = complete(uow.tasks.get(task_id), at=when, by=by)
            uow.tasks.update(done)
            following = next_occurrence(done)
            if following is not None:
                uow.tasks.add(following)
            if follow_ups is not None:
                step = follow_ups.after_task(done, directory=directory_of(uow))
                if step is not None:
                    uow.tasks.add(step)
            uow.commit()
        return done

    def follow_up(
        self, interaction: Interaction, rules: FollowUps, *, assignee: str | None = None
    ) -> Task | None:
        """Store the follow-up task *rules* call for after *interaction* (assigned to
        *assignee* or whoever handled it), or return ``None`` when none is registered."""
        with self._ctx.write() as uow:
            uow.interactions.get(interaction.id)
            task = rules.after_interaction(
                interaction, assignee=assignee, directory=directory_of(uow)
            )
            if task is not None:
                uow.tasks.add(task)
                uow.commit()
        return task

    def cancel(
        self, task_id: str, *, by: str | None = None, reason: str | None = None, at: Any = None
    ) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: cancel(t, at=when, by=by, reason=reason))

    def snooze(self, task_id: str, until: Any, *, at: Any = None) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: snooze(t, until, at=when))

    def reschedule(self, task_id: str, due: Any, *, at: Any = None) -> Task:
        """Move the due time of an open task (``None`` removes it)."""
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: reschedule(t, due, at=when))

    def reopen(self, task_id: str, *, by: str | None = None, at: Any = None) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: reopen(t, at=when, by=by))

    def for_assignee(self, user: str, *, status: str | None = None) -> list[Task]:
        with self._ctx.read() as uow:
            found = uow.tasks.for_assignee(user, status=status)
        return views.for_assignee(found, user, status=status)

    def for_contact(self, contact_id: str, *, include_done: bool = False) -> list[Task]:
        """The contact's open and in-progress tasks, oldest first; with *include_done*,
        its done and cancelled ones too (the customer file's "finished tasks")."""
        if not isinstance(include_done, bool):
            raise ValidationError("include_done", include_done, "expected True or False")
        with self._ctx.read() as uow:
            tasks = uow.tasks.for_contact if include_done else uow.tasks.open_for_contact
            found = of_known_contact(uow, contact_id, tasks(contact_id))
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def overdue(
        self,
        *,
        now: datetime | None = None,
        assignee: str | None = None,
        team: str | None = None,
        limit: int | None = None,
    ) -> list[Task]:
        """Open tasks past their due time (snoozed ones excluded), most overdue first;
        ``limit`` returns only the first page."""
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValidationError("limit", limit, "a positive integer or None")
        when = self._ctx.clock() if now is None else ensure_aware(now, "now")
        with self._ctx.read() as uow:
            found = uow.tasks.open_due_before(when, assignee=assignee, limit=limit)
        return views.overdue(found, when, assignee=assignee, team=team)

    def for_team(self, team: str, *, status: str | None = None) -> list[Task]:
        """The team's tasks (optionally with *status*), soonest due first."""
        with self._ctx.read() as uow:
            found = uow.tasks.for_team(team, status=status)
        return views.for_team(found, team, status=status)

    def due_between(self, start: datetime, end: datetime) -> list[Task]:
        lo, hi = ensure_aware(start, "start"), ensure_aware(end, "end")
        with self._ctx.read() as uow:
            found = uow.tasks.due_between(lo, hi)
        return views.due_between(found, lo, hi)

    def due_today(self, user: str, *, now: datetime | None = None) -> list[Task]:
        """The user's open tasks due today in the user's own time zone."""
        when = self._ctx.clock() if now is None else ensure_aware(now, "now")
        with self._ctx.read() as uow:
            directory = directory_of(uow)
            known = directory is not None and user in directory
            # Without a directory entry the user's day is the UTC day.
            person = directory.get(user) if directory is not None and known else User.new(user)
            lo, hi = views.day_bounds(person, when)
            found = uow.tasks.due_between(lo, hi, assignee=user)
        return views.due_today(found, person, when)

    def reminders_between(self, start: datetime, end: datetime) -> list[tuple[datetime, Task]]:
        """``(when, task)`` for the reminders of open tasks falling in ``[start, end)``."""
        lo, hi = ensure_aware(start, "start"), ensure_aware(end, "end")
        with self._ctx.read() as uow:
            tasks = list(uow.tasks.iter_open())
        return views.reminders_between(tasks, lo, hi)

    def workload(self, *, now: datetime | None = None) -> dict[str, views.Workload]:
        """Open work per assignee (counts and estimated effort); reads open tasks only."""
        at = None if now is None else ensure_aware(now, "now")
        with self._ctx.read() as uow:
            tasks = list(uow.tasks.iter_open())
        return views.workload(tasks, now=at)

    def effectiveness(self, *, since: datetime, until: datetime) -> dict[str, views.Effectiveness]:
        """Per person over ``[since, until)``: done on time %, median lateness, delegations
        received and given (see :func:`crmkit.tasks.effectiveness`)."""
        with self._ctx.read() as uow:
            tasks = list(uow.tasks.iter_all())
        return views.effectiveness(tasks, since=since, until=until)
