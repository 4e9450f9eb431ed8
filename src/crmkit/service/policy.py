"""Service-level policies: how soon a case must be answered and resolved, in business time.

A :class:`SlaPolicy` names two targets (first response, resolution) on one
:class:`crmkit.service.BusinessCalendar`. The policy for a case is the one whose
``priority`` equals the case's priority, else the default one (``priority=None``); with
neither, the case has no due times (:func:`choose_policy`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from crmkit._text_limits import clean_text
from crmkit._types import check_duration, ensure_aware, new_id
from crmkit.errors import ValidationError
from crmkit.service.hours import BusinessCalendar, WorkingHours
from crmkit.tasks.task import Priority

__all__ = ["SlaPolicy", "choose_policy"]


@attrs.frozen
class SlaPolicy:
    """Targets for first response and resolution, counted on ``calendar``.

    >>> from datetime import UTC, time
    >>> p = SlaPolicy.new("Standard", first_response=timedelta(hours=4),
    ...                   resolution=timedelta(hours=16), hours=WorkingHours(time(9), time(17)),
    ...                   timezone="Europe/Warsaw", at=datetime(2026, 11, 2, tzinfo=UTC))
    >>> p.name, p.priority, p.calendar.timezone
    ('Standard', None, 'Europe/Warsaw')
    """

    id: str
    name: str
    priority: Priority | None
    first_response: timedelta
    resolution: timedelta
    calendar: BusinessCalendar
    created_at: datetime

    @classmethod
    def new(
        cls,
        name: Any,
        *,
        first_response: Any,
        resolution: Any,
        hours: WorkingHours,
        timezone: str,
        at: Any,
        holidays: Iterable[date] = (),
        priority: Any = None,
    ) -> SlaPolicy:
        """A checked policy; ``priority=None`` makes it the default one."""
        return cls(
            id=new_id(),
            name=clean_text("name", name, required=True) or "",
            priority=None if priority is None else Priority.parse(priority),
            first_response=check_duration(first_response, "first_response"),
            resolution=check_duration(resolution, "resolution"),
            calendar=BusinessCalendar(hours, timezone, holidays),
            created_at=ensure_aware(at, "at"),
        )

    def changed(self, **settings: Any) -> SlaPolicy:
        """This policy (same id) with the given settings of :meth:`new` changed, checked as
        :meth:`new` checks them; ``priority=None`` makes it the default one.

        >>> from datetime import UTC, time
        >>> p = SlaPolicy.new("Standard", first_response=timedelta(hours=4),
        ...                   resolution=timedelta(hours=16), hours=WorkingHours(time(9), time(17)),
        ...                   timezone="Europe/Warsaw", at=datetime(2026, 11, 2, tzinfo=UTC))
        >>> q = p.changed(first_response=timedelta(hours=2), holidays=[date(2026, 12, 24)])
        >>> (q.id == p.id, q.first_response, sorted(q.calendar.holidays))
        (True, datetime.timedelta(seconds=7200), [datetime.date(2026, 12, 24)])
        >>> p.changed(colour="red")
        Traceback (most recent call last):
        ...
        crmkit.errors.ValidationError: invalid colour 'red': not a setting of an SLA policy
        """
        for name, value in settings.items():
            if name not in _SETTINGS:
                raise ValidationError(name, value, "not a setting of an SLA policy")
        calendar = self.calendar
        current: dict[str, Any] = {
            "name": self.name,
            "first_response": self.first_response,
            "resolution": self.resolution,
            "hours": calendar.hours,
            "timezone": calendar.timezone,
            "holidays": calendar.holidays,
            "priority": self.priority,
        }
        fresh = SlaPolicy.new(**(current | settings), at=self.created_at)
        return attrs.evolve(fresh, id=self.id)

    @property
    def key(self) -> str:
        """The name as the unique key compares it (case and outer spaces ignored)."""
        return name_key(self.name)


_SETTINGS = frozenset(
    {"name", "first_response", "resolution", "hours", "timezone", "holidays", "priority"}
)


def name_key(name: str) -> str:
    return name.strip().casefold()


def choose_policy(policies: Iterable[SlaPolicy], priority: Priority) -> SlaPolicy | None:
    """The policy of *priority*, else the default one, else ``None``."""
    default = None
    for policy in policies:
        if policy.priority == priority:
            return policy
        if policy.priority is None:
            default = policy
    return default
