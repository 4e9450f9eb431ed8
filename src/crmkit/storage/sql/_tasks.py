"""Users and tasks on any SQL backend."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from crmkit.errors import TaskNotFoundError, UserNotFoundError
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec
from crmkit.tasks.task import Task
from crmkit.tasks.users import User

__all__ = ["OPEN_STATUSES", "SQLTaskRepository", "SQLUserRepository"]

OPEN_STATUSES = ("open", "in_progress")
# Written out (not as parameters) so the planner can match the partial indexes over open tasks.
_OPEN_SQL = "status IN ('open', 'in_progress')"


def _task_row(t: Task, d: Dialect) -> tuple[Any, ...]:
    return (
        t.id,
        t.assignee,
        t.status.value,
        t.team,
        None if t.due is None else d.ts(t.due),
        t.contact_id,
        t.deal_id,
        None if t.completed_at is None else d.ts(t.completed_at),
        t.version,
        d.json(t.to_dict()),
    )


def _task(r: Row, d: Dialect) -> Task:
    # contact_id is read from its column: merges move tasks by updating that column alone.
    data = d.json_out(r[9])
    data["contact_id"] = r[5]
    return Task.from_dict(data)


def _user_row(u: User, d: Dialect) -> tuple[Any, ...]:
    return (u.id, u.active, d.json(u.to_dict()))


def _user(r: Row, d: Dialect) -> User:
    return User.from_dict(d.json_out(r[2]))


TASKS = TableSpec(
    "tasks",
    "task",
    (
        "id",
        "assignee",
        "status",
        "team",
        "due",
        "contact_id",
        "deal_id",
        "completed_at",
        "version",
        "data",
    ),
    _task_row,
    _task,
    TaskNotFoundError,
    contact_column="contact_id",
)
USERS = TableSpec(
    "users", "user", ("id", "active", "data"), _user_row, _user, UserNotFoundError, versioned=False
)


class SQLTaskRepository(SQLTable[Task]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, TASKS)

    def for_assignee(self, user: str, *, status: str | None = None) -> list[Task]:
        where, params = "AND assignee = ?", [user]
        if status is not None:
            where += " AND status = ?"
            params.append(status)
        return self.select(where, params, order="due, id")

    def for_contact(self, contact_id: str) -> list[Task]:
        return self.select("AND contact_id = ?", [contact_id])

    def open_for_contact(self, contact_id: str) -> list[Task]:
        return self.select(f"AND contact_id = ? AND {_OPEN_SQL}", [contact_id])

    def open_due_before(
        self, when: datetime, *, assignee: str | None = None, limit: int | None = None
    ) -> list[Task]:
        """Open or in-progress tasks due before *when*, most overdue first (one index range)."""
        where = f"AND {_OPEN_SQL} AND due < ?"
        params: list[Any] = [self._db.dialect.ts(when)]
        if assignee is not None:
            where += " AND assignee = ?"
            params.append(assignee)
        order = "due, id" if limit is None else f"due, id LIMIT {int(limit)}"
        return self.select(where, params, order=order)

    def due_between(
        self, start: datetime, end: datetime, *, assignee: str | None = None
    ) -> list[Task]:
        where = f"AND {_OPEN_SQL} AND due >= ? AND due < ?"
        params: list[Any] = [self._db.dialect.ts(start), self._db.dialect.ts(end)]
        if assignee is not None:
            where += " AND assignee = ?"
            params.append(assignee)
        return self.select(where, params, order="due, id")

    def for_team(self, team: str, *, status: str | None = None) -> list[Task]:
        where, params = "AND team = ?", [team]
        if status is not None:
            where += " AND status = ?"
            params.append(status)
        return self.select(where, params, order="due, id")

    def open_counts(self, assignees: Collection[str] | None = None) -> dict[str, int]:
        d = self._db.dialect
        sql = f"SELECT assignee, count(*) FROM tasks WHERE workspace = ? AND {_OPEN_SQL}"
        params: list[Any] = [self._ws]
        if assignees is not None:
            if not assignees:
                return {}
            cond, extra = d.in_list("assignee", sorted(assignees))
            sql += f" AND {cond}"
            params += extra
        rows = self._db.fetchall(sql + " GROUP BY assignee", params)
        return {r[0]: int(r[1]) for r in rows}

    def iter_open(self) -> Iterator[Task]:
        return iter(self.select(f"AND {_OPEN_SQL}", (), order="due, id"))


class SQLUserRepository(SQLTable[User]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, USERS)
