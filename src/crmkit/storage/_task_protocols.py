"""Storage protocols of tasks: tasks, users, automation keys, the outbox, routing turns."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Protocol

from crmkit.storage._linked import ContactErasable, ContactLinked
from crmkit.tasks.automation import ContactDates
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.routing import RoundRobinState
from crmkit.tasks.task import Task
from crmkit.tasks.users import User

__all__ = [
    "AutomationRepository",
    "OutboxRepository",
    "RoutingRepository",
    "TaskRepository",
    "UserRepository",
]


class TaskRepository(ContactLinked, ContactErasable, Protocol):
    """Tasks; ``update`` is versioned (StaleVersionError on a lost update)."""

    def add(self, task: Task) -> None: ...

    def get(self, task_id: str) -> Task: ...

    def update(self, task: Task) -> None: ...

    def for_assignee(self, user: str, *, status: str | None = None) -> list[Task]: ...

    def for_contact(self, contact_id: str) -> list[Task]:
        """Every task about *contact_id*, whatever its status (by id)."""
        ...

    def open_for_contact(self, contact_id: str) -> list[Task]:
        """Open or in-progress tasks about *contact_id* (any order)."""
        ...

    def open_due_before(
        self, when: datetime, *, assignee: str | None = None, limit: int | None = None
    ) -> list[Task]: ...

    def due_between(
        self, start: datetime, end: datetime, *, assignee: str | None = None
    ) -> list[Task]: ...

    def for_team(self, team: str, *, status: str | None = None) -> list[Task]: ...

    def open_counts(self, assignees: Collection[str] | None = None) -> dict[str, int]:
        """Open and in-progress tasks per assignee (only *assignees*, when given)."""
        ...

    def iter_open(self) -> Iterator[Task]:
        """Every open or in-progress task (read from the open-task index on SQL)."""
        ...

    def iter_all(self) -> Iterator[Task]: ...


class AutomationRepository(Protocol):
    """What date-driven automation reads and remembers."""

    def contact_dates(
        self, timezone: str, *, after: str | None = None, limit: int = 10_000
    ) -> list[ContactDates]:
        """A page of contacts in id order, after the id *after*: birthday, owner, name, and
        the calendar days (in *timezone*) of the first purchase and the last interaction.
        SQL backends aggregate in the database: no interaction row leaves it."""
        ...

    def done_keys(self, keys: Collection[str]) -> set[str]:
        """Which of these idempotency keys are recorded."""
        ...

    def record_key(self, key: str, rule: str, at: datetime) -> bool:
        """Record a done action's key; ``False`` (and nothing written) if already there."""
        ...

    def erase_subject(self, subject_id: str) -> int:
        """Delete the keys of one subject (``rule:subject_id:date``, see
        :func:`crmkit.tasks.automation.automation_key`); return how many. An erasure runs it
        for the erased contact ids: a birthday greeting's key holds the birthday's day."""
        ...


class OutboxRepository(ContactLinked, ContactErasable, Protocol):
    """Messages waiting for the application to send them, oldest first."""

    def put(self, message: QueuedMessage) -> None: ...

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]: ...

    def ack(self, message_ids: Iterable[str]) -> int:
        """Remove sent messages; return how many were pending."""
        ...


class RoutingRepository(Protocol):
    """Round robin turns per team, persisted so rotation stays fair across restarts."""

    def round_robin(self) -> RoundRobinState: ...

    def save_round_robin(self, team: str, last: str) -> None: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...

    def get(self, user_id: str) -> User: ...

    def update(self, user: User) -> None: ...

    def iter_all(self) -> Iterator[User]: ...

    def count(self) -> int: ...
