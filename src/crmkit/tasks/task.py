"""The task value: who must do what by when, and how it got to them."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit._types import parse_datetime
from crmkit.errors import ValidationError
from crmkit.tasks.recurrence import Recurrence

__all__ = ["Delegation", "Priority", "ProgressNote", "Task", "TaskStatus"]


class TaskStatus(enum.StrEnum):
    """``open → in_progress → done | cancelled``; done and cancelled tasks are closed."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        return self in _CLOSED


_CLOSED = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for urgent, for sorting."""
        return _RANK[self]

    @classmethod
    def parse(cls, value: Any) -> Priority:
        try:
            return cls(value.strip().lower() if isinstance(value, str) else value)
        except ValueError:
            raise ValidationError(
                "priority", value, "expected 'low', 'normal', 'high' or 'urgent'"
            ) from None


_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


@attrs.frozen
class Delegation:
    """One hand-over: ``by`` gave the task to ``to`` at ``at``, optionally saying why."""

    by: str
    to: str
    at: datetime
    note: str | None = None


@attrs.frozen
class ProgressNote:
    """A dated remark on how the work is going."""

    at: datetime
    by: str | None
    text: str


@attrs.frozen
class Task:
    """A piece of work assigned to one person, with a due time and its whole history.

    Build tasks with :func:`crmkit.tasks.create_task` and change them with the transition
    functions (:func:`~crmkit.tasks.start`, :func:`~crmkit.tasks.delegate`,
    :func:`~crmkit.tasks.complete`, ...), which validate and bump ``version``.

    >>> from datetime import UTC, datetime
    >>> from crmkit.tasks import create_task
    >>> t = create_task("Prepare offer", assignee="mira", created_by="ana",
    ...                 due=datetime(2026, 3, 9, 10, 30, tzinfo=UTC),
    ...                 at=datetime(2026, 3, 6, 16, 0, tzinfo=UTC))
    >>> t.status, t.assignee, t.version
    (<TaskStatus.OPEN: 'open'>, 'mira', 1)
    """

    id: str
    title: str
    assignee: str
    created_at: datetime
    updated_at: datetime
    status: TaskStatus = TaskStatus.OPEN
    description: str | None = None
    created_by: str | None = None
    team: str | None = None
    due: datetime | None = None
    priority: Priority = Priority.NORMAL
    kind: str | None = None
    contact_id: str | None = None
    deal_id: str | None = None
    notes: tuple[ProgressNote, ...] = ()
    reminders: tuple[datetime, ...] = ()
    snoozed_until: datetime | None = None
    estimated_effort: timedelta | None = None
    recurrence: Recurrence | None = None
    series_id: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    delegations: tuple[Delegation, ...] = ()
    version: int = 1

    @property
    def is_open(self) -> bool:
        """Open or in progress: still somebody's work."""
        return not self.status.is_closed

    def is_overdue(self, now: datetime) -> bool:
        """Still open and its due time has passed (a snooze does not change the due time)."""
        return self.due is not None and not self.status.is_closed and self.due < now

    def is_snoozed(self, now: datetime) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > now

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (datetimes in ISO 8601, effort in seconds) for storage.

        >>> from datetime import UTC, datetime
        >>> from crmkit.tasks import create_task, delegate
        >>> t0 = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
        >>> t = create_task("Call back", assignee="mira", at=t0, estimated_effort=
        ...                 timedelta(minutes=20))
        >>> t = delegate(t, to="ivan", by="mira", at=t0, note="he knows them")
        >>> Task.from_dict(t.to_dict()) == t
        True
        """
        iso = _iso
        return {
            "id": self.id,
            "title": self.title,
            "assignee": self.assignee,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "status": self.status.value,
            "description": self.description,
            "created_by": self.created_by,
            "team": self.team,
            "due": iso(self.due),
            "priority": self.priority.value,
            "kind": self.kind,
            "contact_id": self.contact_id,
            "deal_id": self.deal_id,
            "notes": [{"at": iso(n.at), "by": n.by, "text": n.text} for n in self.notes],
            "reminders": [iso(r) for r in self.reminders],
            "snoozed_until": iso(self.snoozed_until),
            "estimated_effort": None
            if self.estimated_effort is None
            else self.estimated_effort.total_seconds(),
            "recurrence": None if self.recurrence is None else self.recurrence.to_dict(),
            "series_id": self.series_id,
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "completed_by": self.completed_by,
            "delegations": [
                {"by": d.by, "to": d.to, "at": iso(d.at), "note": d.note} for d in self.delegations
            ],
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        """Read what :meth:`to_dict` wrote."""
        dt = _dt
        effort = data.get("estimated_effort")
        rec = data.get("recurrence")
        st, pr = data["status"], data.get("priority", "normal")
        return cls(
            id=data["id"],
            title=data["title"],
            assignee=data["assignee"],
            created_at=parse_datetime(data["created_at"], "created_at"),
            updated_at=parse_datetime(data["updated_at"], "updated_at"),
            status=_STATUS.get(st) or TaskStatus(st),
            description=data.get("description"),
            created_by=data.get("created_by"),
            team=data.get("team"),
            due=dt(data.get("due")),
            priority=_PRIORITY.get(pr) or Priority(pr),
            kind=data.get("kind"),
            contact_id=data.get("contact_id"),
            deal_id=data.get("deal_id"),
            notes=tuple(
                ProgressNote(parse_datetime(n["at"], "at"), n.get("by"), n["text"])
                for n in data.get("notes", ())
            ),
            reminders=tuple(parse_datetime(r, "reminders") for r in data.get("reminders", ())),
            snoozed_until=dt(data.get("snoozed_until")),
            estimated_effort=None if effort is None else timedelta(seconds=effort),
            recurrence=None if rec is None else Recurrence.from_dict(rec),
            series_id=data.get("series_id"),
            started_at=dt(data.get("started_at")),
            completed_at=dt(data.get("completed_at")),
            completed_by=data.get("completed_by"),
            delegations=tuple(
                Delegation(d["by"], d["to"], parse_datetime(d["at"], "at"), d.get("note"))
                for d in data.get("delegations", ())
            ),
            version=data.get("version", 1),
        )


# Dict lookups, not enum calls: storage decodes every task row through from_dict.
_STATUS = {s.value: s for s in TaskStatus}
_PRIORITY = {p.value: p for p in Priority}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else parse_datetime(value, "datetime")
