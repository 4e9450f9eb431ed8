"""Users and tasks, in memory."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime

from crmkit.errors import TaskNotFoundError, UserNotFoundError
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable
from crmkit.tasks.task import Task
from crmkit.tasks.users import User

__all__ = ["MemoryTaskRepository", "MemoryUserRepository"]

_OPEN = ("open", "in_progress")


def _due_key(t: Task) -> tuple[datetime | None, str]:
    return (t.due, t.id)


class MemoryTaskRepository(MemoryTable[Task]):
    def __init__(self, rows: UndoableDict[str, Task], log: UndoLog) -> None:
        super().__init__(
            rows, log, kind="task", not_found=TaskNotFoundError, contact_attr="contact_id"
        )

    def for_assignee(self, user: str, *, status: str | None = None) -> list[Task]:
        found = self.select(lambda t: t.assignee == user and (status is None or t.status == status))
        # the SQL backends sort NULL due dates first (SQLite) or last (PostgreSQL); callers
        # re-sort with crmkit.tasks.views, so only the set matters here
        return sorted(found, key=lambda t: (t.due is not None, t.due or t.created_at, t.id))

    def for_contact(self, contact_id: str) -> list[Task]:
        return self.select(lambda t: t.contact_id == contact_id)

    def open_for_contact(self, contact_id: str) -> list[Task]:
        return self.select(lambda t: t.contact_id == contact_id and t.status in _OPEN)

    def open_due_before(
        self, when: datetime, *, assignee: str | None = None, limit: int | None = None
    ) -> list[Task]:
        found = sorted(
            (
                t
                for t in self.rows.data.values()
                if t.status in _OPEN
                and t.due is not None
                and t.due < when
                and (assignee is None or t.assignee == assignee)
            ),
            key=_due_key,
        )
        return found if limit is None else found[:limit]

    def due_between(
        self, start: datetime, end: datetime, *, assignee: str | None = None
    ) -> list[Task]:
        return sorted(
            (
                t
                for t in self.rows.data.values()
                if t.status in _OPEN
                and t.due is not None
                and start <= t.due < end
                and (assignee is None or t.assignee == assignee)
            ),
            key=_due_key,
        )

    def for_team(self, team: str, *, status: str | None = None) -> list[Task]:
        return self.select(lambda t: t.team == team and (status is None or t.status == status))

    def open_counts(self, assignees: Collection[str] | None = None) -> dict[str, int]:
        wanted = None if assignees is None else set(assignees)
        counts: dict[str, int] = {}
        for t in self.rows.data.values():
            if t.status in _OPEN and (wanted is None or t.assignee in wanted):
                counts[t.assignee] = counts.get(t.assignee, 0) + 1
        return counts

    def iter_open(self) -> Iterator[Task]:
        found = self.select(lambda t: t.status in _OPEN)
        return iter(sorted(found, key=lambda t: (t.due is None, t.due or t.created_at, t.id)))


class MemoryUserRepository(MemoryTable[User]):
    def __init__(self, rows: UndoableDict[str, User], log: UndoLog) -> None:
        super().__init__(rows, log, kind="user", not_found=UserNotFoundError, versioned=False)
