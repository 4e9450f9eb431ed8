"""Contract: the service report's sums (``uow.case_facts``) equal the in-memory definition."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.crm import CRM
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError
from crmkit.service import Case, SlaPolicy, WorkingHours, service_report
from crmkit.service import transitions as moves
from crmkit.service.facts import case_facts, figures_of
from crmkit.service.reasons import DEFAULT_REASONS
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["ServiceReportContract"]

_MINUTE = timedelta(minutes=1)
_POLICIES = (
    None,
    SlaPolicy.new(
        "Desk",
        first_response=timedelta(hours=4),
        resolution=timedelta(hours=16),
        hours=WorkingHours(time(9), time(17)),
        timezone="Europe/Warsaw",
        holidays=[date(2026, 5, 1), date(2026, 5, 3)],
        at=T0,
    ),
    SlaPolicy.new(
        "Always",
        first_response=timedelta(minutes=90),
        resolution=timedelta(hours=7, seconds=1, microseconds=3),
        hours=WorkingHours.always(),
        timezone="UTC",
        at=T0,
    ),
)
# respond and resolve twice as often: most cases in the examples should stop their clocks.
_STEPS = (
    *("respond", "respond", "waiting_on_customer", "open"),
    *("resolve", "resolve", "reopen", "close", "rate"),
)


def _step(case: Case, step: str, at: datetime, score: int) -> Case:
    if step == "respond":
        return moves.respond(case, at=at, by="ewa")
    if step == "resolve":
        return moves.resolve(case, at=at)
    if step == "reopen":
        return moves.reopen(case, at=at)
    if step == "close":
        return moves.close(case, at=at)
    if step == "rate":
        return moves.rate(case, score=score, at=at)
    return moves.set_status(case, step, at=at)


@st.composite
def case_histories(draw: st.DrawFn) -> list[Case]:
    """Every version of one case, oldest first, from a random opening and random moves."""
    opened = T0 + draw(st.integers(0, 10 * 24 * 60)) * _MINUTE
    case = moves.open_case(
        "c-1",
        subject="Router",
        reason=draw(st.sampled_from(DEFAULT_REASONS[:4])),
        reasons=DEFAULT_REASONS,
        at=opened,
        sla=draw(st.sampled_from(_POLICIES)),
        priority=draw(st.sampled_from(["low", "normal", "urgent"])),
        assignee=draw(st.sampled_from([None, "ewa", "jan"])),
    )
    versions = [case]
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(_STEPS),
                st.integers(0, 24 * 60 * 60),
                st.integers(1, 5),
            ),
            min_size=1,
            max_size=6,
        )
    )
    at = opened
    for step, seconds, score in steps:
        at += timedelta(seconds=seconds)
        try:
            versions.append(_step(versions[-1], step, at, score))
        except (InvalidTransitionError, InvalidDatetimeError):
            continue
    return versions


@st.composite
def periods(draw: st.DrawFn) -> tuple[datetime, datetime, datetime]:
    since = T0 + draw(st.integers(-24 * 60, 8 * 24 * 60)) * _MINUTE
    until = since + draw(st.integers(1, 12 * 24 * 60)) * _MINUTE
    at = T0 + draw(st.integers(0, 14 * 24 * 60)) * _MINUTE
    return since, until, at


class ServiceReportContract(ContractBase):
    def test_stored_facts_sum_to_the_in_memory_figures(self, storage: Storage) -> None:
        # One fresh workspace per example; every version of a case is put in turn, so the
        # backend's replace is exercised as well as its sums.
        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            histories=st.lists(case_histories(), max_size=10),
            period=periods(),
        )
        def agree(histories: list[list[Case]], period: tuple[datetime, datetime, datetime]) -> None:
            since, until, at = period
            workspace = f"report-{uuid.uuid4().hex[:8]}"
            latest = []
            with storage.unit_of_work(workspace) as uow:
                for versions in histories:  # each case has an id of its own (new_id)
                    for version in versions:
                        uow.case_facts.put(case_facts(version))
                    latest.append(versions[-1])
                uow.commit()
            expected = figures_of(map(case_facts, latest), since=since, until=until, at=at)
            with storage.unit_of_work(workspace, read_only=True) as uow:
                assert uow.case_facts.figures(since=since, until=until, at=at) == expected

        agree()

    def test_the_report_equals_the_report_over_the_cases(self, crm: CRM) -> None:
        desk = WorkingHours(time(9), time(17))
        crm.sla.create(
            "Standard",
            first_response=timedelta(hours=2),
            resolution=timedelta(hours=6),
            hours=desk,
            timezone="Europe/Warsaw",
        )
        people = [crm.contacts.create(name=f"Person {i}") for i in range(3)]
        cases = []
        for i in range(12):
            opened = T0 + timedelta(hours=7 * i)
            case = crm.cases.open(
                people[i % 3].id,
                subject="Invoice",
                reason=DEFAULT_REASONS[i % 3],
                priority=("low", "high")[i % 2],
                opened_at=opened,
                assignee=(None, "ewa", "jan")[i % 3],
            )
            if i % 4 != 3:
                case = crm.cases.respond(case.id, by="ewa", at=opened + timedelta(hours=i % 5))
            if i % 3 == 0:
                case = crm.cases.resolve(case.id, at=opened + timedelta(hours=9))
                case = crm.cases.rate(case.id, score=1 + i % 5, at=opened + timedelta(hours=10))
            cases.append(case)
        period: dict[str, Any] = {
            "since": T0 + timedelta(days=1),
            "until": T0 + timedelta(days=3),
            "at": T0 + timedelta(days=2),
        }
        assert crm.service_report(**period) == service_report(cases, **period)
