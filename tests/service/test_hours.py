from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.service import BusinessCalendar, WorkingHours

WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = WorkingHours(time(9), time(17))


def warsaw(*holidays: date, hours: WorkingHours = OFFICE) -> BusinessCalendar:
    return BusinessCalendar(hours, "Europe/Warsaw", holidays=holidays)


def at(
    tz: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0
) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=tz)


# Due times


def test_first_response_skips_a_holiday() -> None:
    cal = warsaw(date(2026, 11, 11))
    due = cal.add(at(WARSAW, 2026, 11, 10, 16), timedelta(hours=4))
    assert due == at(WARSAW, 2026, 11, 12, 12)


def test_due_time_is_given_on_the_calendars_wall_clock() -> None:
    cal = warsaw()
    due = cal.add(datetime(2026, 11, 10, 8, tzinfo=UTC), timedelta(hours=1))
    assert due is not None
    assert due.tzinfo == WARSAW
    assert due.isoformat() == "2026-11-10T10:00:00+01:00"


def test_a_weekend_with_a_spring_forward_keeps_monday_at_nine_local() -> None:
    cal = BusinessCalendar(OFFICE, "America/New_York")
    due = cal.add(at(NEW_YORK, 2026, 3, 6, 16), timedelta(hours=4))
    assert due is not None
    assert due.isoformat() == "2026-03-09T12:00:00-04:00"


def test_a_target_used_up_at_closing_time_is_due_at_closing_time() -> None:
    due = warsaw().add(at(WARSAW, 2026, 11, 13, 9), timedelta(hours=8))  # a Friday
    assert due == at(WARSAW, 2026, 11, 13, 17)


def test_a_case_opened_at_night_starts_counting_at_opening_time() -> None:
    due = warsaw().add(at(WARSAW, 2026, 11, 13, 22), timedelta(minutes=30))
    assert due == at(WARSAW, 2026, 11, 16, 9, 30)


def test_zero_duration_is_due_at_once_even_outside_working_hours() -> None:
    saturday_night = at(WARSAW, 2026, 11, 14, 23)
    assert warsaw().add(saturday_night, timedelta(0)) == saturday_night


def test_microseconds_are_kept() -> None:
    start = at(WARSAW, 2026, 11, 10, 9, 0, 0, 250)
    due = warsaw().add(start, timedelta(hours=8, microseconds=-1))
    assert due == at(WARSAW, 2026, 11, 11, 9, 0, 0, 249)


def test_a_round_the_clock_calendar_counts_real_hours_through_a_fold() -> None:
    cal = BusinessCalendar(WorkingHours.always(), "Europe/Warsaw")
    midnight = at(WARSAW, 2026, 10, 25)
    next_midnight = at(WARSAW, 2026, 10, 26)
    assert cal.elapsed(midnight, next_midnight) == timedelta(hours=25)
    assert cal.add(midnight, timedelta(hours=25)) == next_midnight


# Pauses


def test_a_pause_in_working_hours_pushes_the_due_time_back() -> None:
    pause = (at(WARSAW, 2026, 11, 10, 10), at(WARSAW, 2026, 11, 10, 11, 30))
    due = warsaw().add(at(WARSAW, 2026, 11, 10, 9), timedelta(hours=4), [pause])
    assert due == at(WARSAW, 2026, 11, 10, 14, 30)


def test_a_pause_outside_working_hours_changes_nothing() -> None:
    night = (at(WARSAW, 2026, 11, 10, 18), at(WARSAW, 2026, 11, 11, 8))
    start = at(WARSAW, 2026, 11, 10, 16)
    assert warsaw().add(start, timedelta(hours=2), [night]) == warsaw().add(
        start, timedelta(hours=2)
    )


def test_overlapping_pauses_count_once() -> None:
    pauses = [
        (at(WARSAW, 2026, 11, 10, 10), at(WARSAW, 2026, 11, 10, 12)),
        (at(WARSAW, 2026, 11, 10, 11), at(WARSAW, 2026, 11, 10, 11, 30)),
        (at(WARSAW, 2026, 11, 10, 11, 45), at(WARSAW, 2026, 11, 10, 13)),
    ]
    day = (at(WARSAW, 2026, 11, 10, 9), at(WARSAW, 2026, 11, 10, 17))
    assert warsaw().elapsed(*day, pauses) == timedelta(hours=5)


def test_an_open_pause_before_the_due_time_leaves_no_due_time() -> None:
    waiting = (at(WARSAW, 2026, 11, 10, 10), None)
    assert warsaw().add(at(WARSAW, 2026, 11, 10, 9), timedelta(hours=4), [waiting]) is None


def test_an_open_pause_after_the_due_time_changes_nothing() -> None:
    waiting = (at(WARSAW, 2026, 11, 10, 15), None)
    due = warsaw().add(at(WARSAW, 2026, 11, 10, 9), timedelta(hours=4), [waiting])
    assert due == at(WARSAW, 2026, 11, 10, 13)


def test_an_open_pause_stops_elapsed_time() -> None:
    waiting = (at(WARSAW, 2026, 11, 10, 10), None)
    day = (at(WARSAW, 2026, 11, 10, 9), at(WARSAW, 2026, 11, 12, 17))
    assert warsaw().elapsed(*day, [waiting]) == timedelta(hours=1)


# Clock changes inside working hours


def test_night_hours_are_an_hour_shorter_when_clocks_spring_forward() -> None:
    cal = warsaw(hours=WorkingHours(time(0), time(4), days=range(7)))
    assert cal.elapsed(at(WARSAW, 2026, 3, 29), at(WARSAW, 2026, 3, 30)) == timedelta(hours=3)


def test_night_hours_are_an_hour_longer_when_clocks_fall_back() -> None:
    cal = warsaw(hours=WorkingHours(time(0), time(4), days=range(7)))
    assert cal.elapsed(at(WARSAW, 2026, 10, 25), at(WARSAW, 2026, 10, 26)) == timedelta(hours=5)


def test_a_start_the_clock_skips_is_reached_when_the_clock_jumps_past_it() -> None:
    cal = warsaw(hours=WorkingHours(time(2, 30), time(17), days=range(7)))
    due = cal.add(at(WARSAW, 2026, 3, 29, 0), timedelta(minutes=1))
    assert due == datetime(2026, 3, 29, 1, 1, tzinfo=UTC)  # 03:01 summer time


def test_a_window_inside_the_skipped_hour_is_empty() -> None:
    cal = warsaw(hours=WorkingHours(time(2, 15), time(2, 45), days=range(7)))
    day = (at(WARSAW, 2026, 3, 29), at(WARSAW, 2026, 3, 30))
    assert cal.elapsed(*day) == timedelta(0)


def test_an_end_the_clock_reads_twice_is_reached_the_first_time() -> None:
    cal = warsaw(hours=WorkingHours(time(0), time(2, 30), days=range(7)))
    day = (at(WARSAW, 2026, 10, 25), at(WARSAW, 2026, 10, 26))
    assert cal.elapsed(*day) == timedelta(hours=2, minutes=30)


def test_a_start_the_clock_reads_twice_opens_the_window_the_first_time() -> None:
    cal = warsaw(hours=WorkingHours(time(2, 30), time(9), days=range(7)))
    day = (at(WARSAW, 2026, 10, 25), at(WARSAW, 2026, 10, 26))
    assert cal.elapsed(*day) == timedelta(hours=7, minutes=30)


# Limits and speed


def test_a_due_time_more_than_ten_years_away_is_refused() -> None:
    every_day = [date(2026, 1, 1) + timedelta(days=d) for d in range(4000)]
    cal = warsaw(*every_day)
    with pytest.raises(ValidationError) as err:
        cal.add(at(WARSAW, 2026, 1, 1), timedelta(hours=1))
    assert err.value.field == "duration"


def test_a_due_time_a_year_away_is_found_day_by_day() -> None:
    cal = warsaw()
    began = clock.perf_counter()
    due = cal.add(at(WARSAW, 2026, 1, 5, 9), timedelta(hours=8 * 260))
    assert due == at(WARSAW, 2027, 1, 1, 17)
    assert clock.perf_counter() - began < 1.0  # a per-minute walk would take far longer


# Bad input


def test_naive_start_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        warsaw().add(datetime(2026, 11, 10, 9), timedelta(hours=1))
    assert err.value.field == "start"


def test_naive_pause_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        warsaw().elapsed(
            at(WARSAW, 2026, 11, 10, 9),
            at(WARSAW, 2026, 11, 10, 17),
            [(datetime(2026, 11, 10, 10), None)],
        )
    assert err.value.field == "pauses"


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        warsaw().add(at(WARSAW, 2026, 11, 10, 9), timedelta(seconds=-1))
    assert err.value.field == "duration"


def test_a_pause_ending_before_it_starts_is_refused() -> None:
    backwards = (at(WARSAW, 2026, 11, 10, 12), at(WARSAW, 2026, 11, 10, 11))
    with pytest.raises(InvalidDatetimeError) as err:
        warsaw().add(at(WARSAW, 2026, 11, 10, 9), timedelta(hours=1), [backwards])
    assert err.value.field == "pauses"


def test_elapsed_refuses_an_end_before_the_start() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        warsaw().elapsed(at(WARSAW, 2026, 11, 10, 12), at(WARSAW, 2026, 11, 10, 11))
    assert err.value.field == "end"


def test_unknown_time_zone_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as err:
        BusinessCalendar(OFFICE, "Europe/Atlantis")
    assert (err.value.field, err.value.value) == ("timezone", "Europe/Atlantis")


def test_holidays_are_dates_not_datetimes() -> None:
    with pytest.raises(ValidationError) as err:
        BusinessCalendar(OFFICE, "UTC", holidays=[datetime(2026, 12, 25, tzinfo=UTC)])
    assert err.value.field == "holidays"


def test_holidays_may_be_iso_dates() -> None:
    cal = BusinessCalendar(OFFICE, "UTC", holidays=["2026-12-25"])
    assert cal.holidays == frozenset({date(2026, 12, 25)})


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(17), time(9)), (time(9), time(9)), (time(22), time(6))],
)
def test_working_hours_across_midnight_or_empty_are_refused(start: time, end: time) -> None:
    with pytest.raises(ValidationError) as err:
        WorkingHours(start, end)
    assert err.value.field == "end"


@pytest.mark.parametrize("days", [set(), {7}, {-1}])
def test_working_days_must_be_weekdays_and_not_empty(days: set[int]) -> None:
    with pytest.raises(ValidationError) as err:
        WorkingHours(time(9), time(17), days)
    assert err.value.field == "days"
