"""The two SLA clocks of a case, derived from its status history.

Both clocks start when the case opens and count business time on the case's policy
calendar (:class:`crmkit.service.BusinessCalendar`):

- **first response** stops at the first response. Time ``waiting_on_customer`` does not
  count.
- **resolution** stops when the case is resolved; a reopen resumes it. Time
  ``waiting_on_customer`` and time spent resolved or closed before a reopen do not count.

A due time is ``calendar.add(opened_at, target, pauses)`` with the clock's :func:`pauses`.
Once a clock has stopped, its pauses end at the stop, so the due time stays what it was
when the clock stopped. While a pause has not ended the due time is ``None``, unless the
target was reached before the pause began (then the clock breached and the due time stays).

A clock is *met* when it stopped by its due time, *breached* when it stopped later or is
still running past it, *pending* otherwise (running or paused, not yet due).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from crmkit.service.case import Case, CaseStatus

__all__ = [
    "CLOCKS",
    "Clock",
    "ClockState",
    "due_time",
    "next_due",
    "pauses",
    "running_dues",
    "state",
    "stopped_at",
    "used",
]

Clock = Literal["first_response", "resolution"]
ClockState = Literal["met", "breached", "pending"]
CLOCKS: tuple[Clock, ...] = ("first_response", "resolution")

Pause = tuple[datetime, datetime | None]

_PAUSING: dict[Clock, frozenset[CaseStatus]] = {
    "first_response": frozenset({CaseStatus.WAITING_ON_CUSTOMER}),
    "resolution": frozenset(
        {CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED, CaseStatus.CLOSED}
    ),
}


def stopped_at(case: Case, clock: Clock) -> datetime | None:
    """When the clock stopped for good (``None`` while it runs or is paused)."""
    if clock == "first_response":
        return case.first_responded_at
    return case.resolved_at if case.status.is_done else None


def pauses(case: Case, clock: Clock) -> list[Pause]:
    """The intervals of the history the clock does not count, cut at its stop; the last one
    has no end while the case still waits (or is still resolved, before it stopped)."""
    stop = stopped_at(case, clock)
    history = case.history
    out: list[Pause] = []
    for i, change in enumerate(history):
        if change.status not in _PAUSING[clock]:
            continue
        end = history[i + 1].at if i + 1 < len(history) else None
        if stop is not None:
            if change.at >= stop:
                break
            end = stop if end is None else min(end, stop)
        out.append((change.at, end))
    return out


def _target(case: Case, clock: Clock) -> timedelta | None:
    if case.sla is None:
        return None
    return case.sla.first_response if clock == "first_response" else case.sla.resolution


def due_time(case: Case, clock: Clock) -> datetime | None:
    """The clock's due time on the policy's wall clock, from the history (see the module)."""
    target = _target(case, clock)
    if target is None or case.sla is None:
        return None
    return case.sla.calendar.add(case.opened_at, target, pauses(case, clock))


def used(case: Case, clock: Clock) -> timedelta | None:
    """The business time the clock counted until it stopped (``None``: no policy, or the
    clock has not stopped)."""
    stop = stopped_at(case, clock)
    if stop is None or case.sla is None:
        return None
    return case.sla.calendar.elapsed(case.opened_at, stop, pauses(case, clock))


def state(case: Case, clock: Clock, at: datetime) -> ClockState | None:
    """``met``, ``breached`` or ``pending`` as judged at *at*; ``None`` without a policy."""
    if case.sla is None:
        return None
    due = case.first_response_due if clock == "first_response" else case.resolution_due
    stop = stopped_at(case, clock)
    if stop is not None:
        return "met" if due is not None and stop <= due else "breached"
    if due is not None and due < at:
        return "breached"
    return "pending"


def running_dues(case: Case) -> list[tuple[Clock, datetime]]:
    """The clocks still running (not stopped, not paused) with their due times, soonest
    first: what an escalation watches."""
    out: list[tuple[Clock, datetime]] = []
    for clock in CLOCKS:
        if stopped_at(case, clock) is not None or case.status in _PAUSING[clock]:
            continue
        due = case.first_response_due if clock == "first_response" else case.resolution_due
        if due is not None:
            out.append((clock, due))
    return sorted(out, key=lambda pair: pair[1])


def next_due(case: Case) -> datetime | None:
    """The earliest due time of a running clock (``None``: nothing to watch)."""
    dues = running_dues(case)
    return dues[0][1] if dues else None
