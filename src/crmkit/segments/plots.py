"""RFM as a picture: buyers on a grid of recency score by frequency score, each cell named by
its group. Needs matplotlib (``pip install 'crmkit[plot]'``) for the drawing only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crmkit._plotting import axes
from crmkit.segments.rfm import RFMScores, rfm_group_of

__all__ = ["plot_rfm_grid", "rfm_grid"]

SCORES = range(1, 6)


def rfm_grid(scores: Mapping[str, RFMScores]) -> list[list[int]]:
    """How many buyers have each (recency, frequency) score: row ``r - 1`` is recency
    score *r*, column ``f - 1`` frequency score *f* (scores run 1 to 5, 5 best).

    >>> from datetime import UTC, datetime
    >>> from crmkit import Money
    >>> from crmkit.segments import rfm_scores
    >>> now = datetime(2026, 6, 1, tzinfo=UTC)
    >>> buys = [("a", datetime(2026, 5, 30, tzinfo=UTC), Money(90, "EUR")),
    ...         ("b", datetime(2025, 6, 1, tzinfo=UTC), Money(10, "EUR"))]
    >>> grid = rfm_grid(rfm_scores(buys, now=now))
    >>> sum(map(sum, grid)), len(grid), len(grid[0])
    (2, 5, 5)
    """
    grid = [[0 for _ in SCORES] for _ in SCORES]
    for s in scores.values():
        grid[s.recency - 1][s.frequency - 1] += 1
    return grid


def plot_rfm_grid(scores: Mapping[str, RFMScores], *, ax: Any = None) -> Any:
    """A heat map of :func:`rfm_grid`, best recency on top, each cell showing its count and
    the RFM group it belongs to. Returns the matplotlib Axes.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from datetime import UTC, datetime
    >>> from crmkit import Money
    >>> from crmkit.segments import rfm_scores
    >>> now = datetime(2026, 6, 1, tzinfo=UTC)
    >>> buys = [(f"c{i}", datetime(2026, 1 + i % 5, 1, tzinfo=UTC), Money(10 * i, "EUR"))
    ...         for i in range(1, 40)]
    >>> ax = plot_rfm_grid(rfm_scores(buys, now=now))
    >>> ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
    ('RFM: 39 buyers', 'frequency score', 'recency score')
    >>> sum(int(t.get_text().split()[0]) for t in ax.texts)
    39
    """
    grid = rfm_grid(scores)
    ax = axes(ax)
    top_first = grid[::-1]  # recency 5 (most recent) on top
    image = ax.imshow(top_first, cmap="Blues", aspect="auto")
    for row, recency in enumerate(reversed(SCORES)):
        for col, frequency in enumerate(SCORES):
            count = top_first[row][col]
            group = rfm_group_of(recency, frequency).replace("_", " ")
            ax.text(col, row, f"{count}\n{group}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(5), [str(f) for f in SCORES])
    ax.set_yticks(range(5), [str(r) for r in reversed(SCORES)])
    ax.set_xlabel("frequency score")
    ax.set_ylabel("recency score")
    ax.set_title(f"RFM: {len(scores)} buyers")
    ax.figure.colorbar(image, ax=ax, label="buyers")
    return ax
