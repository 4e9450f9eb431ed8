"""The service desk: cases, their SLA clocks, policies, contact reasons and the report.

Everything here is pure: a :class:`BusinessCalendar` turns a start, a target and the pauses
into a due time (:mod:`crmkit.service.hours`); a :class:`Case` moves through its statuses
(:mod:`crmkit.service.transitions`) and its clocks are derived from its status history
(:mod:`crmkit.service.clocks`); :func:`service_report` sums up a list of cases. The
facade's ``crm.cases``, ``crm.sla`` and ``crm.service_report`` store and read them.
"""

from crmkit.service.case import Case, CaseStatus, Rating, StatusChange
from crmkit.service.hours import BusinessCalendar, WorkingHours
from crmkit.service.policy import SlaPolicy
from crmkit.service.reasons import DEFAULT_REASONS, ContactReason
from crmkit.service.report import ClockAttainment, ReasonTrend, ServiceReport, service_report

__all__ = [
    "DEFAULT_REASONS",
    "BusinessCalendar",
    "Case",
    "CaseStatus",
    "ClockAttainment",
    "ContactReason",
    "Rating",
    "ReasonTrend",
    "ServiceReport",
    "SlaPolicy",
    "StatusChange",
    "WorkingHours",
    "service_report",
]
