"""The pure service report (crmkit.service.service_report)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.service import Case, service_report
from crmkit.service.transitions import rate, resolve, respond

from ._cases import HOUR, MONDAY, new_case

WEEK = timedelta(days=7)


def _cases() -> list[Case]:
    answered = respond(new_case(reason="billing", assignee="ewa"), at=MONDAY + HOUR)
    done = rate(resolve(answered, at=MONDAY + 3 * HOUR), score=5, at=MONDAY + 3 * HOUR)
    late = new_case(reason="billing", priority="urgent")  # never answered
    plain = attrs.evolve(
        new_case(reason="complaint"), sla=None, first_response_due=None, resolution_due=None
    )
    before = new_case(at=MONDAY - WEEK, reason="complaint")
    before2 = new_case(at=MONDAY - WEEK + HOUR, reason="complaint")
    return [done, late, plain, before, before2]


def test_counts_attainment_csat_and_medians() -> None:
    report = service_report(_cases(), since=MONDAY, until=MONDAY + WEEK, at=MONDAY + 5 * HOUR)
    assert report.cases == 3
    assert dict(report.by_reason) == {"billing": 2, "complaint": 1}
    assert dict(report.by_priority) == {"normal": 2, "urgent": 1}
    assert dict(report.by_assignee) == {None: 2, "ewa": 1}
    fr, res = report.first_response, report.resolution
    assert (fr.met, fr.breached, fr.pending, fr.rate) == (1, 1, 0, 0.5)  # no policy: not counted
    assert (res.met, res.breached, res.pending, res.rate) == (1, 0, 1, 1.0)
    assert (report.csat_average, report.csat_count) == (5.0, 1)
    assert (report.median_first_response, report.median_resolution) == (HOUR, 3 * HOUR)


def test_reasons_are_compared_with_the_period_before() -> None:
    report = service_report(_cases(), since=MONDAY, until=MONDAY + WEEK, at=MONDAY)
    assert [(t.reason, t.current, t.previous, t.change) for t in report.reasons] == [
        ("billing", 2, 0, 2),
        ("complaint", 1, 2, -1),
    ]
    assert [t.reason for t in report.growing] == ["billing"]


def test_rows_tables_and_text() -> None:
    report = service_report(_cases(), since=MONDAY, until=MONDAY + WEEK, at=MONDAY)
    assert report.to_rows("sla")[0] == {
        "clock": "first_response",
        "met": 1,
        "breached": 0,
        "pending": 1,
        "attainment": 1.0,
        "median": HOUR,
    }
    assert report.to_rows("assignees")[1] == {"assignee": "ewa", "cases": 1}
    assert report.to_rows("priorities")[0] == {"priority": "normal", "cases": 2}
    with pytest.raises(ValidationError):
        report.to_rows("nope")  # type: ignore[arg-type]
    assert str(report).splitlines()[0] == (
        "Service 2026-11-02 to 2026-11-09: 3 cases, first response 100.0% on time, "
        "resolution 100.0%, CSAT 5.00 (1)"
    )


def test_to_dataframe() -> None:
    pytest.importorskip("pandas")
    frame = service_report(_cases(), since=MONDAY, until=MONDAY + WEEK, at=MONDAY).to_dataframe()
    assert list(frame.columns) == ["reason", "cases", "previous", "change"]


def test_an_empty_or_reversed_period_is_refused() -> None:
    with pytest.raises(InvalidDatetimeError):
        service_report([], since=MONDAY, until=MONDAY, at=MONDAY)
