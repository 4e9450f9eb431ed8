"""The SLA attainment chart: drawn with Agg, its bars checked against the reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from crmkit.errors import ValidationError
from crmkit.service import Case, service_report
from crmkit.service.plots import plot_sla_attainment, sla_attainment
from crmkit.service.transitions import resolve, respond

from ._cases import HOUR, MONDAY, new_case

WEEK = timedelta(days=7)


def _week_of(start: Any, *, on_time: int, late: int) -> list[Case]:
    # Answered within the hour (met), or never answered (breached by the end of the week).
    answered = [
        resolve(respond(new_case(at=start), at=start + HOUR), at=start + 2 * HOUR)
        for _ in range(on_time)
    ]
    return answered + [new_case(at=start) for _ in range(late)]


def _weeks() -> list[Any]:
    cases = [
        *_week_of(MONDAY, on_time=3, late=1),
        *_week_of(MONDAY + WEEK, on_time=1, late=1),
    ]
    at = MONDAY + 3 * WEEK
    return [
        service_report(cases, since=MONDAY + n * WEEK, until=MONDAY + (n + 1) * WEEK, at=at)
        for n in range(3)
    ]


def test_attainment_per_week_is_met_over_decided() -> None:
    assert sla_attainment(_weeks()) == [
        ("2026-11-02", 0.75, 0.75),
        ("2026-11-09", 0.5, 0.5),
        ("2026-11-16", None, None),  # no cases: nothing decided
    ]


def test_a_mapping_is_labelled_by_its_keys() -> None:
    first, second, _ = _weeks()
    assert sla_attainment({"urgent": first, "normal": second}) == [
        ("urgent", 0.75, 0.75),
        ("normal", 0.5, 0.5),
    ]


def test_nothing_to_draw_or_a_target_outside_zero_to_one_is_refused(pyplot: Any) -> None:
    with pytest.raises(ValidationError, match="reports"):
        sla_attainment([])
    with pytest.raises(ValidationError, match="target"):
        plot_sla_attainment(_weeks(), target=90)


def test_plot_draws_both_clocks_per_week_with_their_percentages(pyplot: Any) -> None:
    ax = plot_sla_attainment(_weeks(), target=0.9)
    bars = ax.patches
    # Two weeks with decided clocks, two clocks each; the empty week draws no bar.
    assert [(round(b.get_x() + b.get_width() / 2, 1), b.get_height()) for b in bars] == [
        (-0.2, 0.75),
        (0.8, 0.5),
        (0.2, 0.75),
        (1.2, 0.5),
    ]
    assert [t.get_text() for t in ax.texts] == ["75%", "50%", "75%", "50%"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
    ]
    (target,) = ax.get_lines()
    assert list(target.get_ydata()) == [0.9, 0.9]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["target 90%", "first response", "resolution"]
    assert (ax.get_title(), ax.get_ylabel()) == ("SLA attainment", "share on time (met / decided)")
