"""The service desk: business hours and the SLA clock (:mod:`crmkit.service.hours`).

Everything here is pure: a :class:`BusinessCalendar` turns a start, a target and the pauses
into a due time, or two instants into the business time between them.
"""

from crmkit.service.hours import BusinessCalendar, WorkingHours

__all__ = ["BusinessCalendar", "WorkingHours"]
