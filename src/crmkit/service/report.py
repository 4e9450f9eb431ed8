"""The service report: what customers came about, how fast they were served, how happy
they were, over the cases opened in a period.

Pure: :func:`service_report` takes the cases (of any period; it picks those it needs) and
the instant the still-running clocks are judged at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from crmkit._types import ensure_aware
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.funnel._table import percent, render_table, to_dataframe
from crmkit.service.case import Case
from crmkit.service.clocks import Clock
from crmkit.service.facts import GroupFigures, ServiceFigures, case_facts, figures_of

__all__ = [
    "ClockAttainment",
    "ReasonTrend",
    "ServiceReport",
    "check_period",
    "report_of",
    "service_report",
]

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


def _ranked(counts: Mapping[Any, int]) -> dict[Any, int]:
    # Most first, ties by name (unassigned last), so every backend lists them alike.
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or "")))


def _attainment(groups: Iterable[GroupFigures], clock: Clock) -> ClockAttainment:
    # Plain sums: Counter.update checks each group's mapping type, thousands of times.
    trios = [g.first_response if clock == "first_response" else g.resolution for g in groups]
    met, breached, pending = (sum(t[s] for t in trios) for s in ("met", "breached", "pending"))
    return ClockAttainment(met, breached, pending)


def report_of(
    figures: ServiceFigures, *, since: datetime, until: datetime, at: datetime
) -> ServiceReport:
    """The report made of a backend's *figures* (see :mod:`crmkit.service.facts`)."""
    by_reason: Counter[str] = Counter()
    by_priority: Counter[str] = Counter()
    by_assignee: Counter[str | None] = Counter()
    for g in figures.groups:
        by_reason[g.reason] += g.cases
        by_priority[g.priority] += g.cases
        by_assignee[g.assignee] += g.cases
    previous = figures.previous
    trends = [
        ReasonTrend(r, by_reason[r], previous.get(r, 0))
        for r in sorted(set(by_reason) | set(previous))
    ]
    trends.sort(key=lambda t: -t.change)
    score_sum = sum(g.score_sum for g in figures.groups)
    score_count = sum(g.score_count for g in figures.groups)
    return ServiceReport(
        since=since,
        until=until,
        at=at,
        cases=sum(by_reason.values()),
        by_reason=_ranked(by_reason),
        by_priority=_ranked(by_priority),
        by_assignee=_ranked(by_assignee),
        first_response=_attainment(figures.groups, "first_response"),
        resolution=_attainment(figures.groups, "resolution"),
        csat_average=score_sum / score_count if score_count else None,
        csat_count=score_count,
        median_first_response=figures.median_first_response,
        median_resolution=figures.median_resolution,
        reasons=tuple(trends),
    )


def check_period(
    since: datetime, until: datetime, at: datetime
) -> tuple[datetime, datetime, datetime]:
    """The report's bounds checked: aware, and *until* after *since*."""
    lo, hi, now = ensure_aware(since, "since"), ensure_aware(until, "until"), ensure_aware(at, "at")
    if hi <= lo:
        raise InvalidDatetimeError("until", until, f"not after since {lo.isoformat()}")
    return lo, hi, now


def service_report(
    cases: Iterable[Case], *, since: datetime, until: datetime, at: datetime
) -> ServiceReport:
    """The report over the *cases* opened in ``[since, until)`` (others are ignored, but for
    those of the equally long period before, which the reason trends compare with).

    SLA attainment counts cases with a policy; a clock still running is breached if its due
    time is before *at*, else pending. Medians are business time on each case's calendar,
    over the cases whose clock stopped. Unassigned cases count under ``None``. Counts are
    listed most first, ties by name.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 11, 2, tzinfo=UTC)
    >>> print(service_report([], since=t0, until=t0 + timedelta(days=7), at=t0))
    Service 2026-11-02 to 2026-11-09: 0 cases, first response - on time, resolution -, CSAT - (0)
      reason  cases  previous  change
    """
    lo, hi, now = check_period(since, until, at)
    figures = figures_of((case_facts(c) for c in cases), since=lo, until=hi, at=now)
    return report_of(figures, since=lo, until=hi, at=now)
