"""``crm.users`` and ``crm.tasks``: who does what, by when, and who handed it to whom."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._types import ensure_aware
from crmkit.errors import ValidationError
from crmkit.storage.protocols import UnitOfWork
from crmkit.tasks import views
from crmkit.tasks.chaining import next_occurrence
from crmkit.tasks.task import Task
from crmkit.tasks.transitions import (
    add_note,
    cancel,
    complete,
    create_task,
    delegate,
    reopen,
    snooze,
    start,
)
from crmkit.tasks.users import User, UserDirectory

__all__ = ["TasksAPI", "UsersAPI"]


def _directory(uow: UnitOfWork) -> UserDirectory | None:
    # User ids are plain strings until a workspace keeps a directory; from then on unknown
    # and inactive users are refused.
    users = list(uow.users.iter_all())
    return UserDirectory.of(users) if users else None


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

    def add(self, user_id: str, **fields: Any) -> User:
        user = User.new(user_id, **fields)
        with self._ctx.write() as uow:
            uow.users.add(user)
            uow.commit()
        return user

    def get(self, user_id: str) -> User:
        with self._ctx.read() as uow:
            return uow.users.get(user_id)

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

    def create(self, title: str, *, assignee: str | None = None, at: Any = None,
               **fields: Any) -> Task:  # fmt: skip
        """Create a task. Without ``assignee`` the contact's owner gets it ("a customer calls
        their own salesperson"); with neither, ``ValidationError``."""
        with self._ctx.write() as uow:
            who = assignee
            contact_id = fields.get("contact_id")
            if contact_id is not None:
                contact = uow.contacts.get(contact_id)
                who = who or contact.owner
            if who is None:
                raise ValidationError(
                    "assignee", None, "give an assignee or a contact with an owner"
                )
            task = create_task(title, assignee=who, at=at or self._ctx.clock(),
                               directory=_directory(uow), **fields)  # fmt: skip
            uow.tasks.add(task)
            uow.commit()
        return task

    def get(self, task_id: str) -> Task:
        with self._ctx.read() as uow:
            return uow.tasks.get(task_id)

    def _apply(self, task_id: str, step: Callable[[Task, UserDirectory | None], Task]) -> Task:
        with self._ctx.write() as uow:
            new = step(uow.tasks.get(task_id), _directory(uow))
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

    def delegate(self, task_id: str, *, to: str, by: str, note: str | None = None,
                 at: Any = None) -> Task:  # fmt: skip
        """Hand the task on; only its current assignee (or the team lead) may."""
        when = self._at(at)
        return self._apply(
            task_id, lambda t, d: delegate(t, to=to, by=by, at=when, note=note, directory=d)
        )

    def complete(self, task_id: str, *, by: str | None = None, at: Any = None) -> Task:
        """Mark done; a recurring task's next occurrence is created in the same transaction."""
        when = self._at(at)
        with self._ctx.write() as uow:
            done = complete(uow.tasks.get(task_id), at=when, by=by)
            uow.tasks.update(done)
            following = next_occurrence(done)
            if following is not None:
                uow.tasks.add(following)
            uow.commit()
        return done

    def cancel(self, task_id: str, *, by: str | None = None, reason: str | None = None,
               at: Any = None) -> Task:  # fmt: skip
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: cancel(t, at=when, by=by, reason=reason))

    def snooze(self, task_id: str, until: Any, *, at: Any = None) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: snooze(t, until, at=when))

    def reopen(self, task_id: str, *, by: str | None = None, at: Any = None) -> Task:
        when = self._at(at)
        return self._apply(task_id, lambda t, _d: reopen(t, at=when, by=by))

    def for_assignee(self, user: str, *, status: str | None = None) -> list[Task]:
        with self._ctx.read() as uow:
            found = uow.tasks.for_assignee(user, status=status)
        return views.for_assignee(found, user, status=status)

    def overdue(self, *, now: datetime | None = None, assignee: str | None = None,
                team: str | None = None, limit: int | None = None) -> list[Task]:  # fmt: skip
        """Open tasks past their due time (snoozed ones excluded), most overdue first;
        ``limit`` returns only the first page."""
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValidationError("limit", limit, "a positive integer or None")
        when = self._ctx.clock() if now is None else ensure_aware(now, "now")
        with self._ctx.read() as uow:
            found = uow.tasks.open_due_before(when, assignee=assignee, limit=limit)
        return views.overdue(found, when, assignee=assignee, team=team)

    def due_between(self, start: datetime, end: datetime) -> list[Task]:
        lo, hi = ensure_aware(start, "start"), ensure_aware(end, "end")
        with self._ctx.read() as uow:
            found = uow.tasks.due_between(lo, hi)
        return views.due_between(found, lo, hi)

    def due_today(self, user: str, *, now: datetime | None = None) -> list[Task]:
        """The user's open tasks due today in the user's own time zone."""
        when = self._ctx.clock() if now is None else ensure_aware(now, "now")
        with self._ctx.read() as uow:
            directory = _directory(uow)
            known = directory is not None and user in directory
            # Without a directory entry the user's day is the UTC day.
            person = directory.get(user) if directory is not None and known else User.new(user)
            lo, hi = views.day_bounds(person, when)
            found = uow.tasks.due_between(lo, hi, assignee=user)
        return views.due_today(found, person, when)

    def workload(self, *, now: datetime | None = None) -> dict[str, views.Workload]:
        with self._ctx.read() as uow:
            tasks = list(uow.tasks.iter_all())
        return views.workload(tasks, now=now)

    def effectiveness(self, *, since: datetime, until: datetime) -> dict[str, views.Effectiveness]:
        with self._ctx.read() as uow:
            tasks = list(uow.tasks.iter_all())
        return views.effectiveness(tasks, since=since, until=until)
