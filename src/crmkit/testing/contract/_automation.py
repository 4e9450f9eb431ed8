"""Automation run on the CRM's own data, with keys, tasks and messages in this backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import UnknownPurposeError
from crmkit.funnel.pipeline import Stage
from crmkit.storage.protocols import Storage, UnitOfWork
from crmkit.tasks import (
    BirthdayGreeting,
    ContactRule,
    DealRotting,
    InMemoryOutbox,
    MakeTask,
    NoContactFor,
    OverdueEscalation,
    PurchaseAnniversary,
    QueuedMessage,
    RoundRobin,
    SendMessage,
)
from crmkit.testing.contract._base import ContractBase

Rule = ContactRule | DealRotting | OverdueEscalation

__all__ = ["AutomationContract"]

ON = date(2027, 2, 28)
NOW = datetime(2027, 2, 28, 6, 0, tzinfo=UTC)
RULES: list[Rule] = [
    BirthdayGreeting(),
    PurchaseAnniversary(then=MakeTask("Thank {name} for a year with us")),
    NoContactFor(30, then=MakeTask("Call {name}"), catch_up_days=0),
]


class _CrashError(Exception):
    pass


class _CrashingTasks:
    """A task repository that fails on the n-th add (a crash between two actions)."""

    def __init__(self, inner: Any, counter: list[int]) -> None:
        self._inner = inner
        self._counter = counter

    def add(self, task: Any) -> None:
        self._counter[0] -= 1
        if self._counter[0] == 0:
            raise _CrashError
        self._inner.add(task)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CrashingUnitOfWork:
    """A unit of work whose task repository crashes; everything else is the real one."""

    def __init__(self, inner: UnitOfWork, counter: list[int]) -> None:
        self._inner = inner
        self._counter = counter

    def __enter__(self) -> _CrashingUnitOfWork:
        self.tasks = _CrashingTasks(self._inner.__enter__().tasks, self._counter)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CrashingStorage:
    def __init__(self, inner: Storage, crash_on: int) -> None:
        self._inner = inner
        self._counter = [crash_on]

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> UnitOfWork:
        uow = self._inner.unit_of_work(workspace, read_only=read_only)
        return _CrashingUnitOfWork(uow, self._counter)  # duck-typed like the real one

    def close(self) -> None:
        self._inner.close()


class AutomationContract(ContractBase):
    """``crm.automation.run`` reads every input from storage and acts exactly once."""

    @pytest.fixture
    def people(self, crm: CRM) -> dict[str, str]:
        leo = crm.contacts.create(name="Leo", birthday=date(2000, 2, 29), owner="arta")
        crm.consent.record(leo.id, purpose="marketing_email", channel="email", granted=True)
        besa = crm.contacts.create(name="Besa", owner="arta")
        crm.transactions.add(
            besa.id,
            kind="refund",
            amount=Money("5.00", "EUR"),
            occurred_at=datetime(2025, 1, 3, tzinfo=UTC),
        )
        for when in (datetime(2026, 2, 28, 12, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)):
            crm.transactions.add(
                besa.id, kind="purchase", amount=Money("20.00", "EUR"), occurred_at=when
            )
        dren = crm.contacts.create(name="Dren", owner="mira")
        crm.interactions.log(
            dren.id, channel="phone", occurred_at=datetime(2027, 1, 20, tzinfo=UTC)
        )
        crm.interactions.log(
            dren.id, channel="email", occurred_at=datetime(2027, 1, 29, tzinfo=UTC)
        )
        quiet = crm.contacts.create(name="Quiet", owner="mira")  # nothing to do today
        crm.interactions.log(
            quiet.id, channel="email", occurred_at=datetime(2027, 2, 20, tzinfo=UTC)
        )
        return {"leo": leo.id, "besa": besa.id, "dren": dren.id, "quiet": quiet.id}

    def _expected(self, people: dict[str, str]) -> set[str]:
        return {
            f"birthday:{people['leo']}:2027-02-28",
            f"purchase_anniversary:{people['besa']}:2027-02-28",
            f"no_contact:{people['dren']}:2027-02-28",
        }

    def test_contact_rules_read_birthdays_first_purchases_and_last_contact(
        self, crm: CRM, people: dict[str, str]
    ) -> None:
        report = crm.automation.run(ON, rules=RULES, now=NOW)
        assert {a.key for a in report.committed} == self._expected(people)
        (msg,) = crm.outbox.pending()
        assert (msg.contact_id, msg.template, msg.data["age"]) == (people["leo"], "birthday", 27)
        tasks = {
            t.title: t for t in crm.tasks.for_assignee("arta") + crm.tasks.for_assignee("mira")
        }
        assert set(tasks) == {"Thank Besa for a year with us", "Call Dren"}
        assert tasks["Call Dren"].assignee == "mira"
        assert tasks["Thank Besa for a year with us"].contact_id == people["besa"]

    def test_same_day_twice_produces_nothing_twice(self, crm: CRM, people: dict[str, str]) -> None:
        crm.automation.run(ON, rules=RULES, now=NOW)
        again = crm.automation.run(ON, rules=RULES, now=NOW)
        assert (again.committed, again.skipped) == ((), 3)
        assert len(crm.outbox.pending()) == 1
        assert len(crm.tasks.for_assignee("arta") + crm.tasks.for_assignee("mira")) == 2

    def test_days_are_counted_in_the_run_time_zone(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Late call", owner="mira")
        # 23:30 UTC on 28 January is already 29 January in Tirana.
        crm.interactions.log(
            c.id, channel="phone", occurred_at=datetime(2027, 1, 28, 23, 30, tzinfo=UTC)
        )
        rule: list[Rule] = [NoContactFor(30, catch_up_days=0)]
        assert crm.automation.run(ON, rules=rule, now=NOW).committed == ()
        report = crm.automation.run(ON, rules=rule, timezone="Europe/Tirane")
        assert [a.key for a in report.committed] == [f"no_contact:{c.id}:2027-02-28"]

    def test_a_crash_between_actions_neither_duplicates_nor_loses_work(
        self, storage: Storage, crm: CRM
    ) -> None:
        ids = []
        for i in range(6):
            c = crm.contacts.create(name=f"P{i}", owner="arta")
            crm.interactions.log(
                c.id, channel="phone", occurred_at=datetime(2027, 1, 29, tzinfo=UTC)
            )
            ids.append(c.id)
        rule: list[Rule] = [NoContactFor(30, catch_up_days=0)]
        crashing = CRM(
            storage=_CrashingStorage(storage, crash_on=4),
            workspace=self.workspace,
            clock=lambda: NOW,
        )
        with pytest.raises(_CrashError):
            crashing.automation.run(ON, rules=rule, now=NOW, batch_size=2)
        # The first batch (two actions with their keys) is in; the crashed batch left nothing.
        assert len(crm.tasks.for_assignee("arta")) == 2
        report = crm.automation.run(ON, rules=rule, now=NOW, batch_size=2)
        assert (len(report.committed), report.skipped) == (4, 2)
        tasks = crm.tasks.for_assignee("arta")
        assert sorted(t.contact_id or "" for t in tasks) == sorted(ids)

    def test_an_app_outbox_receives_messages_at_least_once(
        self, crm: CRM, people: dict[str, str]
    ) -> None:
        box = InMemoryOutbox()
        crm.automation.run(ON, rules=[BirthdayGreeting()], now=NOW, outbox=box)
        crm.automation.run(ON, rules=[BirthdayGreeting()], now=NOW, outbox=box)
        assert [m.contact_id for m in box.pending()] == [people["leo"]]
        assert crm.outbox.pending() == []

    def test_outbox_is_drained_and_acknowledged(self, crm: CRM, people: dict[str, str]) -> None:
        crm.automation.run(ON, rules=[BirthdayGreeting()], now=NOW)
        batch = crm.outbox.pending(limit=10)
        crm.outbox.ack([m.id for m in batch] + ["unknown"])
        assert crm.outbox.pending() == []

    def test_queued_messages_follow_a_merge(self, crm: CRM, people: dict[str, str]) -> None:
        crm.automation.run(ON, rules=[BirthdayGreeting()], now=NOW)
        result = crm.merge(people["besa"], people["leo"])
        assert result.moved["outbox"] == 1
        assert [m.contact_id for m in crm.outbox.pending()] == [people["besa"]]
        assert result.merge_id is not None
        crm.unmerge(result.merge_id)
        assert [m.contact_id for m in crm.outbox.pending()] == [people["leo"]]

    def test_rotting_deals_and_overdue_tasks_are_read_from_storage(self, crm: CRM) -> None:
        crm.users.add("ana", team="sales", is_team_lead=True)
        crm.users.add("mira", team="sales")
        c = crm.contacts.create(name="Client Y")
        p = crm.pipelines.create("Sales", stages=[Stage("New", rotting_after=timedelta(days=7))])
        d = crm.deals.create(
            pipeline_id=p.id,
            title="Gold",
            value=Money("100", "EUR"),
            contact_id=c.id,
            owner="mira",
            created_at=datetime(2027, 2, 1, tzinfo=UTC),
        )
        late = crm.tasks.create(
            "Offer",
            assignee="mira",
            at=datetime(2027, 2, 20, tzinfo=UTC),
            due=datetime(2027, 2, 25, tzinfo=UTC),
        )
        crm.tasks.create(
            "Later",
            assignee="mira",
            at=datetime(2027, 2, 20, tzinfo=UTC),
            due=datetime(2027, 3, 25, tzinfo=UTC),
        )
        report = crm.automation.run(ON, rules=[DealRotting(), OverdueEscalation()], now=NOW)
        assert sorted(a.key for a in report.committed) == sorted(
            [f"deal_rotting:{d.id}:2027-02-01", f"overdue_escalation:{late.id}:2027-02-25"]
        )
        assert {(t.title, t.assignee) for t in report.tasks} == {
            ("Revive the deal 'Gold'", "mira"),
            ("Overdue: Offer (mira)", "ana"),
        }

    def test_unowned_work_is_routed_in_turn_and_turns_are_kept(self, crm: CRM) -> None:
        for who in ("ana", "ivan", "mira"):
            crm.users.add(who, team="desk")
        for i in range(4):
            c = crm.contacts.create(name=f"N{i}")
            crm.interactions.log(
                c.id, channel="phone", occurred_at=datetime(2027, 1, 29, tzinfo=UTC)
            )
        rule = NoContactFor(30, then=MakeTask("Call {name}", team="desk"), catch_up_days=0)
        report = crm.automation.run(ON, rules=[rule], now=NOW, policies=[RoundRobin()])
        assert sorted(t.assignee for t in report.tasks) == ["ana", "ana", "ivan", "mira"]
        assert all(t.team == "desk" for t in report.tasks)
        # A later process continues the rotation where this one stopped.
        later = CRM(storage=crm.storage, workspace=self.workspace, clock=lambda: NOW)
        nxt = later.tasks.create("Walk-in", team="desk", policies=[RoundRobin()])
        assert nxt.assignee == "ivan"

    def test_nobody_to_route_to_is_reported_unassigned(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Nobody's")
        crm.interactions.log(c.id, channel="phone", occurred_at=datetime(2027, 1, 29, tzinfo=UTC))
        report = crm.automation.run(ON, rules=[NoContactFor(30, catch_up_days=0)], now=NOW)
        assert (report.committed, report.unassigned) == ((), (f"no_contact:{c.id}:2027-02-28",))

    def test_message_put_by_the_app_is_pending(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Besa")
        msg = QueuedMessage("m-1", "manual:1", "manual", c.id, "welcome", ON)
        crm.outbox.put(msg)
        assert crm.outbox.pending() == [msg]

    def test_passing_the_crms_own_outbox_is_the_default(
        self, crm: CRM, people: dict[str, str]
    ) -> None:
        crm.automation.run(ON, rules=[BirthdayGreeting()], now=NOW, outbox=crm.outbox)
        assert [m.contact_id for m in crm.outbox.pending()] == [people["leo"]]

    # A greeting is queued only with consent for its purpose on its channel at ``now``.

    def _greet(
        self,
        crm: CRM,
        *consents: dict[str, Any],
        now: datetime = NOW,
        then: SendMessage | None = None,
    ) -> tuple[str, Any]:
        leo = crm.contacts.create(name="Leo", birthday=date(1990, 2, 28))
        for fields in consents:
            crm.consent.record(leo.id, **fields)
        rule = BirthdayGreeting() if then is None else BirthdayGreeting(then=then)
        return leo.id, crm.automation.run(ON, rules=[rule], now=now)

    def test_granted_consent_queues_the_greeting(self, crm: CRM) -> None:
        leo, report = self._greet(crm, {"purpose": "marketing_email", "granted": True})
        assert [(m.contact_id, m.channel) for m in crm.outbox.pending()] == [(leo, "email")]
        assert (len(report.committed), report.no_consent) == (1, ())

    def test_no_consent_skips_and_reports_the_greeting(self, crm: CRM) -> None:
        leo, report = self._greet(crm)
        assert (report.committed, report.no_consent) == ((), (f"birthday:{leo}:2027-02-28",))
        assert crm.outbox.pending() == []

    def test_withdrawn_consent_skips_the_greeting(self, crm: CRM) -> None:
        withdrawn = {
            "purpose": "marketing_email",
            "granted": False,
            "at": datetime(2026, 12, 1, tzinfo=UTC),
        }
        _, report = self._greet(crm, {"purpose": "marketing_email", "granted": True}, withdrawn)
        assert (report.committed, len(report.no_consent)) == ((), 1)
        assert crm.outbox.pending() == []

    def test_consent_for_another_purpose_or_channel_skips_the_greeting(self, crm: CRM) -> None:
        _, report = self._greet(
            crm,
            {"purpose": "marketing_sms", "granted": True},
            {"purpose": "marketing_email", "channel": "post", "granted": True},
        )
        assert (report.committed, len(report.no_consent)) == ((), 1)

    def test_a_rule_may_ask_for_another_purpose_and_channel(self, crm: CRM) -> None:
        leo, _ = self._greet(
            crm,
            {"purpose": "marketing_email", "granted": True},
            {"purpose": "marketing_sms", "channel": "sms", "granted": True},
            then=SendMessage("birthday", purpose="marketing_sms"),
        )
        assert [(m.contact_id, m.channel) for m in crm.outbox.pending()] == [(leo, "sms")]

    def test_a_withdrawal_after_now_still_wins(self, crm: CRM) -> None:
        later = {"purpose": "marketing_email", "granted": False, "at": NOW + timedelta(hours=1)}
        _, report = self._greet(crm, {"purpose": "marketing_email", "granted": True}, later)
        assert (report.committed, len(report.no_consent)) == ((), 1)

    def test_a_grant_later_the_same_day_greets_once_from_a_later_run(self, crm: CRM) -> None:
        grant = {"purpose": "marketing_email", "granted": True, "at": NOW + timedelta(hours=3)}
        leo, first = self._greet(crm, grant)
        assert len(first.no_consent) == 1
        rules: list[Rule] = [BirthdayGreeting()]
        later = crm.automation.run(ON, rules=rules, now=NOW + timedelta(hours=4))
        assert [a.key for a in later.committed] == [f"birthday:{leo}:2027-02-28"]
        again = crm.automation.run(ON, rules=rules, now=NOW + timedelta(hours=5))
        assert (again.committed, again.skipped, again.no_consent) == ((), 1, ())
        assert len(crm.outbox.pending()) == 1

    def test_an_erased_contact_is_not_greeted(self, crm: CRM) -> None:
        leo = crm.contacts.create(name="Leo", birthday=date(1990, 2, 28), emails=["leo@x.al"])
        crm.consent.record(leo.id, purpose="marketing_email", granted=True)
        crm.contacts.erase(leo.id, by="dpo")
        report = crm.automation.run(ON, rules=[BirthdayGreeting()], now=NOW)
        assert (report.committed, report.no_consent) == ((), ())
        assert crm.outbox.pending() == []

    def test_an_unknown_purpose_is_refused_before_any_work(self, crm: CRM) -> None:
        crm.contacts.create(name="Leo", birthday=date(1990, 2, 28))
        rule = BirthdayGreeting(then=SendMessage("birthday", "email", purpose="loyalty_club"))
        with pytest.raises(UnknownPurposeError):
            crm.automation.run(ON, rules=[rule], now=NOW)
        assert crm.outbox.pending() == []
