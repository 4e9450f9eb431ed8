"""Messages from automation rules need consent; tasks do not."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

import pytest

from crmkit.errors import UnknownPurposeError, ValidationError
from crmkit.privacy.consent import ConsentRecord
from crmkit.tasks import (
    AutomationContext,
    BirthdayGreeting,
    ContactDates,
    InMemoryKeyStore,
    MakeTask,
    SendMessage,
    run_automation,
)

DAY = AutomationContext.for_day(date(2026, 5, 1))
BORN = [ContactDates(f"c{i}", birthday=date(1990, 5, 1), owner="arta") for i in range(5)]


def _consent(
    contact_id: str,
    purpose: str = "marketing_email",
    *,
    granted: bool = True,
    channel: str | None = None,
    at: datetime | None = None,
) -> ConsentRecord:
    when = at or datetime(2026, 1, 1, tzinfo=UTC)
    return ConsentRecord.new(
        contact_id=contact_id, purpose=purpose, granted=granted, channel=channel, at=when
    )


def test_send_message_takes_the_channel_of_its_purpose() -> None:
    assert SendMessage("birthday").channel == "email"
    assert SendMessage("birthday", purpose="marketing_post").channel == "post"
    assert SendMessage("birthday", " WhatsApp ", purpose="marketing_messaging").channel == (
        "whatsapp"
    )


def test_a_purpose_without_a_channel_of_its_own_needs_one() -> None:
    with pytest.raises(ValidationError) as err:
        SendMessage("birthday", purpose="loyalty_club")
    assert err.value.field == "channel"


def test_a_purpose_must_be_a_name() -> None:
    with pytest.raises(ValidationError) as err:
        SendMessage("birthday", "email", purpose="")
    assert err.value.field == "purpose"


def test_only_consenting_contacts_are_greeted_and_the_rest_are_counted() -> None:
    consents = [
        _consent("c0"),
        _consent("c1", channel="email"),
        _consent("c2", "marketing_sms"),
        _consent("c3", channel="post"),
        _consent("c4"),
        _consent("c4", granted=False, at=datetime(2026, 4, 1, tzinfo=UTC)),
    ]
    store = InMemoryKeyStore()
    report = run_automation(
        DAY, store, contact_rules=[BirthdayGreeting()], contacts=BORN, consents=consents
    )
    assert [m.contact_id for m in store.outbox.pending()] == ["c0", "c1"]
    assert report.no_consent == tuple(f"birthday:c{i}:2026-05-01" for i in (2, 3, 4))


def test_tasks_need_no_consent() -> None:
    rule = BirthdayGreeting(then=MakeTask("Card for {name}"), name="card")
    report = run_automation(DAY, InMemoryKeyStore(), contact_rules=[rule], contacts=BORN)
    assert (len(report.tasks), report.no_consent) == (5, ())


def test_consent_is_looked_up_once_per_batch_for_new_messages_only() -> None:
    asked: list[set[str]] = []

    def lookup(contact_ids: Collection[str]) -> list[ConsentRecord]:
        asked.append(set(contact_ids))
        return [_consent(c) for c in contact_ids]

    store = InMemoryKeyStore()
    rules = [BirthdayGreeting()]
    run_automation(
        DAY, store, contact_rules=rules, contacts=BORN[:3], consents=lookup, batch_size=2
    )
    assert asked == [{"c0", "c1"}, {"c2"}]
    run_automation(DAY, store, contact_rules=rules, contacts=BORN, consents=lookup)
    assert asked[2:] == [{"c3", "c4"}]


def test_a_withdrawal_recorded_after_now_wins() -> None:
    later = DAY.now + timedelta(hours=8)
    consents = [_consent("c0"), _consent("c0", granted=False, at=later)]
    report = run_automation(
        DAY,
        InMemoryKeyStore(),
        contact_rules=[BirthdayGreeting()],
        contacts=BORN[:1],
        consents=consents,
    )
    assert (report.committed, len(report.no_consent)) == ((), 1)


def test_an_unknown_purpose_is_refused_before_any_work() -> None:
    rule = BirthdayGreeting(then=SendMessage("birthday", "email", purpose="loyalty_club"))
    store = InMemoryKeyStore()
    with pytest.raises(UnknownPurposeError):
        run_automation(DAY, store, contact_rules=[rule], contacts=BORN)
    known = {"loyalty_club"}
    club = ConsentRecord.new(
        contact_id="c0",
        purpose="loyalty_club",
        granted=True,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        purposes=known,
    )
    report = run_automation(
        DAY, store, contact_rules=[rule], contacts=BORN[:1], consents=[club], purposes=known
    )
    assert len(report.committed) == 1
