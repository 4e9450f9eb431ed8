from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.errors import ValidationError
from crmkit.funnel import Pipeline, Stage, open_deal, rotting_deals
from crmkit.privacy.consent import ConsentRecord
from crmkit.tasks import (
    AutomationContext,
    BirthdayGreeting,
    ContactDates,
    ContactRule,
    CreateTask,
    DealRotting,
    InMemoryKeyStore,
    MakeTask,
    NoContactFor,
    OverdueEscalation,
    Priority,
    PurchaseAnniversary,
    QueueMessage,
    User,
    UserDirectory,
    complete,
    create_task,
    run_automation,
)

LEAPLING = ContactDates("leap", birthday=date(2000, 2, 29), owner="arta", name="Leo")


def _emails_welcome(*contact_ids: str) -> list[ConsentRecord]:
    since = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        ConsentRecord.new(contact_id=c, purpose="marketing_email", granted=True, at=since)
        for c in contact_ids
    ]


def _birthdays(on: date, *, leap_day: str = "feb28") -> list[str]:
    report = run_automation(
        AutomationContext.for_day(on),
        InMemoryKeyStore(),
        contact_rules=[BirthdayGreeting(leap_day=leap_day)],
        contacts=[LEAPLING],
        consents=_emails_welcome("leap"),
    )
    return [a.key for a in report.committed]


def test_feb29_birthday_is_celebrated_on_feb28_in_common_years() -> None:
    assert _birthdays(date(2027, 2, 28)) == ["birthday:leap:2027-02-28"]
    assert _birthdays(date(2027, 3, 1)) == []


def test_feb29_birthday_is_celebrated_on_the_day_in_leap_years() -> None:
    assert _birthdays(date(2028, 2, 29)) == ["birthday:leap:2028-02-29"]
    assert _birthdays(date(2028, 2, 28)) == []


def test_feb29_birthday_can_move_to_march_first() -> None:
    assert _birthdays(date(2027, 3, 1), leap_day="mar1") == ["birthday:leap:2027-03-01"]
    assert _birthdays(date(2027, 2, 28), leap_day="mar1") == []


def test_birthday_message_goes_to_the_outbox_with_the_age() -> None:
    store = InMemoryKeyStore()
    ctx = AutomationContext.for_day(date(2026, 5, 1))
    people = [ContactDates("c1", birthday=date(1990, 5, 1)), ContactDates("c2")]
    yes = _emails_welcome("c1", "c2")
    run_automation(ctx, store, contact_rules=[BirthdayGreeting()], contacts=people, consents=yes)
    (msg,) = store.outbox.pending()
    assert (msg.contact_id, msg.template, msg.send_on, msg.data["age"]) == (
        "c1",
        "birthday",
        date(2026, 5, 1),
        36,
    )


def test_birthday_can_create_a_task_for_the_contact_owner_in_their_zone() -> None:
    directory = UserDirectory.of([User.new("arta", timezone="Europe/Tirane")])
    ctx = AutomationContext.for_day(date(2028, 2, 29), directory=directory)
    rule = BirthdayGreeting(then=MakeTask("Send {name} a card"), name="birthday_card")
    (task,) = run_automation(
        ctx, InMemoryKeyStore(), contact_rules=[rule], contacts=[LEAPLING]
    ).tasks
    assert (task.title, task.assignee, task.contact_id) == ("Send Leo a card", "arta", "leap")
    assert task.due is not None
    assert task.due.isoformat() == "2028-02-29T09:00:00+00:00"  # 10:00 in Tirana


def test_purchase_anniversary_after_n_years_including_feb29() -> None:
    rule = PurchaseAnniversary(years={1, 5})
    people = [
        ContactDates("a", first_purchase=date(2025, 6, 1)),
        ContactDates("b", first_purchase=date(2021, 6, 1)),
        ContactDates("c", first_purchase=date(2024, 6, 1)),
        ContactDates("d", first_purchase=date(2024, 2, 29)),
    ]
    yes = _emails_welcome("a", "b", "c", "d")

    def keys(on: date) -> list[str]:
        ctx = AutomationContext.for_day(on)
        report = run_automation(
            ctx, InMemoryKeyStore(), contact_rules=[rule], contacts=people, consents=yes
        )
        return sorted(a.key for a in report.committed)

    assert [k.split(":")[1] for k in keys(date(2026, 6, 1))] == ["a", "b"]
    assert keys(date(2025, 2, 28)) == ["purchase_anniversary:d:2025-02-28"]


def test_no_contact_fires_once_per_silence_and_catches_up_missed_days() -> None:
    rule = NoContactFor(30, then=MakeTask("Call {name}", fallback="desk"), catch_up_days=3)
    person = [ContactDates("c1", last_contact=date(2026, 3, 1), name="Besa")]
    store = InMemoryKeyStore()
    keys = []
    for day in range(29, 36):
        ctx = AutomationContext.for_day(date(2026, 3, 1) + timedelta(days=day))
        keys += [
            a.key
            for a in run_automation(ctx, store, contact_rules=[rule], contacts=person).committed
        ]
    assert keys == ["no_contact:c1:2026-03-31"]
    # A run that only starts two days late still sends the nudge.
    late = AutomationContext.for_day(date(2026, 4, 2))
    report = run_automation(late, InMemoryKeyStore(), contact_rules=[rule], contacts=person)
    assert [a.key for a in report.committed] == ["no_contact:c1:2026-03-31"]


def test_task_rule_without_anyone_to_assign_is_reported_not_created() -> None:
    rule = NoContactFor(1)
    ctx = AutomationContext.for_day(date(2026, 3, 2))
    people = [ContactDates("c1", last_contact=date(2026, 3, 1))]
    report = run_automation(ctx, InMemoryKeyStore(), contact_rules=[rule], contacts=people)
    assert report.committed == ()
    assert report.unassigned == ("no_contact:c1:2026-03-02",)


def test_rotting_deal_gets_a_task_for_its_owner_once_per_stage() -> None:
    p = Pipeline.new("Sales", [Stage("New", rotting_after=timedelta(days=7))])
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    deal, _ = open_deal(
        p, title="Gold", value=Money("100", "EUR"), contact_id="c1", owner="arta", at=t0
    )
    store = InMemoryKeyStore()
    for day in (8, 9):
        now = t0 + timedelta(days=day)
        ctx = AutomationContext.for_day(now.date(), now=now)
        run_automation(ctx, store, deal_rule=DealRotting(), deals=rotting_deals(p, [deal], now))
    (task,) = store.tasks
    assert (task.assignee, task.deal_id, task.title) == ("arta", deal.id, "Revive the deal 'Gold'")


def test_overdue_task_is_escalated_to_the_team_lead_once() -> None:
    directory = UserDirectory.of(
        [User.new("ana", team="sales", is_team_lead=True), User.new("mira", team="sales")]
    )
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    late = create_task(
        "Offer",
        assignee="mira",
        at=t0,
        due=t0 + timedelta(hours=1),
        directory=directory,
        contact_id="c1",
    )
    fine = create_task("Later", assignee="mira", at=t0, due=t0 + timedelta(days=3))
    done = complete(create_task("Done", assignee="mira", at=t0, due=t0), at=t0)
    rule = OverdueEscalation(after=timedelta(hours=2))
    store = InMemoryKeyStore()
    for hours in (2, 4, 30):
        now = t0 + timedelta(hours=hours)
        ctx = AutomationContext.for_day(now.date(), now=now, directory=directory)
        run_automation(ctx, store, overdue_rule=rule, tasks=[late, fine, done])
    (esc,) = store.tasks
    assert (esc.assignee, esc.priority, esc.contact_id) == ("ana", Priority.HIGH, "c1")
    assert esc.title == "Overdue: Offer (mira)"


def test_same_day_twice_produces_nothing_twice() -> None:
    store = InMemoryKeyStore()
    ctx = AutomationContext.for_day(date(2026, 5, 1))
    people = [ContactDates(f"c{i}", birthday=date(1990, 5, 1), owner="arta") for i in range(5)]
    rules = [BirthdayGreeting(), BirthdayGreeting(then=MakeTask("Card"), name="card")]
    yes = _emails_welcome(*(c.contact_id for c in people))
    first = run_automation(ctx, store, contact_rules=rules, contacts=people, consents=yes)
    second = run_automation(ctx, store, contact_rules=rules, contacts=people, consents=yes)
    assert len(first.committed) == 10
    assert first.by_rule() == {"birthday": 5, "card": 5}
    assert (second.committed, second.skipped) == ((), 10)
    assert len(store.outbox.pending()) == 5
    assert len(store.tasks) == 5


def test_rule_names_must_differ() -> None:
    with pytest.raises(ValidationError):
        run_automation(
            AutomationContext.for_day(date(2026, 5, 1)),
            InMemoryKeyStore(),
            contact_rules=[BirthdayGreeting(), BirthdayGreeting()],
        )


def test_contact_dates_from_a_contact() -> None:
    c = Contact.new(name="Besa", birthday="1990-05-01", owner="arta")
    cd = ContactDates.from_contact(c, last_contact="2026-01-02")
    assert (cd.birthday, cd.last_contact, cd.owner) == (date(1990, 5, 1), date(2026, 1, 2), "arta")


class _CrashError(Exception):
    pass


class CrashingStore(InMemoryKeyStore):
    """Dies before applying its *after*-th commit, like a process killed between actions."""

    def __init__(self, inner: InMemoryKeyStore, after: int) -> None:
        self.inner, self.after, self.calls = inner, after, 0

    def seen(self, keys: Collection[str]) -> set[str]:
        return self.inner.seen(keys)

    def commit(self, action: CreateTask | QueueMessage) -> bool:
        self.calls += 1
        if self.calls == self.after:
            raise _CrashError
        return self.inner.commit(action)


def _population(n: int) -> list[ContactDates]:
    return [
        ContactDates(
            f"c{i}",
            birthday=date(1980 + i % 7, 5, 1) if i % 2 else None,
            first_purchase=date(2025, 5, 1) if i % 3 == 0 else None,
            last_contact=date(2026, 4, 1) if i % 5 == 0 else None,
            owner="arta",
        )
        for i in range(n)
    ]


RULES: list[ContactRule] = [
    BirthdayGreeting(),
    PurchaseAnniversary(then=MakeTask("Thank {contact_id}")),
    NoContactFor(30),
]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40))
def test_crash_between_actions_neither_duplicates_nor_loses_work(n: int, crash_at: int) -> None:
    people = _population(n)
    yes = _emails_welcome(*(c.contact_id for c in people))
    ctx = AutomationContext.for_day(date(2026, 5, 1))
    clean = InMemoryKeyStore()
    first = run_automation(ctx, clean, contact_rules=RULES, contacts=people, consents=yes)
    expected = {a.key for a in first.committed}
    store = InMemoryKeyStore()
    with contextlib.suppress(_CrashError):
        run_automation(
            ctx,
            CrashingStore(store, crash_at + 1),
            contact_rules=RULES,
            contacts=people,
            consents=yes,
        )
    run_automation(ctx, store, contact_rules=RULES, contacts=people, consents=yes)
    assert store.keys == expected
    messages = [m.key for m in store.outbox.pending()]
    tasks = [(t.title, t.contact_id) for t in store.tasks]
    assert len(messages) == len(set(messages))
    assert len(tasks) == len(set(tasks))
    assert len(messages) + len(tasks) == len(expected)


def test_task_rules_pass_over_unknown_and_inactive_owners_when_a_directory_is_kept() -> None:
    directory = UserDirectory.of([User.new("arta", active=False), User.new("desk")])
    ctx = AutomationContext.for_day(date(2028, 2, 29), directory=directory)
    people = [LEAPLING, ContactDates("ghost", birthday=date(1992, 2, 29), owner="nobody")]
    with_fallback = BirthdayGreeting(then=MakeTask("Card for {name}", fallback="desk"))
    report = run_automation(ctx, InMemoryKeyStore(), contact_rules=[with_fallback], contacts=people)
    assert [t.assignee for t in report.tasks] == ["desk", "desk"]
    bare = BirthdayGreeting(then=MakeTask("Card for {name}"))
    report = run_automation(ctx, InMemoryKeyStore(), contact_rules=[bare], contacts=people)
    assert (report.committed, len(report.unassigned)) == ((), 2)


def test_routing_decides_unowned_work_only_for_new_keys() -> None:
    asked: list[tuple[str | None, str | None]] = []

    def assign(team: str | None, contact_id: str | None) -> str | None:
        asked.append((team, contact_id))
        return "ivan"

    ctx = AutomationContext.for_day(date(2026, 3, 2), assign=assign)
    rule = NoContactFor(1, then=MakeTask("Call {name}", team="desk"))
    people = [ContactDates("c1", last_contact=date(2026, 3, 1))]
    store = InMemoryKeyStore()
    (task,) = run_automation(ctx, store, contact_rules=[rule], contacts=people).tasks
    assert (task.assignee, task.team, asked) == ("ivan", "desk", [("desk", "c1")])
    run_automation(ctx, store, contact_rules=[rule], contacts=people)
    assert len(asked) == 1  # the rerun spent no turn
