"""BusinessCalendar against a minute-by-minute walk in UTC, around DST changes.

The walk knows nothing of windows or transitions: at each UTC minute it reads the local wall
clock and counts the minute when the furthest reading so far (the clock's high-water mark)
falls inside working hours on a working day, and no pause covers the minute. Where no
boundary sits in a skipped or repeated hour, the high-water mark is just the wall clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.errors import ValidationError
from crmkit.service import BusinessCalendar, WorkingHours

MINUTE = timedelta(minutes=1)
STEPS = 20_000  # the most minutes one walk looks at (about two weeks)

# Zone -> instants (UTC) at which its clocks changed; Asia/Tehran's DST ended in 2022 and
# Asia/Manila's in 1990, so those are historic (and Manila's 2026 day has no change).
TRANSITIONS = {
    "Europe/Warsaw": ["2026-03-29T01:00", "2026-10-25T01:00"],
    "Europe/Sofia": ["2026-03-29T01:00", "2026-10-25T01:00"],
    "Europe/Tirane": ["2026-03-29T01:00", "2026-10-25T01:00"],
    "America/New_York": ["2026-03-08T07:00", "2026-11-01T06:00"],
    # 00:00 -> 01:00 and 24:00 -> 23:00: the autumn fold crosses midnight.
    "Asia/Tehran": ["2021-03-21T20:30", "2021-09-21T19:30"],
    "Asia/Manila": ["1990-05-20T16:00", "1990-07-28T15:00", "2026-06-01T00:00"],
}
PAIRS = [(name, datetime.fromisoformat(at)) for name, ats in TRANSITIONS.items() for at in ats]


def test_the_transitions_listed_are_real() -> None:
    for name, at in PAIRS:
        if name == "Asia/Manila" and at.year == 2026:
            continue  # a plain day, for contrast
        tz = ZoneInfo(name)
        before = (at.replace(tzinfo=UTC) - MINUTE).astimezone(tz).utcoffset()
        assert before != at.replace(tzinfo=UTC).astimezone(tz).utcoffset(), (name, at)


def _counts(cal: BusinessCalendar, wall: datetime) -> bool:
    hours = cal.hours
    if wall.weekday() not in hours.days or wall.date() in cal.holidays:
        return False
    now = wall.time()
    return hours.start <= now and (hours.end is None or now < hours.end)


def _walk(
    cal: BusinessCalendar, start: datetime, pauses: Sequence[tuple[datetime, datetime | None]]
) -> list[tuple[datetime, bool]]:
    """(minute, counts) for STEPS UTC minutes from *start*."""
    tz = cal.tz
    mark = max((start - k * MINUTE).astimezone(tz).replace(tzinfo=None) for k in range(181))
    out = []
    at = start
    for _ in range(STEPS):
        mark = max(mark, at.astimezone(tz).replace(tzinfo=None))
        paused = any(b <= at and (e is None or at < e) for b, e in pauses)
        out.append((at, not paused and _counts(cal, mark)))
        at += MINUTE
    return out


def brute_add(
    cal: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> datetime | str | None:
    """The due time, None when an open pause stops the clock first, "beyond" past the walk."""
    need = duration // MINUTE
    if need == 0:
        return start
    opened = [b for b, e in pauses if e is None]
    for at, counts in _walk(cal, start, pauses):
        if opened and at >= min(opened):
            return None
        need -= counts
        if need == 0:
            return at + MINUTE
    return "beyond"


def brute_elapsed(
    cal: BusinessCalendar,
    start: datetime,
    end: datetime,
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> timedelta:
    return sum(counts for at, counts in _walk(cal, start, pauses) if at < end) * MINUTE


def _minute_of_day(m: int) -> time:
    return time(m // 60, m % 60)


@st.composite
def working_hours(draw: st.DrawFn, near: int, weekday: int) -> WorkingHours:
    """Random hours; edges often within an hour and a half of wall minute *near* (where the
    clock changes), and the day of the change often a working day."""
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    if draw(st.booleans()):
        days |= {weekday}
    if draw(st.integers(0, 9)) == 0:
        return WorkingHours.always() if len(days) == 7 else WorkingHours(time(0), None, days)
    close = st.integers(-6, 6).map(lambda k: min(max(near + 15 * k, 0), 1439))
    minute = st.one_of(close, st.integers(0, 1439))
    a, b = draw(minute), draw(minute)
    if a == b:
        return WorkingHours(_minute_of_day(a), None, days)
    lo, hi = sorted((a, b))
    return WorkingHours(_minute_of_day(lo), _minute_of_day(hi), days)


@st.composite
def setups(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    """A calendar and a start (UTC, whole minutes) up to four days before a transition."""
    name, at = draw(st.sampled_from(PAIRS))
    tz = ZoneInfo(name)
    change = (at.replace(tzinfo=UTC) - MINUTE).astimezone(tz) + MINUTE  # the wall clock's
    start = at.replace(tzinfo=UTC) + draw(st.integers(-4 * 1440, 1440)) * MINUTE
    local_day = start.astimezone(tz).date()
    holidays = draw(st.frozensets(st.integers(-1, 12), max_size=4))
    hours = draw(working_hours(change.hour * 60 + change.minute, change.weekday()))
    cal = BusinessCalendar(hours, name, holidays=[local_day + timedelta(days=d) for d in holidays])
    return cal, start


@st.composite
def pause_sets(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime | None]]:
    pauses: list[tuple[datetime, datetime | None]] = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + draw(st.integers(-1440, 8 * 1440)) * MINUTE
        if draw(st.integers(0, 7)) == 0:
            pauses.append((begin, None))
        else:
            pauses.append((begin, begin + draw(st.integers(0, 2 * 1440)) * MINUTE))
    return pauses


def _in_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _due(
    cal: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
) -> datetime | None:
    """``cal.add``, with None also for a due time past the ten-year limit: a calendar of one
    minute a week (which hypothesis finds) cannot spend a few days within ten years."""
    try:
        return cal.add(start, duration, pauses)
    except ValidationError as err:
        if err.field != "duration" or "ten years" not in str(err):
            raise
        return None


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(data=st.data())
def test_add_agrees_with_the_minute_walk(data: st.DataObject) -> None:
    cal, start = data.draw(setups())
    pauses = data.draw(pause_sets(start))
    duration = data.draw(st.integers(0, 3 * 1440)) * MINUTE
    expected = brute_add(cal, start, duration, pauses)
    got = _due(cal, start, duration, pauses)
    if expected == "beyond":
        assert got is None or got > start + STEPS * MINUTE
    else:
        assert _in_utc(got) == expected


@FAST
@given(data=st.data())
def test_elapsed_agrees_with_the_minute_walk(data: st.DataObject) -> None:
    cal, start = data.draw(setups())
    pauses = data.draw(pause_sets(start))
    end = start + data.draw(st.integers(0, STEPS)) * MINUTE
    assert cal.elapsed(start, end, pauses) == brute_elapsed(cal, start, end, pauses)


@st.composite
def exact_setups(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    """As :func:`setups`, with starts to the microsecond."""
    cal, start = draw(setups())
    return cal, start + timedelta(microseconds=draw(st.integers(0, 60 * 10**6 - 1)))


MANY = settings(max_examples=150, deadline=None)


@MANY
@given(data=st.data())
def test_elapsed_until_the_due_time_is_the_duration(data: st.DataObject) -> None:
    cal, start = data.draw(exact_setups())
    pauses = data.draw(pause_sets(start))
    duration = timedelta(microseconds=data.draw(st.integers(0, 10**6 * 86_400 * 5)))
    due = _in_utc(_due(cal, start, duration, pauses))  # arithmetic on a local time is wall time
    if due is not None:
        assert cal.elapsed(start, due, pauses) == duration
        if duration:
            assert cal.elapsed(start, due - timedelta(microseconds=1), pauses) < duration


@MANY
@given(data=st.data())
def test_elapsed_is_additive(data: st.DataObject) -> None:
    cal, start = data.draw(exact_setups())
    pauses = data.draw(pause_sets(start))
    a, b, c = sorted(
        start + timedelta(microseconds=data.draw(st.integers(0, 10**6 * 86_400 * 10)))
        for _ in range(3)
    )
    assert cal.elapsed(a, b, pauses) + cal.elapsed(b, c, pauses) == cal.elapsed(a, c, pauses)


@MANY
@given(data=st.data())
def test_due_times_and_elapsed_time_grow_monotonically(data: st.DataObject) -> None:
    cal, start = data.draw(exact_setups())
    pauses = data.draw(pause_sets(start))
    small, large = sorted(
        timedelta(microseconds=data.draw(st.integers(0, 10**6 * 86_400 * 3))) for _ in range(2)
    )
    early, late = _due(cal, start, small, pauses), _due(cal, start, large, pauses)
    if late is not None:
        assert early is not None
        assert early <= late
        assert cal.elapsed(start, early, pauses) <= cal.elapsed(start, late, pauses)


@MANY
@given(data=st.data())
def test_the_due_time_does_not_depend_on_the_zone_the_start_is_written_in(
    data: st.DataObject,
) -> None:
    cal, start = data.draw(exact_setups())
    duration = timedelta(minutes=data.draw(st.integers(0, 3 * 1440)))
    written = [start, start.astimezone(cal.tz), start.astimezone(ZoneInfo("Asia/Manila"))]
    assert len({_in_utc(_due(cal, s, duration)) for s in written}) == 1


def test_a_window_closed_in_a_fold_across_midnight_stays_closed() -> None:
    # Tehran, 2021-09-21: at 24:00 (+04:30) the clock went back to 23:00 (+03:30). Hours of
    # 23:00 to 23:30 close the first time the clock reads 23:30 and do not reopen when it
    # reads 23:00 again; hours to midnight stay open through the repeated hour.
    short = BusinessCalendar(
        WorkingHours(time(23), time(23, 30), frozenset(range(7))), "Asia/Tehran"
    )
    late = BusinessCalendar(WorkingHours(time(23), None, frozenset(range(7))), "Asia/Tehran")
    start = datetime(2021, 9, 21, 18, 0, tzinfo=UTC)  # 22:30 +04:30
    end = start + timedelta(hours=4)
    assert (
        short.elapsed(start, end) == brute_elapsed(short, start, end, []) == timedelta(minutes=30)
    )
    assert late.elapsed(start, end) == brute_elapsed(late, start, end, []) == timedelta(hours=2)
