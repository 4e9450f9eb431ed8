"""Plain-text tables and optional DataFrames for the funnel's report values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from crmkit._frames import to_dataframe
from crmkit._types import Money

__all__ = ["cell", "percent", "render_table", "to_dataframe"]


def percent(value: float | None) -> str:
    """``0.4`` -> ``'40.0%'``; ``None`` (nothing to divide by) -> ``'-'``."""
    return "-" if value is None else f"{value:.1%}"


def _duration(value: timedelta) -> str:
    # Days with one decimal read better in a table than "3 days, 4:48:00".
    return f"{value.total_seconds() / 86400:.1f}d"


def cell(value: Any) -> str:
    """The text of one table cell."""
    if value is None:
        return "-"
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Money):
        return str(value)
    return str(value)


def _numeric(value: Any) -> bool:
    # Percentages and durations line up on the right like numbers do.
    if isinstance(value, str):
        return value == "-" or value.endswith("%")
    return value is None or isinstance(value, int | float | Decimal | timedelta | Money)


def render_table(title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """*title* over a fixed-width table of *columns* taken from *rows* (numbers right-aligned).

    >>> print(render_table("T", [{"a": "x", "b": 1}, {"a": "yy", "b": 22}], ["a", "b"]))
    T
      a    b
      x    1
      yy  22
    """
    texts = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(t[i]) for t in texts]) for i, c in enumerate(columns)]
    numeric = [bool(rows) and all(_numeric(r.get(c)) for r in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return ("  " + "  ".join(parts)).rstrip()

    return "\n".join([title, line(list(columns)), *(line(t) for t in texts)])
