"""Tasks and users, kept in the generic record store.

A task's keys answer the look-ups of the task lists: its assignee, its team, and while it
is open, its assignee again (``open_by``) and its due time (``open_due``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import datetime

from crmkit.errors import TaskNotFoundError, UserNotFoundError
from crmkit.storage.codec import AttrsCodec, sortable_time
from crmkit.storage.generic._table import RecordTable, TableKind
from crmkit.storage.records import RecordStore
from crmkit.tasks.task import Task
from crmkit.tasks.users import User

__all__ = ["GenericTaskRepository", "GenericUserRepository"]

_OPEN = ("open", "in_progress")


def _task_keys(t: Task) -> Mapping[str, str | None]:
    is_open = t.status in _OPEN
    return {
        "assignee": t.assignee,
        "team": t.team,
        "open_by": t.assignee if is_open else None,
        "open_due": sortable_time(t.due) if is_open and t.due is not None else None,
    }


TASKS = TableKind("_task", "task", AttrsCodec(Task, keys=_task_keys), TaskNotFoundError)
USERS = TableKind("_user", "user", AttrsCodec(User, contact=None), UserNotFoundError)


class GenericTaskRepository(RecordTable[Task]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, TASKS)

    def _select(
        self, key: str, *, at_least: str | None = None, at_most: str | None = None
    ) -> list[Task]:
        found = self.store.select(self.kind.name, key, at_least=at_least, at_most=at_most)
        return [self.kind.codec.decode(r) for r in found]

    def for_assignee(self, user: str, *, status: str | None = None) -> list[Task]:
        found = [t for t in self.where("assignee", user) if status is None or t.status == status]
        return sorted(found, key=lambda t: (t.due is not None, t.due or t.created_at, t.id))

    def for_contact(self, contact_id: str) -> list[Task]:
        return sorted(self.of_contact(contact_id), key=lambda t: t.id)

    def open_for_contact(self, contact_id: str) -> list[Task]:
        return [t for t in self.for_contact(contact_id) if t.status in _OPEN]

    def open_due_before(
        self, when: datetime, *, assignee: str | None = None, limit: int | None = None
    ) -> list[Task]:
        found = [
            t
            for t in self._select("open_due", at_most=sortable_time(when))
            if t.due is not None and t.due < when and (assignee is None or t.assignee == assignee)
        ]
        return found if limit is None else found[:limit]

    def due_between(
        self, start: datetime, end: datetime, *, assignee: str | None = None
    ) -> list[Task]:
        found = self._select("open_due", at_least=sortable_time(start), at_most=sortable_time(end))
        return [
            t
            for t in found
            if t.due is not None
            and start <= t.due < end
            and (assignee is None or t.assignee == assignee)
        ]

    def for_team(self, team: str, *, status: str | None = None) -> list[Task]:
        return [t for t in self.where("team", team) if status is None or t.status == status]

    def open_counts(self, assignees: Collection[str] | None = None) -> dict[str, int]:
        if assignees is None:
            counts: dict[str, int] = {}
            for t in self._select("open_by"):
                counts[t.assignee] = counts.get(t.assignee, 0) + 1
            return counts
        name = self.kind.name
        found = {a: self.store.count(name, "open_by", equals=a) for a in set(assignees)}
        return {a: n for a, n in found.items() if n}

    def iter_open(self) -> Iterator[Task]:
        found = self._select("open_by")
        return iter(sorted(found, key=lambda t: (t.due is None, t.due or t.created_at, t.id)))


class GenericUserRepository(RecordTable[User]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, USERS)
