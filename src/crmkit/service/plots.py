"""SLA attainment as a picture: the share of first responses and resolutions on time, side by
side for each period (or each priority, team, ...). Needs matplotlib (``pip install
'crmkit[plot]'``) for the drawing only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crmkit._plotting import axes
from crmkit.errors import ValidationError
from crmkit.service.report import ServiceReport

__all__ = ["plot_sla_attainment", "sla_attainment"]

_CLOCKS = (("first response", "#4393c3"), ("resolution", "#2166ac"))


def sla_attainment(
    reports: Sequence[ServiceReport] | Mapping[str, ServiceReport],
) -> list[tuple[str, float | None, float | None]]:
    """``(label, first-response attainment, resolution attainment)`` per report: met / (met +
    breached), ``None`` while nothing was decided. A sequence is labelled by each report's
    first day, a mapping by its keys (e.g. a report per priority).

    >>> from datetime import UTC, datetime, timedelta
    >>> from crmkit.service import service_report
    >>> week = datetime(2026, 11, 2, tzinfo=UTC)
    >>> sla_attainment([service_report([], since=week, until=week + timedelta(days=7), at=week)])
    [('2026-11-02', None, None)]
    """
    if isinstance(reports, Mapping):
        labelled = list(reports.items())
    else:
        labelled = [(r.since.date().isoformat(), r) for r in reports]
    if not labelled:
        raise ValidationError("reports", reports, "at least one report to draw")
    return [(label, r.first_response.rate, r.resolution.rate) for label, r in labelled]


def plot_sla_attainment(
    reports: Sequence[ServiceReport] | Mapping[str, ServiceReport],
    *,
    target: float | None = None,
    ax: Any = None,
) -> Any:
    """Bars of :func:`sla_attainment`, first response beside resolution for each report,
    each marked with its percentage (a clock with nothing decided draws no bar), and a
    dashed line at *target* (a share, e.g. 0.9). Returns the matplotlib Axes."""
    if target is not None and not 0.0 <= target <= 1.0:
        raise ValidationError("target", target, "a share between 0 and 1, e.g. 0.9")
    rows = sla_attainment(reports)
    ax = axes(ax)
    for n, (clock, color) in enumerate(_CLOCKS):
        shift = -0.2 if n == 0 else 0.2
        drawn = [(x + shift, row[1 + n]) for x, row in enumerate(rows) if row[1 + n] is not None]
        bars = ax.bar(
            [x for x, _ in drawn], [rate for _, rate in drawn], 0.4, color=color, label=clock
        )
        ax.bar_label(bars, labels=[f"{rate:.0%}" for _, rate in drawn], fontsize=7)
    if target is not None:
        ax.axhline(target, color="grey", linestyle="--", label=f"target {target:.0%}")
    ax.set_xticks(range(len(rows)), [row[0] for row in rows])
    ax.set_ylim(0.0, 1.1)
    ax.set_ylabel("share on time (met / decided)")
    ax.set_title("SLA attainment")
    ax.legend(fontsize=8)
    return ax
