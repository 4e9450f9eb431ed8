from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import InvalidRecurrenceError, InvalidTransitionError, ValidationError
from crmkit.tasks import Recurrence, complete, create_task, next_occurrence

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _walk(task, steps: int) -> list[datetime]:  # type: ignore[no-untyped-def]
    dues = [task.due]
    for _ in range(steps):
        task = next_occurrence(complete(task, at=max(task.due, task.updated_at)))
        dues.append(task.due)
    return dues


def test_weekly_meeting_stays_at_nine_local_across_spring_forward() -> None:
    start = datetime(2026, 3, 23, 9, 0, tzinfo=BERLIN)
    t = create_task(
        "Team meeting",
        assignee="mira",
        at=start - timedelta(days=1),
        due=start,
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        timezone="Europe/Berlin",
    )
    dues = _walk(t, 2)
    assert [d.astimezone(BERLIN).hour for d in dues] == [9, 9, 9]
    assert [d.utcoffset() for d in (x.astimezone(BERLIN) for x in dues)] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    assert dues[1] - dues[0] == timedelta(days=7) - timedelta(hours=1)


def test_weekly_meeting_stays_at_nine_local_across_fall_back() -> None:
    start = datetime(2026, 10, 26, 9, 0, tzinfo=NEW_YORK) - timedelta(days=7)
    rule = "RRULE:FREQ=WEEKLY;BYDAY=MO"
    t = create_task(
        "Standup",
        assignee="mira",
        at=start,
        due=start,
        recurrence=rule,
        timezone="America/New_York",
    )
    dues = _walk(t, 2)
    local = [d.astimezone(NEW_YORK) for d in dues]
    assert [(d.hour, d.minute) for d in local] == [(9, 0)] * 3
    assert local[1].date().isoformat() == "2026-10-26"
    assert local[2].utcoffset() == timedelta(hours=-5)


def test_wall_time_inside_the_dst_gap_moves_forward() -> None:
    r = Recurrence.new(
        "FREQ=DAILY", timezone="Europe/Berlin", anchor=datetime(2026, 3, 28, 2, 30, tzinfo=BERLIN)
    )
    nxt = r.next_after(datetime(2026, 3, 28, 2, 30, tzinfo=BERLIN))
    assert nxt is not None
    assert nxt.astimezone(BERLIN).isoformat() == "2026-03-29T03:30:00+02:00"


def test_every_first_monday() -> None:
    r = Recurrence.new(
        "FREQ=MONTHLY;BYDAY=+1MO", timezone="UTC", anchor=datetime(2026, 1, 5, 10, tzinfo=UTC)
    )
    got = r.between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    assert all(d.weekday() == 0 and d.day <= 7 for d in got)
    assert len(got) == 6


def test_every_two_weeks_on_tuesday_and_thursday() -> None:
    start = datetime(2026, 3, 3, 14, 0, tzinfo=BERLIN)  # a Tuesday
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"
    t = create_task(
        "Review", assignee="mira", at=start, due=start, recurrence=rule, timezone="Europe/Berlin"
    )
    days = [d.astimezone(BERLIN).date().isoformat() for d in _walk(t, 4)]
    assert days == ["2026-03-03", "2026-03-05", "2026-03-17", "2026-03-19", "2026-03-31"]


def test_completing_late_skips_missed_occurrences() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    t = create_task("Daily check", assignee="mira", at=t0, due=t0, recurrence="FREQ=DAILY")
    nxt = next_occurrence(complete(t, at=t0 + timedelta(days=3, hours=1)))
    assert nxt is not None
    assert nxt.due == t0 + timedelta(days=4)


def test_series_ends_with_count() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    t = create_task("x", assignee="mira", at=t0, due=t0, recurrence="FREQ=DAILY;COUNT=2")
    second = next_occurrence(complete(t, at=t0))
    assert second is not None
    assert next_occurrence(complete(second, at=second.due)) is None


def test_next_occurrence_keeps_reminder_offsets_and_series() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    t = create_task(
        "x",
        assignee="mira",
        at=t0,
        due=t0,
        recurrence="FREQ=WEEKLY",
        reminders=[t0 - timedelta(hours=2)],
    )
    nxt = next_occurrence(complete(t, at=t0))
    assert nxt is not None
    assert nxt.due is not None
    assert nxt.reminders == (nxt.due - timedelta(hours=2),)
    assert nxt.series_id == t.id
    assert nxt.id != t.id
    assert nxt.version == 1


def test_non_recurring_task_has_no_next() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert next_occurrence(complete(create_task("x", assignee="m", at=t0, due=t0), at=t0)) is None


def test_open_task_yields_no_next_occurrence() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    t = create_task("x", assignee="m", at=t0, due=t0, recurrence="FREQ=DAILY")
    with pytest.raises(InvalidTransitionError):
        next_occurrence(t)


@pytest.mark.parametrize(
    "text", ["every monday", "FREQ=FORTNIGHTLY", "FREQ=WEEKLY;BYDAY=XX", "", "FREQ=DAILY;COUNT=x"]
)
def test_bad_rrule_text_is_rejected_naming_it(text: str) -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with pytest.raises(InvalidRecurrenceError) as err:
        create_task("x", assignee="m", at=t0, due=t0, recurrence=text)
    assert err.value.value == text


def test_recurring_task_needs_a_due_time() -> None:
    with pytest.raises(ValidationError) as err:
        create_task("x", assignee="m", at=datetime(2026, 3, 2, tzinfo=UTC), recurrence="FREQ=DAILY")
    assert err.value.field == "due"


def test_unknown_time_zone_is_rejected() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with pytest.raises(ValidationError) as err:
        create_task("x", assignee="m", at=t0, due=t0, recurrence="FREQ=DAILY", timezone="Mars/X")
    assert err.value.field == "timezone"


def test_until_in_utc_is_accepted() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    r = Recurrence.new("FREQ=DAILY;UNTIL=20260304T235959Z", timezone="UTC", anchor=t0)
    assert r.next_after(t0 + timedelta(days=2)) is None


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tehran", "UTC"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
)
def test_daily_rule_keeps_wall_clock_time_all_year(
    tzname: str, day: date, hour: int, minute: int
) -> None:
    tz = ZoneInfo(tzname)
    anchor = datetime.combine(day, time(hour, minute), tzinfo=tz)
    r = Recurrence.new("FREQ=DAILY", timezone=tzname, anchor=anchor)
    for occurrence in r.between(anchor, anchor + timedelta(days=400)):
        local = occurrence.astimezone(tz)
        wall = local.replace(tzinfo=None)
        # Same wall time, unless that time does not exist that day (DST gap): then later.
        if (local.hour, local.minute) != (hour, minute):
            wanted = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
            assert wanted.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wanted.replace(
                tzinfo=None
            )
            assert wall > wanted.replace(tzinfo=None)


def test_a_daily_rule_anchored_in_a_dst_gap_keeps_the_wall_time_it_was_given() -> None:
    # Found by the property above: 02:00 does not exist in Berlin on 2020-03-29; the rule
    # rings at 03:00 that day and at 02:00 on every day after, also after a JSON round trip.
    tz = ZoneInfo("Europe/Berlin")
    anchor = datetime(2020, 3, 29, 2, 0, tzinfo=tz)
    for r in (
        rule := Recurrence.new("FREQ=DAILY", timezone="Europe/Berlin", anchor=anchor),
        Recurrence.from_dict(rule.to_dict()),
    ):
        days = r.between(anchor, anchor + timedelta(days=3))
        assert [d.astimezone(tz).strftime("%d %H:%M") for d in days] == [
            "29 03:00",
            "30 02:00",
            "31 02:00",
        ]
