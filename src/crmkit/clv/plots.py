"""Pictures for notebooks: the P(alive) matrix, calibration against a holdout, retention.

The numbers come from plain functions (usable anywhere); drawing needs matplotlib, which
crmkit does not depend on: without it the ``plot_*`` functions raise ``ConfigurationError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from crmkit._plotting import axes
from crmkit.clv._shape import Scalars, as_list
from crmkit.clv.summary import RFMSummary
from crmkit.errors import ValidationError

__all__ = [
    "calibration_vs_holdout",
    "p_alive_matrix",
    "plot_calibration_vs_holdout",
    "plot_p_alive_matrix",
    "plot_retention",
]


class _RetentionModel(Protocol):
    def survival(self, t: Sequence[int]) -> list[float]: ...


class _AliveModel(Protocol):
    def p_alive(self, frequency: Scalars, recency: Scalars, T: Scalars) -> Scalars: ...

    def expected_purchases(
        self, t: float, frequency: Scalars, recency: Scalars, T: Scalars
    ) -> Scalars: ...


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
                cells.append(float(as_list(fit.p_alive(float(f), recency, T))[0]))
        out.append(cells)
    return out


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


def plot_p_alive_matrix(fit: _AliveModel, *, max_frequency: int, T: float) -> Any:
    """A heat map of :func:`p_alive_matrix`; returns the matplotlib Axes."""
    ax = axes()
    image = ax.imshow(
        p_alive_matrix(fit, max_frequency=max_frequency, T=T),
        origin="lower",
        vmin=0.0,
        vmax=1.0,
        aspect="auto",
    )
    ax.set_xlabel(f"recency (x {T / max_frequency:.3g})")
    ax.set_ylabel("frequency")
    ax.set_title("P(alive)")
    ax.figure.colorbar(image, ax=ax)
    return ax


def plot_calibration_vs_holdout(
    fit: _AliveModel, summary: RFMSummary, *, max_frequency: int = 7
) -> Any:
    """Actual vs predicted holdout purchases by calibration frequency; returns the Axes."""
    rows = calibration_vs_holdout(fit, summary, max_frequency=max_frequency)
    ax = axes()
    xs: Sequence[int] = [r[0] for r in rows]
    ax.plot(xs, [r[1] for r in rows], marker="o", label="actual")
    ax.plot(xs, [r[2] for r in rows], marker="x", label="model")
    ax.set_xlabel("purchases in calibration period")
    ax.set_ylabel("mean purchases in holdout")
    ax.legend()
    return ax


def plot_retention(fit: _RetentionModel, observed: Sequence[int], *, periods: int = 0) -> Any:
    """A cohort's observed survivors beside the model's curve, as shares of the cohort, up to
    ``periods`` (at least the periods observed); returns the Axes.

    ``observed`` are survivor counts from period 0, as given to
    :meth:`crmkit.clv.ShiftedBetaGeoModel.fit`, e.g. the fitted years plus a holdout.
    """
    if not observed or observed[0] <= 0:
        raise ValidationError("observed", observed, "survivor counts starting with the cohort")
    last = max(periods, len(observed) - 1)
    ax = axes()
    shares = [n / observed[0] for n in observed]
    ax.plot(range(len(observed)), shares, marker="o", linestyle="none", label="observed")
    ax.plot(range(last + 1), fit.survival(range(last + 1)), label="sBG model")
    ax.set_xlabel("period")
    ax.set_ylabel("share of the cohort still active")
    ax.set_ylim(0.0, 1.05)
    ax.set_title("Retention: survival of the cohort")
    ax.legend()
    return ax
