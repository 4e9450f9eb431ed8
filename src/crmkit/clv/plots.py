"""Pictures for notebooks, lifetimes' set: customers by repeat purchases (model vs actual),
the frequency/recency and P(alive) matrices, calibration against a holdout, one customer's
P(alive) over time, cumulative and incremental repeat purchases (model vs actual), retention.

The numbers come from plain functions (usable anywhere); drawing needs matplotlib, which
crmkit does not depend on: without it the ``plot_*`` functions raise ``ConfigurationError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from crmkit._plotting import axes
from crmkit.clv._shape import Scalars, as_list
from crmkit.clv._tracking import (
    cumulative_transactions,
    p_alive_history,
    period_transactions,
    purchase_offsets,
    unit_name,
)
from crmkit.clv.summary import RFMSummary
from crmkit.errors import ValidationError

__all__ = [
    "calibration_vs_holdout",
    "cumulative_transactions",
    "frequency_recency_matrix",
    "p_alive_history",
    "p_alive_matrix",
    "period_transactions",
    "plot_calibration_vs_holdout",
    "plot_frequency_recency_matrix",
    "plot_p_alive_history",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_retention",
    "plot_transactions",
]


class _RetentionModel(Protocol):
    def survival(self, t: Sequence[int]) -> list[float]: ...


class _AliveModel(Protocol):
    def p_alive(self, frequency: Scalars, recency: Scalars, T: Scalars) -> Scalars: ...

    def expected_purchases(
        self, t: float, frequency: Scalars, recency: Scalars, T: Scalars
    ) -> Scalars: ...


def _grid(
    cell: Callable[[float, float], float], *, max_frequency: int, T: float
) -> list[list[float]]:
    """``cell(frequency, recency)`` on the square grid of the matrices; impossible cells
    (recency 0 after repeat purchases, or recency without any) are NaN."""
    if max_frequency < 1:
        raise ValidationError("max_frequency", max_frequency, "at least 1")
    out = []
    for f in range(max_frequency + 1):
        cells = []
        for j in range(max_frequency + 1):
            recency = T * j / max_frequency
            if (f > 0 and recency == 0) or (f == 0 and recency > 0):
                cells.append(float("nan"))
            else:
                cells.append(cell(float(f), recency))
        out.append(cells)
    return out


def p_alive_matrix(fit: _AliveModel, *, max_frequency: int, T: float) -> list[list[float]]:
    """P(alive) for every (frequency, recency) on a grid, for customers of age ``T``.

    Row ``f`` is frequency f; column ``j`` is recency j * T / max_frequency (so the matrix is
    square). Recency 0 with frequency > 0 is impossible and left as NaN.

    >>> from crmkit.clv import BetaGeoFit
    >>> fit = BetaGeoFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> m = p_alive_matrix(fit, max_frequency=3, T=39.0)
    >>> round(m[3][3], 3) > round(m[3][1], 3)   # recent buyers are more likely alive
    True
    """
    return _grid(
        lambda f, rec: float(as_list(fit.p_alive(f, rec, T))[0]), max_frequency=max_frequency, T=T
    )


def frequency_recency_matrix(
    fit: _AliveModel, *, max_frequency: int, T: float, t: float = 1.0
) -> list[list[float]]:
    """Expected purchases in the next *t* time units on the grid of :func:`p_alive_matrix`.

    >>> from crmkit.clv import BetaGeoFit
    >>> fit = BetaGeoFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> m = frequency_recency_matrix(fit, max_frequency=4, T=39.0, t=10.0)
    >>> m[4][4] > m[1][4] > m[0][0] > m[4][1]   # frequent and recent buy most
    True
    """
    return _grid(
        lambda f, rec: float(as_list(fit.expected_purchases(t, f, rec, T))[0]),
        max_frequency=max_frequency,
        T=T,
    )


def calibration_vs_holdout(
    fit: _AliveModel, summary: RFMSummary, *, max_frequency: int = 7
) -> list[tuple[int, float, float, int]]:
    """Per calibration frequency: (frequency, mean actual holdout purchases, mean predicted,
    customers). The summary must come from ``rfm_summary(..., calibration_end=...)``."""
    if summary.frequency_holdout is None or summary.duration_holdout is None:
        raise ValidationError("summary", None, "needs a calibration/holdout split")
    rows = []
    predicted = as_list(
        fit.expected_purchases(
            summary.duration_holdout,
            list(summary.frequency),
            list(summary.recency),
            list(summary.T),
        )
    )
    for f in range(max_frequency + 1):
        idx = [
            i for i, x in enumerate(summary.frequency) if (x == f if f < max_frequency else x >= f)
        ]
        if not idx:
            continue
        actual = sum(summary.frequency_holdout[i] for i in idx) / len(idx)
        pred = sum(predicted[i] for i in idx) / len(idx)
        rows.append((f, actual, pred, len(idx)))
    return rows


def _heat_map(ax: Any, matrix: list[list[float]], *, T: float, max_frequency: int) -> Any:
    image = ax.imshow(matrix, origin="lower", aspect="auto")
    ax.set_xlabel(f"recency (x {T / max_frequency:.3g})")
    ax.set_ylabel("frequency (repeat purchases)")
    ax.figure.colorbar(image, ax=ax)
    return image


def plot_p_alive_matrix(fit: _AliveModel, *, max_frequency: int, T: float, ax: Any = None) -> Any:
    """A heat map of :func:`p_alive_matrix`; returns the matplotlib Axes."""
    ax = axes(ax)
    image = _heat_map(
        ax, p_alive_matrix(fit, max_frequency=max_frequency, T=T), T=T, max_frequency=max_frequency
    )
    image.set_clim(0.0, 1.0)
    ax.set_title(f"P(alive) of customers of age {T:g}")
    return ax


def plot_frequency_recency_matrix(
    fit: _AliveModel, *, max_frequency: int, T: float, t: float = 1.0, ax: Any = None
) -> Any:
    """A heat map of :func:`frequency_recency_matrix`; returns the matplotlib Axes."""
    matrix = frequency_recency_matrix(fit, max_frequency=max_frequency, T=T, t=t)
    ax = axes(ax)
    _heat_map(ax, matrix, T=T, max_frequency=max_frequency)
    ax.set_title(f"Expected purchases in the next {t:g}, customers of age {T:g}")
    return ax


def plot_period_transactions(
    fit: Any, summary: RFMSummary, *, max_frequency: int = 7, ax: Any = None
) -> Any:
    """Side-by-side bars of :func:`period_transactions`: customers by number of repeat
    purchases, actual and expected by the model (a fit with ``probability_of_purchases``,
    e.g. :class:`crmkit.clv.BetaGeoFit`); returns the Axes."""
    rows = period_transactions(fit, summary, max_frequency=max_frequency)
    ax = axes(ax)
    xs = [r[0] for r in rows]
    ax.bar([x - 0.2 for x in xs], [r[1] for r in rows], width=0.4, label="actual")
    ax.bar([x + 0.2 for x in xs], [r[2] for r in rows], width=0.4, label="model")
    ax.set_xticks(xs, [*(str(x) for x in xs[:-1]), f"{xs[-1]}+"])
    ax.set_xlabel("repeat purchases")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat purchases")
    ax.legend()
    return ax


def plot_calibration_vs_holdout(
    fit: _AliveModel, summary: RFMSummary, *, max_frequency: int = 7, ax: Any = None
) -> Any:
    """Actual vs predicted holdout purchases by calibration frequency; returns the Axes."""
    rows = calibration_vs_holdout(fit, summary, max_frequency=max_frequency)
    ax = axes(ax)
    xs: Sequence[int] = [r[0] for r in rows]
    ax.plot(xs, [r[1] for r in rows], marker="o", label="actual")
    ax.plot(xs, [r[2] for r in rows], marker="x", label="model")
    ax.set_xlabel("purchases in calibration period")
    ax.set_ylabel("mean purchases in holdout")
    ax.set_title("Calibration vs holdout purchases")
    ax.legend()
    return ax


def plot_p_alive_history(
    fit: _AliveModel,
    purchases: Sequence[datetime],
    *,
    until: datetime,
    unit: timedelta = timedelta(days=7),
    ax: Any = None,
) -> Any:
    """One customer's P(alive) over time (:func:`p_alive_history`), a dashed line at each
    purchase; returns the Axes."""
    rows = p_alive_history(fit, purchases, until=until, unit=unit)
    ax = axes(ax)
    ax.plot([r[0] for r in rows], [r[1] for r in rows], label="P(alive)")
    for n, offset in enumerate(purchase_offsets(purchases, until=until, unit=unit)):
        ax.axvline(offset, color="grey", linestyle="--", label="purchase" if n == 0 else None)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel(f"{unit_name(unit)} since the first purchase")
    ax.set_ylabel("P(alive)")
    ax.set_title("History of P(alive)")
    ax.legend()
    return ax


def plot_transactions(
    fit: Any,
    transactions: Iterable[Any],
    *,
    until: datetime,
    unit: timedelta = timedelta(days=7),
    incremental: bool = False,
    calibration_end: float | None = None,
    ax: Any = None,
) -> Any:
    """Repeat purchases of the base up to each period (or, *incremental*, in each period),
    actual and model (:func:`cumulative_transactions`), with a dashed line at
    *calibration_end* (in periods); returns the Axes."""
    rows = cumulative_transactions(fit, transactions, until=until, unit=unit)
    xs = [r[0] for r in rows]
    actual: Sequence[float] = [r[1] for r in rows]
    model: Sequence[float] = [r[2] for r in rows]
    if incremental:
        actual = [now - before for now, before in zip(actual, [0, *actual[:-1]], strict=True)]
        model = [now - before for now, before in zip(model, [0.0, *model[:-1]], strict=True)]
    ax = axes(ax)
    ax.plot(xs, actual, label="actual")
    ax.plot(xs, model, linestyle=":", label="model")
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle="--", label="calibration end")
    kind = "incremental" if incremental else "cumulative"
    ax.set_title(f"Tracking {kind} transactions")
    ax.set_ylabel("repeat purchases in the period" if incremental else f"{kind} repeat purchases")
    ax.set_xlabel(f"{unit_name(unit)} since the first purchase")
    ax.legend()
    return ax


def plot_retention(
    fit: _RetentionModel, observed: Sequence[int], *, periods: int = 0, ax: Any = None
) -> Any:
    """A cohort's observed survivors beside the model's curve, as shares of the cohort, up to
    ``periods`` (at least the periods observed); returns the Axes.

    ``observed`` are survivor counts from period 0, as given to
    :meth:`crmkit.clv.ShiftedBetaGeoModel.fit`, e.g. the fitted years plus a holdout.
    """
    if not observed or observed[0] <= 0:
        raise ValidationError("observed", observed, "survivor counts starting with the cohort")
    last = max(periods, len(observed) - 1)
    ax = axes(ax)
    shares = [n / observed[0] for n in observed]
    ax.plot(range(len(observed)), shares, marker="o", linestyle="none", label="observed")
    ax.plot(range(last + 1), fit.survival(range(last + 1)), label="sBG model")
    ax.set_xlabel("period")
    ax.set_ylabel("share of the cohort still active")
    ax.set_ylim(0.0, 1.05)
    ax.set_title("Retention: survival of the cohort")
    ax.legend()
    return ax
