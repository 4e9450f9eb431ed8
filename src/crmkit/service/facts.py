"""What the service report needs of each case, and the sums it is made of.

A :class:`CaseFacts` is a flat row derived from a case (:func:`case_facts`): the values the
report groups by, each clock's outcome once it stopped, its due time while it runs and the
business time it used. Only the judgement of running clocks depends on the instant the
report is made at, so everything else can be stored beside the case and summed by a
database (``uow.case_facts``). :func:`figures_of` is the definition those sums must equal:
the in-memory and generic backends call it, the SQL ones compute the same in SQL, and
:func:`crmkit.service.service_report` builds its report from it.

Times are whole microseconds since 1970-01-01 UTC, so SQL compares and sorts them exactly.

>>> from datetime import UTC, datetime, timedelta
>>> from crmkit.service.transitions import open_case, resolve
>>> t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
>>> case = open_case("c-1", subject="Bill", reason="billing", reasons=["billing"], at=t0,
...                  sla=None)
>>> facts = case_facts(resolve(case, at=t0 + timedelta(hours=1)))
>>> facts.reason, facts.first_response, facts.resolution_used_us
('billing', None, None)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

import attrs

from crmkit.service.case import Case
from crmkit.service.clocks import Clock, ClockState, state, stopped_at, used

__all__ = [
    "CaseFacts",
    "ClockOutcome",
    "GroupFigures",
    "ServiceFigures",
    "case_facts",
    "figures_of",
    "in_order",
    "median_us",
    "microseconds",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

#: A clock as stored: ``"running"`` until it stops (then judged at the report's instant),
#: ``"met"`` or ``"breached"`` once it stopped, ``None`` without a policy.
ClockOutcome = Literal["running", "met", "breached"]


def microseconds(value: datetime | timedelta) -> int:
    """An aware datetime as microseconds since the epoch, a duration as microseconds."""
    if isinstance(value, datetime):
        return (value - _EPOCH) // _US
    return value // _US


def _us(value: datetime | timedelta | None) -> int | None:
    return None if value is None else microseconds(value)


@attrs.frozen
class CaseFacts:
    """One case as the report reads it (see the module)."""

    case_id: str
    opened_us: int
    reason: str
    priority: str
    assignee: str | None
    first_response: ClockOutcome | None
    first_response_due_us: int | None
    first_response_used_us: int | None
    resolution: ClockOutcome | None
    resolution_due_us: int | None
    resolution_used_us: int | None
    score: int | None


def _outcome(case: Case, clock: Clock) -> ClockOutcome | None:
    if case.sla is None:
        return None
    if stopped_at(case, clock) is None:
        return "running"
    # A stopped clock's state does not depend on the instant it is judged at.
    return "met" if state(case, clock, case.opened_at) == "met" else "breached"


def case_facts(case: Case) -> CaseFacts:
    """The facts of *case* (recomputed after every change of the case)."""
    return CaseFacts(
        case_id=case.id,
        opened_us=microseconds(case.opened_at),
        reason=case.reason,
        priority=case.priority.value,
        assignee=case.assignee,
        first_response=_outcome(case, "first_response"),
        first_response_due_us=_us(case.first_response_due),
        first_response_used_us=_us(used(case, "first_response")),
        resolution=_outcome(case, "resolution"),
        resolution_due_us=_us(case.resolution_due),
        resolution_used_us=_us(used(case, "resolution")),
        score=None if case.rating is None else case.rating.score,
    )


def judged(outcome: ClockOutcome | None, due_us: int | None, at_us: int) -> ClockState | None:
    """The state of a clock as :func:`crmkit.service.clocks.state` judges it at *at_us*."""
    if outcome != "running":
        return outcome
    return "breached" if due_us is not None and due_us < at_us else "pending"


@attrs.frozen
class GroupFigures:
    """The sums over the cases of one (reason, priority, assignee)."""

    reason: str
    priority: str
    assignee: str | None
    cases: int
    first_response: Mapping[str, int]  # met / breached / pending
    resolution: Mapping[str, int]
    score_sum: int
    score_count: int


@attrs.frozen
class ServiceFigures:
    """What a backend sums for :func:`crmkit.service.service_report`: the groups of the
    cases opened in ``[since, until)``, the cases per reason of the period as long just
    before, and the medians of the business time used by the stopped clocks."""

    groups: tuple[GroupFigures, ...]
    previous: Mapping[str, int]
    median_first_response: timedelta | None
    median_resolution: timedelta | None


def median_us(values: Iterable[int | None]) -> timedelta | None:
    """The median of the known values (microseconds), the mean of the middle two for an
    even count, as a duration; ``None`` for none."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return None
    mid = len(known) // 2
    if len(known) % 2:
        return known[mid] * _US
    return middle(known[mid - 1], known[mid])


def middle(lower: int, upper: int) -> timedelta:
    """The mean of two middle values, rounded as ``timedelta`` rounds (SQL backends fetch
    the two values and call this, so they round alike)."""
    return (lower * _US + upper * _US) / 2


def in_order(groups: Iterable[GroupFigures]) -> tuple[GroupFigures, ...]:
    """The groups by reason, priority and assignee, as every backend lists them."""
    return tuple(sorted(groups, key=lambda g: (g.reason, g.priority, g.assignee or "")))


def _key(facts: CaseFacts) -> tuple[str, str, str | None]:
    return facts.reason, facts.priority, facts.assignee


def figures_of(
    facts: Iterable[CaseFacts], *, since: datetime, until: datetime, at: datetime
) -> ServiceFigures:
    """The figures of the *facts* (any period; those needed are picked) at *at*."""
    lo, hi, now = microseconds(since), microseconds(until), microseconds(at)
    before = lo - (hi - lo)
    current: list[CaseFacts] = []
    previous: Counter[str] = Counter()
    for f in facts:
        if lo <= f.opened_us < hi:
            current.append(f)
        elif before <= f.opened_us < lo:
            previous[f.reason] += 1
    groups: dict[tuple[str, str, str | None], list[CaseFacts]] = {}
    for f in current:
        groups.setdefault(_key(f), []).append(f)
    out = []
    for (reason, priority, assignee), members in groups.items():
        scores = [f.score for f in members if f.score is not None]
        first = Counter(judged(f.first_response, f.first_response_due_us, now) for f in members)
        second = Counter(judged(f.resolution, f.resolution_due_us, now) for f in members)
        out.append(
            GroupFigures(
                reason,
                priority,
                assignee,
                len(members),
                {s: first[s] for s in ("met", "breached", "pending")},
                {s: second[s] for s in ("met", "breached", "pending")},
                sum(scores),
                len(scores),
            )
        )
    return ServiceFigures(
        groups=in_order(out),
        previous=dict(sorted(previous.items())),
        median_first_response=median_us(f.first_response_used_us for f in current),
        median_resolution=median_us(f.resolution_used_us for f in current),
    )
