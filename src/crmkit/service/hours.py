"""Business time: when a service-level target falls due, and how much of it has been used.

A :class:`BusinessCalendar` counts only the working hours of one time zone's wall clock,
skipping non-working weekdays, holidays (local dates) and pauses (intervals when the case
waits on the customer). The rules:

- **Wall clock.** 09:00 to 17:00 is 09:00 to 17:00 local time on every day, including the
  days clocks change: the windows move with the clock, not with UTC.
- **Real seconds inside a window.** A day's window opens the first instant the clock reaches
  ``start`` and closes the first instant it reaches ``end``; everything between counts as the
  real time that passed. Hours of 00:00 to 04:00 are three real hours on the night clocks
  spring forward and five on the night they fall back.
- **Skipped and repeated wall times.** A ``start`` or ``end`` the clock skips (02:30 in a
  02:00 to 03:00 spring-forward gap) is reached when the clock jumps past it (03:00). One the
  clock reads twice (02:30 on a fall-back night) is reached the first time; a window that
  closed then stays closed when the clock reads it again, and one that opened stays open.
  Equivalently: an instant counts when the furthest the clock has read so far is inside a
  working window.
- **Pauses** are intervals of real time, joined where they overlap; the business time inside
  them does not count. A pause without an end has not ended: the clock is stopped, and a
  target not reached before the pause began has no due time yet (``None``).
- **Zero duration** is due at once: ``add(start, timedelta(0))`` is ``start``, even outside
  working hours. Any other due time is the first instant by which the duration has been
  counted, so it may be the very end of a window (17:00 on Friday, not 09:00 on Monday).

The work is done per local day, never per minute: a due time a year away costs a year of days.
A due time more than ten years after the start is refused (every day a holiday, or a pause
that long, would otherwise keep the clock looking forever).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmkit._types import check_duration, ensure_aware, ensure_day
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.tasks.users import WorkingHours, zone

__all__ = ["BusinessCalendar", "WorkingHours"]

Pause = tuple[datetime, datetime | None]

# How far after its start a due time may lie: ten years, leap days included.
_HORIZON = timedelta(days=3653)
_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _edge(at: time) -> tuple[time, time]:
    """*at* with fold 0 and with fold 1, as :func:`_reached` takes it."""
    return at.replace(fold=0), at.replace(fold=1)


def _reached(day: date, at: tuple[time, time], tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which *tz*'s wall clock reads ``at`` on *day* or later."""
    before = tz.utcoffset(datetime.combine(day, at[0]))
    after = tz.utcoffset(datetime.combine(day, at[1]))
    assert before is not None  # a ZoneInfo always has an offset
    assert after is not None
    if before >= after:  # read once, or twice (a fold: fold=0 is the first time)
        return datetime.combine(day, at[0], UTC) - before
    # Skipped (a gap): the clock jumps past *at* at the transition, an instant after
    # wall - after (still the old offset) and at most wall - before. Transitions fall on
    # whole seconds, so a search over seconds finds it exactly.
    wall = datetime.combine(day, at[0], UTC)
    lo = int((wall - after - _EPOCH).total_seconds()) - 1
    hi = int((wall - before - _EPOCH).total_seconds()) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (_EPOCH + timedelta(seconds=mid)).astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return _EPOCH + timedelta(seconds=hi)


def _zone_name(value: Any) -> str:
    return zone(value).key


def _hours(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, WorkingHours):
        raise ValidationError("hours", value, "expected crmkit.service.WorkingHours")


def _holidays(value: Any) -> frozenset[date]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("holidays", value, "expected an iterable of local dates")
    days: set[date] = set()
    for item in value:
        if isinstance(item, datetime):
            raise ValidationError("holidays", item, "expected a local date, not a datetime")
        days.add(ensure_day(item, "holidays"))
    return frozenset(days)


def _pauses(value: Any) -> list[Pause]:
    """*value* checked, in UTC, sorted and joined where pauses overlap or touch; a pause
    without an end can only be the last."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("pauses", value, "expected (start, end or None) pairs")
    pairs: list[Pause] = []
    for item in value:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValidationError("pauses", item, "expected a (start, end or None) pair")
        begin = ensure_aware(item[0], "pauses")
        end = None if item[1] is None else ensure_aware(item[1], "pauses")
        if end is not None and end < begin:
            raise InvalidDatetimeError("pauses", tuple(item), "the pause ends before it starts")
        pairs.append((begin, end))
    pairs.sort(key=lambda p: p[0])
    joined: list[Pause] = []
    for begin, end in pairs:
        if joined and (joined[-1][1] is None or begin <= joined[-1][1]):
            last_end = joined[-1][1]
            wider = None if last_end is None or end is None else max(last_end, end)
            joined[-1] = (joined[-1][0], wider)
        else:
            joined.append((begin, end))
    return joined


@attrs.frozen
class BusinessCalendar:
    """The working hours of one time zone, with holidays: when a target falls due
    (:meth:`add`) and how much business time has passed (:meth:`elapsed`).

    The rules (wall clock, DST, pauses, zero durations) are in :mod:`crmkit.service.hours`.

    >>> from datetime import date, datetime, time, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> warsaw = BusinessCalendar(WorkingHours(time(9), time(17)), "Europe/Warsaw",
    ...                           holidays=[date(2026, 11, 11)])
    >>> opened = datetime(2026, 11, 10, 16, 0, tzinfo=ZoneInfo("Europe/Warsaw"))  # Tuesday
    >>> due = warsaw.add(opened, timedelta(hours=4))  # Wednesday is Independence Day
    >>> due.isoformat()
    '2026-11-12T12:00:00+01:00'
    >>> warsaw.elapsed(opened, due)
    datetime.timedelta(seconds=14400)
    >>> BusinessCalendar(WorkingHours.always(), "Europe/Varsovie")
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid timezone 'Europe/Varsovie': not an IANA time zone name
    """

    hours: WorkingHours = attrs.field(validator=_hours)
    timezone: str = attrs.field(converter=_zone_name)
    holidays: frozenset[date] = attrs.field(default=frozenset(), converter=_holidays)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def add(
        self, start: datetime, duration: timedelta, pauses: Sequence[Pause] = ()
    ) -> datetime | None:
        """The instant (on the calendar's wall clock) by which *duration* of business time
        has passed since *start*, not counting *pauses*; ``None`` while a pause that has not
        ended (``(begin, None)``) stops the clock before the duration is used up.

        >>> from datetime import datetime, time, timedelta
        >>> from zoneinfo import ZoneInfo
        >>> ny = ZoneInfo("America/New_York")
        >>> desk = BusinessCalendar(WorkingHours(time(9), time(17)), "America/New_York")
        >>> friday = datetime(2026, 3, 6, 16, 0, tzinfo=ny)
        >>> desk.add(friday, timedelta(hours=4)).isoformat()  # clocks spring forward Sunday
        '2026-03-09T12:00:00-04:00'
        >>> waiting = (datetime(2026, 3, 9, 10, tzinfo=ny), datetime(2026, 3, 9, 11, tzinfo=ny))
        >>> desk.add(friday, timedelta(hours=4), pauses=[waiting]).isoformat()
        '2026-03-09T13:00:00-04:00'
        >>> print(desk.add(friday, timedelta(hours=4), pauses=[(waiting[0], None)]))
        None
        """
        begin = ensure_aware(start, "start")
        remaining = check_duration(duration, "duration")
        stops = _pauses(pauses)
        tz = self.tz
        if not remaining:
            return begin.astimezone(tz)
        limit = begin + _HORIZON
        stopped = stops[-1][0] if stops and stops[-1][1] is None else None
        until = limit if stopped is None else min(limit, max(stopped, begin))
        for lo, hi in self._counted(begin, until, stops):
            if hi - lo >= remaining:
                return (lo + remaining).astimezone(tz)
            remaining -= hi - lo
        if stopped is not None and stopped <= limit:
            return None
        raise ValidationError(
            "duration",
            duration,
            f"not reached within ten years of {begin.isoformat()} on this calendar",
        )

    def elapsed(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> timedelta:
        """The business time between *start* and *end*, not counting *pauses*.

        >>> from datetime import datetime, time, timedelta
        >>> from zoneinfo import ZoneInfo
        >>> sofia = ZoneInfo("Europe/Sofia")
        >>> nights = WorkingHours(time(0), time(5), days=range(7))
        >>> desk = BusinessCalendar(nights, "Europe/Sofia")
        >>> fall_back = datetime(2026, 10, 25, tzinfo=sofia)  # 04:00 becomes 03:00 again
        >>> desk.elapsed(fall_back, fall_back + timedelta(hours=12))  # six real hours
        datetime.timedelta(seconds=21600)
        """
        begin = ensure_aware(start, "start")
        finish = ensure_aware(end, "end")
        stops = _pauses(pauses)
        if finish < begin:
            raise InvalidDatetimeError("end", end, f"earlier than start {begin.isoformat()}")
        total = timedelta(0)
        for lo, hi in self._counted(begin, finish, stops):
            total += hi - lo
        return total

    def _windows(self, first: datetime, last: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows (UTC) of the local days around *first* to *last*, in order."""
        tz = self.tz
        hours, holidays = self.hours, self.holidays
        opening = _edge(hours.start)
        closing = _edge(_MIDNIGHT if hours.end is None else hours.end)
        closing_day = _DAY if hours.end is None else timedelta(0)  # to midnight: the next day
        day = first.astimezone(tz).date() - _DAY
        final = last.astimezone(tz).date() + _DAY
        while day <= final:
            if day.weekday() in hours.days and day not in holidays:
                opens = _reached(day, opening, tz)
                closes = _reached(day + closing_day, closing, tz)
                if opens < closes:
                    yield opens, closes
            day += _DAY

    def _counted(
        self, first: datetime, last: datetime, stops: list[Pause]
    ) -> Iterator[tuple[datetime, datetime]]:
        """The stretches of business time within ``[first, last]``, minus the pauses."""
        i = 0
        for opens, closes in self._windows(first, last):
            cursor, closes = max(opens, first), min(closes, last)
            if closes <= cursor:
                if opens > last:
                    return
                continue
            while i < len(stops):
                begin, end = stops[i]
                if begin >= closes:
                    break
                if end is not None and end <= cursor:
                    i += 1
                    continue
                if begin > cursor:
                    yield cursor, begin
                if end is None or end >= closes:
                    cursor = closes
                    break
                cursor = end
                i += 1
            if cursor < closes:
                yield cursor, closes
