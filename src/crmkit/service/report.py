"""The service report: what customers came about, how fast they were served, how happy
they were, over the cases opened in a period.

Pure: :func:`service_report` takes the cases (of any period; it picks those it needs) and
the instant the still-running clocks are judged at.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from crmkit._types import ensure_aware
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.funnel._table import percent, render_table, to_dataframe
from crmkit.service.case import Case
from crmkit.service.clocks import Clock, state, used

__all__ = ["ClockAttainment", "ReasonTrend", "ServiceReport", "service_report"]

Table = Literal["reasons", "priorities", "assignees", "sla"]


@attrs.frozen
class ClockAttainment:
    """How one SLA clock went over the cases that had a policy."""

    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def rate(self) -> float | None:
        """met / (met + breached); ``None`` while nothing was decided."""
        decided = self.met + self.breached
        return self.met / decided if decided else None


@attrs.frozen
class ReasonTrend:
    """Cases of one reason in the period and in the period of the same length before it."""

    reason: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous


@attrs.frozen
class ServiceReport:
    """Counts, SLA attainment, CSAT and business-time medians of the cases opened in
    ``[since, until)``; running clocks judged at ``at``.

    ``to_rows(table)`` gives plain dicts (``"reasons"``, ``"priorities"``, ``"assignees"``,
    ``"sla"``), ``to_dataframe(table)`` the same as a pandas DataFrame, ``str()`` a summary.
    """

    since: datetime
    until: datetime
    at: datetime
    cases: int
    by_reason: Mapping[str, int]
    by_priority: Mapping[str, int]
    by_assignee: Mapping[str | None, int]
    first_response: ClockAttainment
    resolution: ClockAttainment
    csat_average: float | None
    csat_count: int
    median_first_response: timedelta | None
    median_resolution: timedelta | None
    reasons: tuple[ReasonTrend, ...]

    @property
    def growing(self) -> tuple[ReasonTrend, ...]:
        """The reasons with more cases than in the previous period, most growth first."""
        return tuple(t for t in self.reasons if t.change > 0)

    def to_rows(self, table: Table = "reasons") -> list[dict[str, Any]]:
        if table == "reasons":
            return [
                {"reason": t.reason, "cases": t.current, "previous": t.previous, "change": t.change}
                for t in self.reasons
            ]
        if table == "priorities":
            return [{"priority": k, "cases": n} for k, n in self.by_priority.items()]
        if table == "assignees":
            return [{"assignee": k, "cases": n} for k, n in self.by_assignee.items()]
        if table == "sla":
            medians = (self.median_first_response, self.median_resolution)
            return [
                {
                    "clock": name,
                    "met": a.met,
                    "breached": a.breached,
                    "pending": a.pending,
                    "attainment": a.rate,
                    "median": median,
                }
                for name, a, median in zip(
                    ("first_response", "resolution"),
                    (self.first_response, self.resolution),
                    medians,
                    strict=True,
                )
            ]
        raise ValidationError("table", table, "'reasons', 'priorities', 'assignees' or 'sla'")

    def to_dataframe(self, table: Table = "reasons") -> Any:
        """:meth:`to_rows` as a pandas DataFrame (pandas is optional)."""
        return to_dataframe(self.to_rows(table))

    def __str__(self) -> str:
        csat = "-" if self.csat_average is None else f"{self.csat_average:.2f}"
        title = (
            f"Service {self.since.date()} to {self.until.date()}: {self.cases} cases, "
            f"first response {percent(self.first_response.rate)} on time, "
            f"resolution {percent(self.resolution.rate)}, CSAT {csat} ({self.csat_count})"
        )
        return render_table(
            title, self.to_rows("reasons"), ["reason", "cases", "previous", "change"]
        )


def _median(values: Iterable[timedelta | None]) -> timedelta | None:
    known = sorted(v for v in values if v is not None)
    if not known:
        return None
    mid = len(known) // 2
    return known[mid] if len(known) % 2 else (known[mid - 1] + known[mid]) / 2


def _attainment(cases: list[Case], clock: Clock, at: datetime) -> ClockAttainment:
    counts = Counter(state(c, clock, at) for c in cases)
    return ClockAttainment(counts["met"], counts["breached"], counts["pending"])


def service_report(
    cases: Iterable[Case], *, since: datetime, until: datetime, at: datetime
) -> ServiceReport:
    """The report over the *cases* opened in ``[since, until)`` (others are ignored, but for
    those of the equally long period before, which the reason trends compare with).

    SLA attainment counts cases with a policy; a clock still running is breached if its due
    time is before *at*, else pending. Medians are business time on each case's calendar,
    over the cases whose clock stopped. Unassigned cases count under ``None``.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 11, 2, tzinfo=UTC)
    >>> print(service_report([], since=t0, until=t0 + timedelta(days=7), at=t0))
    Service 2026-11-02 to 2026-11-09: 0 cases, first response - on time, resolution -, CSAT - (0)
      reason  cases  previous  change
    """
    lo, hi, now = ensure_aware(since, "since"), ensure_aware(until, "until"), ensure_aware(at, "at")
    if hi <= lo:
        raise InvalidDatetimeError("until", until, f"not after since {lo.isoformat()}")
    before = lo - (hi - lo)
    current: list[Case] = []
    previous: Counter[str] = Counter()
    for case in cases:
        if lo <= case.opened_at < hi:
            current.append(case)
        elif before <= case.opened_at < lo:
            previous[case.reason] += 1
    by_reason = Counter(c.reason for c in current)
    trends = [
        ReasonTrend(r, by_reason[r], previous[r]) for r in sorted(set(by_reason) | set(previous))
    ]
    trends.sort(key=lambda t: -t.change)
    scores = [c.rating.score for c in current if c.rating is not None]
    return ServiceReport(
        since=lo,
        until=hi,
        at=now,
        cases=len(current),
        by_reason=dict(by_reason.most_common()),
        by_priority=dict(Counter(c.priority.value for c in current).most_common()),
        by_assignee=dict(Counter(c.assignee for c in current).most_common()),
        first_response=_attainment(current, "first_response", now),
        resolution=_attainment(current, "resolution", now),
        csat_average=statistics.fmean(scores) if scores else None,
        csat_count=len(scores),
        median_first_response=_median(used(c, "first_response") for c in current),
        median_resolution=_median(used(c, "resolution") for c in current),
        reasons=tuple(trends),
    )
