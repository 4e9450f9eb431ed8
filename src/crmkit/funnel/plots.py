"""The funnel as a picture: how many deals entered each stage, how many went on, and how long
they stayed. Needs matplotlib (``pip install 'crmkit[plot]'``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crmkit._plotting import axes
from crmkit.funnel.report import FunnelReport

__all__ = ["plot_funnel", "stage_label"]


def stage_label(entered: int, conversion: float | None, median: timedelta | None) -> str:
    """The note beside a stage's bar: deals in, share that went on, median stay in days.

    >>> stage_label(120, 0.5, timedelta(days=3, hours=12))
    '120 · 50% on · median 3.5 d'
    >>> stage_label(0, None, None)
    '0'
    """
    parts = [f"{entered}"]
    if conversion is not None:
        parts.append(f"{conversion:.0%} on")
    if median is not None:
        parts.append(f"median {median / timedelta(days=1):.1f} d")
    return " · ".join(parts)


def plot_funnel(report: FunnelReport, *, ax: Any = None) -> Any:
    """Horizontal bars, first stage on top: deals that entered each stage, with the part that
    moved on (or was won) drawn darker, and a note of the conversion and median time in
    stage. Returns the matplotlib Axes (a new figure's unless *ax* is given).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> sales = crm.pipelines.create("Sales", stages=["New", "Proposal"])
    >>> from crmkit import Money
    >>> besa = crm.contacts.create(name="Besa")
    >>> deals = [
    ...     crm.deals.create(
    ...         pipeline_id=sales.id, title=t, value=Money(100, "EUR"), contact_id=besa.id
    ...     )
    ...     for t in "AB"
    ... ]
    >>> _ = crm.deals.move(deals[0].id, "Proposal")
    >>> ax = plot_funnel(crm.funnel(sales.id))
    >>> ax.get_title(), [t.get_text() for t in ax.get_yticklabels()]
    ('Funnel: Sales', ['New', 'Proposal'])
    >>> new, proposal = ax.patches[:2]  # the "entered" bars, in stage order
    >>> float(new.get_width()), float(proposal.get_width()), bool(new.get_y() > proposal.get_y())
    (2.0, 1.0, True)
    """
    ax = axes(ax)
    names = [s.name for s in report.stages]
    rows = list(range(len(names)))[::-1]  # first stage on top
    entered = [s.entered for s in report.stages]
    went_on = [s.moved_on for s in report.stages]
    ax.barh(rows, entered, color="#c6dbef", label="entered")
    ax.barh(rows, went_on, color="#3182bd", label="moved on or won")
    for row, stage in zip(rows, report.stages, strict=True):
        note = stage_label(stage.entered, stage.conversion_rate, stage.median_time_in_stage)
        ax.text(stage.entered, row, f"  {note}", va="center", fontsize=8)
    ax.set_yticks(rows, names)
    ax.set_xlabel("deals")
    ax.set_title(f"Funnel: {report.name}")
    ax.legend(loc="lower right", fontsize=8)
    return ax
