"""Tasks and users on this backend."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmkit.crm import CRM
from crmkit.errors import (
    InvalidDatetimeError,
    InvalidRecurrenceError,
    InvalidTransitionError,
    StaleVersionError,
    TaskNotFoundError,
    UserNotFoundError,
    ValidationError,
)
from crmkit.segments import field
from crmkit.tasks import (
    ActivityType,
    ContactOwnerFirst,
    FollowUps,
    LeastLoaded,
    Policy,
    RoundRobin,
    Territory,
)
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["TasksContract"]


class TasksContract(ContractBase):
    """Tasks keep their delegation chain and are found by due time on every backend."""

    def test_task_with_its_history_reads_back_exactly(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Client Y", owner="arta")
        t = crm.tasks.create(
            "Prepare offer",
            contact_id=c.id,
            due=T0 + timedelta(hours=3),
            created_by="ana",
            at=T0,
            priority="high",
            estimated_effort=timedelta(hours=1),
        )
        assert t.assignee == "arta"  # the contact's owner
        t = crm.tasks.add_note(t.id, "draft ready", by="arta", at=T0 + timedelta(minutes=30))
        t = crm.tasks.delegate(
            t.id, to="ivan", by="arta", note="you know them", at=T0 + timedelta(hours=1)
        )
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
        t = crm.tasks.create(
            "weekly call",
            assignee="mira",
            at=T0,
            due=T0 + timedelta(hours=1),
            recurrence="FREQ=WEEKLY",
            timezone="Europe/Warsaw",
        )
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

    def test_team_lead_delegates_a_members_task_and_a_stranger_cannot(self, crm: CRM) -> None:
        crm.users.add("ana", team="sales", is_team_lead=True)
        crm.users.add("mira", team="sales")
        crm.users.add("ivan", team="offers")
        t = crm.tasks.create("Prepare offer", assignee="mira", at=T0)
        with pytest.raises(InvalidTransitionError):
            crm.tasks.delegate(t.id, to="ivan", by="ivan", at=T0 + timedelta(minutes=1))
        assert crm.tasks.get(t.id) == t
        moved = crm.tasks.delegate(t.id, to="ivan", by="ana", at=T0 + timedelta(minutes=2))
        assert (moved.assignee, moved.team, moved.delegations[0].by) == ("ivan", "offers", "ana")

    def test_bad_input_names_the_value_and_writes_nothing(self, crm: CRM) -> None:
        with pytest.raises(InvalidDatetimeError, match="due"):
            crm.tasks.create("x", assignee="mira", at=T0, due=datetime(2026, 5, 2, 9, 0))
        with pytest.raises(InvalidRecurrenceError, match="every monday"):
            crm.tasks.create("x", assignee="mira", at=T0, due=T0, recurrence="every monday")
        assert crm.tasks.for_assignee("mira") == []
        t = crm.tasks.create("x", assignee="mira", at=T0)
        with pytest.raises(InvalidDatetimeError, match="earlier than the task's last change"):
            crm.tasks.complete(t.id, by="mira", at=T0 - timedelta(days=1))
        assert crm.tasks.get(t.id) == t
        with pytest.raises(TaskNotFoundError, match="'nope'"):
            crm.tasks.complete("nope", at=T0)

    def test_due_in_the_past_is_allowed_and_shows_overdue(self, crm: CRM) -> None:
        missed = crm.tasks.create("missed call", assignee="mira", at=T0, due=T0 - timedelta(days=2))
        assert [t.id for t in crm.tasks.overdue(now=T0)] == [missed.id]

    def test_snoozed_tasks_leave_the_lists_until_they_wake(self, crm: CRM) -> None:
        t = crm.tasks.create("late", assignee="mira", at=T0, due=T0 + timedelta(minutes=5))
        crm.tasks.snooze(t.id, T0 + timedelta(hours=2), at=T0 + timedelta(minutes=10))
        assert crm.tasks.overdue(now=T0 + timedelta(hours=1)) == []
        assert [x.id for x in crm.tasks.overdue(now=T0 + timedelta(hours=3))] == [t.id]
        moved = crm.tasks.reschedule(t.id, T0 + timedelta(days=1), at=T0 + timedelta(hours=3))
        assert crm.tasks.get(t.id).due == moved.due == T0 + timedelta(days=1)

    def test_team_views_workload_and_effectiveness(self, crm: CRM) -> None:
        hour = timedelta(hours=1)
        a = crm.tasks.create(
            "a", assignee="mira", team="sales", at=T0, due=T0 + hour, estimated_effort=hour
        )
        b = crm.tasks.create("b", assignee="mira", team="sales", at=T0, due=T0 + 2 * hour)
        crm.tasks.create("c", assignee="ivan", team="support", at=T0, estimated_effort=hour)
        assert [t.title for t in crm.tasks.for_team("sales")] == ["a", "b"]
        crm.tasks.complete(a.id, by="mira", at=T0 + hour / 2)
        crm.tasks.delegate(b.id, to="ivan", by="mira", at=T0 + hour)
        crm.tasks.complete(b.id, by="ivan", at=T0 + 4 * hour)
        load = crm.tasks.workload(now=T0)
        assert (load["ivan"].open_count, load["ivan"].estimated_effort) == (1, hour)
        assert "mira" not in load
        e = crm.tasks.effectiveness(since=T0, until=T0 + timedelta(days=1))
        assert (e["mira"].on_time_rate, e["mira"].reassignments_given) == (1.0, 1)
        assert (e["ivan"].on_time_rate, e["ivan"].median_lateness) == (0.0, 2 * hour)

    def test_unassigned_tasks_are_routed_fairly_across_restarts(self, crm: CRM) -> None:
        for who in ("ana", "ivan", "mira"):
            crm.users.add(who, team="desk")
        picks = []
        for i in range(4):
            again = CRM(storage=crm.storage, workspace=self.workspace, clock=lambda: T0)
            again.tasks.routing = (RoundRobin(),)  # a fresh process each time
            picks.append(again.tasks.create(f"call {i}", team="desk").assignee)
        assert picks == ["ana", "ivan", "mira", "ana"]
        balanced = crm.tasks.create("least", team="desk", policies=[LeastLoaded()])
        assert balanced.assignee in {"ivan", "mira"}

    def test_contact_owner_then_territory_by_segment(self, crm: CRM) -> None:
        crm.users.add("arta", team="sales")
        crm.users.add("dren", team="sales")
        crm.users.add("left", team="sales", active=False)
        policies: list[Policy] = [
            ContactOwnerFirst(),
            Territory([(field("city") == "Durrës", "dren")]),
        ]
        own = crm.contacts.create(name="Own", city="Durrës", owner="arta")
        gone = crm.contacts.create(name="Gone", city="Durrës", owner="left")
        assert crm.tasks.create("x", contact_id=own.id, policies=policies).assignee == "arta"
        assert crm.tasks.create("y", contact_id=gone.id, policies=policies).assignee == "dren"
        nowhere = crm.contacts.create(name="Far", city="Vlorë")
        with pytest.raises(ValidationError, match="assignee"):
            crm.tasks.create("z", contact_id=nowhere.id, policies=policies)
        assert [t.title for t in crm.tasks.for_assignee("dren")] == ["y"]

    def test_follow_ups_chain_from_interactions_and_completed_tasks(self, crm: CRM) -> None:
        rules = FollowUps.of(
            [
                ActivityType(
                    "quote_sent", timedelta(days=3), "Chase the quote", follow_up_kind="call"
                ),
                ActivityType("call", timedelta(days=1), "Write down what was agreed"),
            ]
        )
        c = crm.contacts.create(name="Besa")
        it = crm.interactions.log(
            c.id,
            channel="email",
            direction="outbound",
            outcome="quote_sent",
            handled_by="arta",
            occurred_at=T0,
        )
        chase = crm.tasks.follow_up(it, rules)
        assert chase is not None
        assert (crm.tasks.get(chase.id).due, chase.contact_id) == (T0 + timedelta(days=3), c.id)
        crm.tasks.complete(chase.id, by="arta", at=T0 + timedelta(days=3), follow_ups=rules)
        (step,) = crm.tasks.for_assignee("arta", status="open")
        assert (step.title, step.due) == ("Write down what was agreed", T0 + timedelta(days=4))

    def test_users_are_updated_and_validated(self, crm: CRM) -> None:
        crm.users.add("mira", team="sales")
        moved = crm.users.update("mira", team="offers", timezone="Europe/Sofia")
        assert crm.users.get("mira") == moved
        assert (moved.team, moved.timezone) == ("offers", "Europe/Sofia")
        with pytest.raises(ValidationError, match="Mars/Base"):
            crm.users.update("mira", timezone="Mars/Base")
        assert crm.users.get("mira") == moved
        with pytest.raises(UserNotFoundError):
            crm.users.update("zoe", team="x")

    def test_recurring_series_keeps_local_time_across_daylight_saving(self, crm: CRM) -> None:
        berlin = ZoneInfo("Europe/Berlin")
        first = datetime(2026, 3, 23, 9, 0, tzinfo=berlin)  # the Monday before the change
        t = crm.tasks.create(
            "Pipeline review",
            assignee="mira",
            at=first - timedelta(days=1),
            due=first,
            recurrence="FREQ=WEEKLY;BYDAY=MO",
            timezone="Europe/Berlin",
        )
        crm.tasks.complete(t.id, by="mira", at=first + timedelta(hours=1))
        (nxt,) = crm.tasks.for_assignee("mira", status="open")
        assert nxt.due is not None
        assert nxt.series_id == t.id
        assert nxt.due.astimezone(berlin).isoformat() == "2026-03-30T09:00:00+02:00"

    def test_reminders_of_open_tasks_in_a_window(self, crm: CRM) -> None:
        remind = T0 + timedelta(days=2)
        t = crm.tasks.create(
            "Offer", assignee="mira", at=T0, due=T0 + timedelta(days=3), reminders=[remind]
        )
        done = crm.tasks.create("Done", assignee="mira", at=T0, reminders=[remind])
        crm.tasks.complete(done.id, at=T0)
        assert crm.tasks.reminders_between(T0, T0 + timedelta(days=3)) == [(remind, t)]
        assert crm.tasks.reminders_between(T0, remind) == []
