"""The people tasks are assigned to: users, their teams, time zones and working hours.

User ids are plain strings, so a small app needs no directory at all. Once an app keeps a
:class:`UserDirectory`, the task functions check assignees against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from crmkit._text_limits import SHORT_TEXT, check_text, clean_text
from crmkit._types import ensure_aware
from crmkit.errors import UserNotFoundError, ValidationError

__all__ = ["User", "UserDirectory", "WorkingHours", "local_day", "zone"]

_WEEKDAYS = frozenset(range(5))


def zone(name: Any, field: str = "timezone") -> ZoneInfo:
    """The IANA time zone *name*, or a :class:`~crmkit.errors.ValidationError` naming it.

    >>> zone("Europe/Tirane").key
    'Europe/Tirane'
    >>> zone("Mars/Olympus")
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid timezone 'Mars/Olympus': not an IANA time zone name
    """
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(field, name, "expected an IANA time zone name like 'Europe/Tirane'")
    check_text(field, name, limit=SHORT_TEXT)
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValidationError(field, name, "not an IANA time zone name") from exc


def local_day(tz: ZoneInfo) -> Callable[[datetime], date]:
    """A function giving the calendar day of an aware datetime on *tz*'s wall clock.

    Made for millions of calls: UTC needs no conversion, and other zones reuse the offset of
    each quarter hour (UTC) whose start and end share one offset; a quarter hour holding an
    offset change is converted exactly every time.

    >>> from datetime import UTC
    >>> day = local_day(ZoneInfo("Europe/Tirane"))
    >>> day(datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # 00:30 in Tirana, summer time
    datetime.date(2026, 3, 29)
    """
    if tz.key == "UTC":
        return lambda at: at.date() if at.tzinfo is UTC else at.astimezone(UTC).date()
    offsets: dict[int, timedelta | None] = {}

    def offset_of(bucket: int) -> timedelta | None:
        lo = datetime.fromtimestamp(bucket * 900, tz).utcoffset()
        hi = datetime.fromtimestamp(bucket * 900 + 899, tz).utcoffset()
        return lo if lo == hi else None

    def day(at: datetime) -> date:
        utc = at if at.tzinfo is UTC else at.astimezone(UTC)
        bucket = int(utc.timestamp()) // 900
        if bucket in offsets:
            offset = offsets[bucket]
        else:
            offset = offsets[bucket] = offset_of(bucket)
        return utc.astimezone(tz).date() if offset is None else (utc + offset).date()

    return day


def _user_id(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "expected a user id (a non-empty string)")
    check_text(field, value, limit=SHORT_TEXT)
    return value.strip()


def _days(value: Any) -> frozenset[int]:
    days = frozenset(value)
    if not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise ValidationError("days", value, "expected weekday numbers 0 (Monday) to 6 (Sunday)")
    return days


def _wall_time(field: str, *, optional: bool = False) -> Callable[[Any, Any, Any], None]:
    def check(_: Any, __: Any, value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, time) or value.tzinfo is not None:
            raise ValidationError(field, value, "expected a wall-clock time without a tzinfo")

    return check


@attrs.frozen
class WorkingHours:
    """Daily working window on a wall clock (``days``: 0 = Monday): a user's, in the user's
    own time zone, or a service desk's (:class:`crmkit.service.BusinessCalendar`).

    Times are wall-clock times without a tzinfo. ``end=None`` means the window runs to
    midnight at the end of the day; :meth:`always` is round the clock, every day. Windows do
    not cross midnight: a night shift (22:00 to 06:00) is not supported yet, and an ``end``
    not after ``start`` is refused.

    >>> from datetime import UTC, time
    >>> wh = WorkingHours(time(9), time(17))
    >>> tz = ZoneInfo("Europe/Tirane")
    >>> wh.next_working_time(datetime(2026, 3, 6, 18, 0, tzinfo=tz)).isoformat()  # a Friday
    '2026-03-09T09:00:00+01:00'
    >>> WorkingHours(time(22), time(6))
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid end datetime.time(6, 0): must be after start \
22:00:00 (windows across midnight are not supported)
    """

    start: time = attrs.field(default=time(9), validator=_wall_time("start"))
    end: time | None = attrs.field(default=time(17), validator=_wall_time("end", optional=True))
    days: frozenset[int] = attrs.field(default=_WEEKDAYS, converter=_days)

    def __attrs_post_init__(self) -> None:
        if self.end is not None and self.start >= self.end:
            raise ValidationError(
                "end",
                self.end,
                f"must be after start {self.start} (windows across midnight are not supported)",
            )

    @classmethod
    def always(cls) -> WorkingHours:
        """Round the clock, seven days a week (a 24x7 service desk).

        >>> WorkingHours.always().contains(datetime(2026, 1, 4, 23, 59))  # a Sunday
        True
        """
        return cls(time(0), None, frozenset(range(7)))

    def contains(self, local: datetime) -> bool:
        """Is the local datetime inside the working window?"""
        if local.weekday() not in self.days or local.time() < self.start:
            return False
        return self.end is None or local.time() < self.end

    def next_working_time(self, when: datetime) -> datetime:
        """*when* if it falls in working hours, else the start of the next working window
        (same time zone as *when*)."""
        local = ensure_aware(when, "when").astimezone(when.tzinfo)
        if self.contains(local):
            return local
        day = local.date()
        if local.weekday() in self.days and local.time() < self.start:
            return datetime.combine(day, self.start, tzinfo=local.tzinfo)
        for offset in range(1, 8):
            nxt = day + timedelta(days=offset)
            if nxt.weekday() in self.days:
                return datetime.combine(nxt, self.start, tzinfo=local.tzinfo)
        raise AssertionError("unreachable: days is never empty")  # pragma: no cover


@attrs.frozen
class User:
    """Someone who can be assigned tasks.

    >>> u = User.new("mira", name="Mira Hoxha", team="sales", timezone="Europe/Tirane")
    >>> u.id, u.team, u.tz.key, u.active
    ('mira', 'sales', 'Europe/Tirane', True)
    """

    id: str
    name: str | None = None
    team: str | None = None
    is_team_lead: bool = False
    timezone: str = "UTC"
    active: bool = True
    working_hours: WorkingHours = attrs.field(factory=WorkingHours)

    @classmethod
    def new(
        cls,
        id: str,
        *,
        name: str | None = None,
        team: str | None = None,
        is_team_lead: bool = False,
        timezone: str = "UTC",
        active: bool = True,
        working_hours: WorkingHours | None = None,
    ) -> User:
        """Validate every field (the time zone must be a real IANA name)."""
        tz = zone(timezone)
        return cls(
            id=_user_id("id", id),
            name=clean_text("name", name),
            team=None if team is None else _user_id("team", team),
            is_team_lead=bool(is_team_lead),
            timezone=tz.key,
            active=bool(active),
            working_hours=working_hours if working_hours is not None else WorkingHours(),
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, read back by :meth:`from_dict`.

        >>> u = User.new("ivan", team="support", timezone="Europe/Sofia")
        >>> User.from_dict(u.to_dict()) == u
        True
        """
        wh = self.working_hours
        return {
            "id": self.id,
            "name": self.name,
            "team": self.team,
            "is_team_lead": self.is_team_lead,
            "timezone": self.timezone,
            "active": self.active,
            "working_hours": {
                "start": wh.start.isoformat(),
                "end": None if wh.end is None else wh.end.isoformat(),
                "days": sorted(wh.days),
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> User:
        wh = data.get("working_hours") or {}
        end = wh.get("end", "17:00")  # None: to midnight
        hours = WorkingHours(
            time.fromisoformat(wh.get("start", "09:00")),
            None if end is None else time.fromisoformat(end),
            wh.get("days", sorted(_WEEKDAYS)),
        )
        return cls.new(
            data["id"],
            name=data.get("name"),
            team=data.get("team"),
            is_team_lead=data.get("is_team_lead", False),
            timezone=data.get("timezone", "UTC"),
            active=data.get("active", True),
            working_hours=hours,
        )


@attrs.frozen
class UserDirectory:
    """An immutable set of users, indexed by id, with team look-ups.

    ``team_leads`` maps a team to its lead explicitly; otherwise the active user flagged
    ``is_team_lead`` in that team leads it (the smallest id if several are flagged).

    >>> d = UserDirectory.of([User.new("ana", team="sales", is_team_lead=True),
    ...                       User.new("mira", team="sales")])
    >>> d.lead_of("sales"), d.members("sales")
    ('ana', ('ana', 'mira'))
    >>> d.require("zoe", "assignee")
    Traceback (most recent call last):
    ...
    crmkit.errors.UserNotFoundError: user 'zoe' not found
    """

    users: Mapping[str, User] = attrs.field(factory=dict)
    team_leads: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls, users: Iterable[User], *, team_leads: Mapping[str, str] | None = None
    ) -> UserDirectory:
        return cls({u.id: u for u in users}, dict(team_leads or {}))

    def __iter__(self) -> Iterator[User]:
        return iter(self.users.values())

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.users

    def get(self, user_id: str) -> User:
        """The user, or :class:`~crmkit.errors.UserNotFoundError`."""
        try:
            return self.users[user_id]
        except KeyError:
            raise UserNotFoundError(user_id) from None

    def require(self, user_id: str, field: str) -> User:
        """The user if it exists and is active; tasks cannot go to anyone else."""
        user = self.get(user_id)
        if not user.active:
            raise ValidationError(field, user_id, "the user is inactive")
        return user

    def members(self, team: str, *, active_only: bool = True) -> tuple[str, ...]:
        """Ids of the team's users, sorted (the order round robin walks)."""
        return tuple(
            sorted(
                u.id
                for u in self.users.values()
                if u.team == team and (u.active or not active_only)
            )
        )

    def lead_of(self, team: str | None) -> str | None:
        """The team lead's id, or ``None`` when the team has none."""
        if team is None:
            return None
        if team in self.team_leads:
            return self.team_leads[team]
        leads = sorted(
            u.id for u in self.users.values() if u.team == team and u.is_team_lead and u.active
        )
        return leads[0] if leads else None
