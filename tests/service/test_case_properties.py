"""Property: a case's due times are ``BusinessCalendar.add`` from the opening with the
intervals its clocks did not count, kept here by a model that only follows the moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.service import Case, CaseStatus
from crmkit.service.transitions import close, reopen, resolve, respond, set_status

from ._cases import new_case, policy

Pause = tuple[datetime, datetime | None]
WARSAW = ZoneInfo("Europe/Warsaw")
STEPS = ["wait", "resume", "respond", "resolve", "reopen", "close"]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class Model:
    """What happened, as intervals: waits and the times the case sat resolved."""

    def __init__(self, opened: datetime) -> None:
        self.status = "new"
        self.waits: list[list[datetime | None]] = []
        self.resolved: list[list[datetime | None]] = []
        self.responded: datetime | None = None

    def apply(self, case: Case, step: str, at: datetime) -> Case:
        if step == "wait" and self.status in ("new", "open"):
            self.status = "waiting_on_customer"
            self.waits.append([at, None])
            return set_status(case, "waiting_on_customer", at=at)
        if step == "resume" and self.status == "waiting_on_customer":
            self.status = "open"
            self.waits[-1][1] = at
            return set_status(case, "open", at=at)
        if step == "respond":
            if self.responded is None:
                self.responded = at
                self.status = "open" if self.status == "new" else self.status
            return respond(case, at=at)
        if step == "resolve" and self.status in ("new", "open", "waiting_on_customer"):
            if self.status == "waiting_on_customer":
                self.waits[-1][1] = at
            self.status = "resolved"
            self.responded = self.responded or at
            self.resolved.append([at, None])
            return resolve(case, at=at)
        if step == "reopen" and self.status in ("resolved", "closed"):
            self.status = "open"
            self.resolved[-1][1] = at
            return reopen(case, at=at)
        if step == "close" and self.status == "resolved":
            self.status = "closed"
            return close(case, at=at)
        return case

    def first_response_pauses(self) -> list[Pause]:
        stop = self.responded
        if stop is None:
            return [(b, e) for b, e in self.waits if b is not None]
        return [
            (b, stop if e is None else min(e, stop))
            for b, e in self.waits
            if b is not None and b < stop
        ]

    def resolution_pauses(self) -> list[Pause]:
        done = self.status in ("resolved", "closed")
        finished = self.resolved[:-1] if done else self.resolved
        return sorted((b, e) for b, e in [*self.waits, *finished] if b is not None)


@settings(max_examples=150, deadline=None)
@given(
    opened=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 20), timezones=st.just(WARSAW)),
    first=st.integers(0, 40),
    resolution=st.integers(0, 80),
    steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 4000)), max_size=12),
)
def test_due_times_are_the_calendar_with_the_case_pauses(
    opened: datetime, first: int, resolution: int, steps: list[tuple[str, int]]
) -> None:
    sla = policy(
        timedelta(hours=first),
        timedelta(hours=resolution),
        "Europe/Warsaw",
        holidays=(date(2026, 5, 1), date(2026, 11, 11)),
    )
    # Drawn in Warsaw time (so openings fall in the hours the clocks change), then kept in
    # UTC: Python adds to and compares datetimes of one zone by their wall clocks, fold
    # ignored, so the model's own arithmetic would go wrong in the repeated autumn hour.
    opened = opened.astimezone(UTC)
    case = new_case(at=opened, sla=sla)
    model = Model(opened)
    at = opened
    for step, minutes in steps:
        at += timedelta(minutes=minutes)
        case = model.apply(case, step, at)
    cal = sla.calendar
    first_due = cal.add(opened, sla.first_response, model.first_response_pauses())
    resolution_due = cal.add(opened, sla.resolution, model.resolution_pauses())
    # The calendar answers on its wall clock, the case in UTC; compared in UTC because a
    # Warsaw time in the repeated hour is never == to another zone's (PEP 495).
    assert case.first_response_due == _utc(first_due)
    assert case.resolution_due == _utc(resolution_due)
    assert case.status == CaseStatus(model.status)
