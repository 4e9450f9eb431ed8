"""Recurring tasks: RFC 5545 ``RRULE`` text evaluated on the wall clock of a time zone.

A weekly 09:00 meeting stays at 09:00 local time when daylight saving starts or ends, so the
rule is expanded on naive local times and only then given its zone. A local time that does not
exist (inside the spring-forward gap) moves forward by the size of the gap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.rrule import rrule, rrulestr

from crmkit._types import ensure_aware
from crmkit.errors import InvalidRecurrenceError
from crmkit.tasks.users import zone

__all__ = ["Recurrence"]

_PROBE = datetime(2000, 1, 3, 9, 0)


def _parse(text: str, dtstart: datetime) -> rrule:
    try:
        parsed = rrulestr(text, dtstart=dtstart, forceset=False)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InvalidRecurrenceError("recurrence", text, f"not an RRULE: {exc}") from exc
    if not isinstance(parsed, rrule):
        raise InvalidRecurrenceError("recurrence", text, "expected a single RRULE")
    return parsed


def _clean_rule(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecurrenceError("recurrence", value, "expected RRULE text like 'FREQ=WEEKLY'")
    text = value.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "DTSTART" in text.upper() or "\n" in text:
        raise InvalidRecurrenceError(
            "recurrence", value, "give only the RRULE; the task's due date is the start"
        )
    _parse(_local_until(text, ZoneInfo("UTC")), _PROBE)
    return text


def _local_until(text: str, tz: ZoneInfo) -> str:
    # The rule runs on naive wall-clock times, so an UNTIL given in UTC ("...Z") becomes the
    # same instant on the zone's wall clock.
    parts = []
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if name.strip().upper() == "UNTIL" and value.upper().endswith("Z"):
            try:
                instant = datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            except ValueError:
                raise InvalidRecurrenceError("recurrence", text, "bad UNTIL value") from None
            value = instant.astimezone(tz).strftime("%Y%m%dT%H%M%S")
        parts.append(f"{name}{sep}{value}")
    return ";".join(parts)


# More than any zone's DST shift: wall times this close to a window's edge are checked as
# instants.
_SLACK = timedelta(hours=3)


def _localize(naive: datetime, tz: ZoneInfo) -> datetime:
    aware = naive.replace(tzinfo=tz)
    # Round-trip through UTC: a wall time inside a DST gap comes back shifted forward.
    return aware.astimezone(UTC).astimezone(tz)


@attrs.frozen
class Recurrence:
    """A repeat rule (``rule``: RRULE text), the zone whose wall clock it follows, and the
    first occurrence (``anchor``) from which intervals and counts are measured.

    >>> from datetime import timedelta
    >>> tz = ZoneInfo("Europe/Berlin")
    >>> r = Recurrence.new("FREQ=WEEKLY;BYDAY=MO", timezone="Europe/Berlin",
    ...                    anchor=datetime(2026, 3, 23, 9, 0, tzinfo=tz))
    >>> r.next_after(datetime(2026, 3, 23, 9, 0, tzinfo=tz)).isoformat()  # across the DST change
    '2026-03-30T09:00:00+02:00'
    >>> Recurrence.new("FREQ=FORTNIGHTLY", timezone="UTC", anchor=datetime(2026, 1, 1, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidRecurrenceError: invalid recurrence 'FREQ=FORTNIGHTLY': not an RRULE: \
invalid 'FREQ': FORTNIGHTLY
    """

    rule: str
    timezone: str
    anchor: datetime

    @classmethod
    def new(cls, rule: str, *, timezone: str, anchor: datetime) -> Recurrence:
        """Validate the rule text, the zone name and the anchor (must be aware)."""
        text = _clean_rule(rule)
        tz = zone(timezone)
        start = ensure_aware(anchor, "anchor")
        return cls(text, tz.key, _in_zone(anchor, tz) or start)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _rule(self) -> rrule:
        anchor = self.anchor
        local = (anchor if anchor.tzinfo == self.tz else anchor.astimezone(self.tz)).replace(
            tzinfo=None
        )
        return _parse(_local_until(self.rule, self.tz), local)

    def next_after(self, when: datetime) -> datetime | None:
        """The first occurrence strictly after *when*, or ``None`` when the rule has ended."""
        tz = self.tz
        local = ensure_aware(when, "when").astimezone(tz).replace(tzinfo=None)
        nxt = self._rule().after(local, inc=False)
        return None if nxt is None else _localize(nxt, tz)

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Occurrences in ``[start, end)``, as aware datetimes in the rule's zone.

        >>> r = Recurrence.new("FREQ=MONTHLY;BYDAY=+1MO", timezone="UTC",
        ...                    anchor=datetime(2026, 1, 5, 10, tzinfo=UTC))
        >>> [d.date().isoformat() for d in r.between(datetime(2026, 1, 1, tzinfo=UTC),
        ...                                          datetime(2026, 4, 1, tzinfo=UTC))]
        ['2026-01-05', '2026-02-02', '2026-03-02']
        """
        tz = self.tz
        first, last = ensure_aware(start, "start"), ensure_aware(end, "end")
        # The window is compared as instants: a wall time the zone skips lands later, so an
        # occurrence written before the window's local start may fall inside it.
        lo = first.astimezone(tz).replace(tzinfo=None) - _SLACK
        hi = last.astimezone(tz).replace(tzinfo=None) + _SLACK
        found = (_localize(d, tz) for d in self._rule().between(lo, hi, inc=True))
        return [d for d in found if first <= d < last]

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "timezone": self.timezone, "anchor": self.anchor.isoformat()}

    @classmethod
    def from_dict(cls, data: Any) -> Recurrence:
        return cls.new(
            data["rule"],
            timezone=data["timezone"],
            anchor=datetime.fromisoformat(data["anchor"]),
        )


def _in_zone(anchor: datetime, tz: ZoneInfo) -> datetime | None:
    """*anchor* as a wall time of *tz* when it was given as one (in the zone itself, or with
    the offset the zone has at that wall time, as ``isoformat`` writes it); None otherwise.

    A wall time the zone skips that day (02:00 on a spring-forward night) exists only as
    written: converted to an instant it becomes 03:00, and a daily rule would then ring at
    03:00 every day after.
    """
    if anchor.tzinfo == tz:
        return anchor
    local = anchor.replace(tzinfo=tz)
    return local if local.utcoffset() == anchor.utcoffset() else None
