"""Tasks and users on this backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.crm import CRM
from crmkit.errors import (
    InvalidTransitionError,
    StaleVersionError,
    TaskNotFoundError,
    UserNotFoundError,
    ValidationError,
)
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["TasksContract"]


class TasksContract(ContractBase):
    """Tasks keep their delegation chain and are found by due time on every backend."""

    def test_task_with_its_history_reads_back_exactly(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Client Y", owner="arta")
        t = crm.tasks.create("Prepare offer", contact_id=c.id, due=T0 + timedelta(hours=3),
                             created_by="ana", at=T0, priority="high",
                             estimated_effort=timedelta(hours=1))  # fmt: skip
        assert t.assignee == "arta"  # the contact's owner
        t = crm.tasks.add_note(t.id, "draft ready", by="arta", at=T0 + timedelta(minutes=30))
        t = crm.tasks.delegate(t.id, to="ivan", by="arta", note="you know them",
                               at=T0 + timedelta(hours=1))  # fmt: skip
        assert crm.tasks.get(t.id) == t
        with pytest.raises(TaskNotFoundError):
            crm.tasks.get("missing")

    def test_due_views_query_the_backend(self, crm: CRM) -> None:
        late = crm.tasks.create("late", assignee="mira", due=T0 + timedelta(hours=1), at=T0)
        crm.tasks.create("later", assignee="mira", due=T0 + timedelta(days=2), at=T0)
        crm.tasks.create("undated", assignee="mira", at=T0)
        now = T0 + timedelta(hours=5)
        assert [t.id for t in crm.tasks.overdue(now=now)] == [late.id]
        assert [t.title for t in crm.tasks.due_today("mira", now=now)] == ["late"]
        assert {t.title for t in crm.tasks.for_assignee("mira")} == {"late", "later", "undated"}
        crm.tasks.complete(late.id, by="mira", at=now)
        assert crm.tasks.overdue(now=now) == []

    def test_closed_tasks_do_not_move_and_stale_updates_are_refused(self, crm: CRM) -> None:
        t = crm.tasks.create("x", assignee="mira", at=T0)
        crm.tasks.cancel(t.id, by="mira", at=T0 + timedelta(minutes=1))
        with pytest.raises(InvalidTransitionError):
            crm.tasks.delegate(t.id, to="ivan", by="mira", at=T0 + timedelta(minutes=2))
        with crm.storage.unit_of_work(self.workspace) as uow, pytest.raises(StaleVersionError):
            uow.tasks.update(t)

    def test_directory_refuses_unknown_and_inactive_users(self, crm: CRM) -> None:
        crm.users.add("mira", team="sales", timezone="Europe/Tirane")
        crm.users.add("ivan", team="sales")
        with pytest.raises(UserNotFoundError):
            crm.tasks.create("x", assignee="nobody", at=T0)
        crm.users.deactivate("ivan")
        t = crm.tasks.create("y", assignee="mira", at=T0)
        with pytest.raises(ValidationError):
            crm.tasks.delegate(t.id, to="ivan", by="mira", at=T0 + timedelta(minutes=1))
        assert crm.tasks.get(t.id).assignee == "mira"

    def test_completing_a_recurring_task_creates_the_next_one(self, crm: CRM) -> None:
        t = crm.tasks.create("weekly call", assignee="mira", at=T0, due=T0 + timedelta(hours=1),
                             recurrence="FREQ=WEEKLY", timezone="Europe/Warsaw")  # fmt: skip
        crm.tasks.complete(t.id, by="mira", at=T0 + timedelta(hours=2))
        open_ = crm.tasks.for_assignee("mira", status="open")
        assert [x.due for x in open_] == [T0 + timedelta(days=7, hours=1)]

    def test_merge_moves_tasks(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A")
        b = crm.contacts.create(name="B")
        t = crm.tasks.create("call", assignee="mira", contact_id=b.id, at=T0)
        result = crm.merge(a.id, b.id)
        assert result.moved["tasks"] == 1
        assert crm.tasks.get(t.id).contact_id == a.id
