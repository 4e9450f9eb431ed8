"""Breakdowns: how a set of contacts splits by one field, with counts, shares and "other"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeAlias

import attrs

from crmkit._frames import to_dataframe
from crmkit.errors import InvalidSegmentError
from crmkit.segments._data import SegmentData
from crmkit.segments._evaluate import evaluate
from crmkit.segments._fields import field_kind, fold_text, read_field
from crmkit.segments._index import SegmentIndex
from crmkit.segments._nodes import Everyone, Segment

__all__ = [
    "Breakdown",
    "BreakdownRow",
    "Dimension",
    "assemble",
    "breakdown",
    "check_dimension",
    "check_top",
    "value_counts",
]


@attrs.frozen
class BreakdownRow:
    """One value of the field: ``value`` is None for contacts without it; the "other" row
    (``is_other``) gathers every value beyond the top N."""

    value: Any
    count: int
    share: float
    is_other: bool = False


@attrs.frozen
class Breakdown:
    """Counts and shares of ``total`` contacts by field ``by``, largest first."""

    by: str
    total: int
    rows: tuple[BreakdownRow, ...]

    def to_rows(self) -> list[dict[str, Any]]:
        """JSON-ready rows: ``{"value", "count", "share"}``; dates as ISO text."""
        return [
            {"value": _json(r.value), "count": r.count, "share": r.share, "other": r.is_other}
            for r in self.rows
        ]

    def to_dataframe(self) -> Any:
        """``value``, ``count``, ``share`` and ``other`` as a pandas DataFrame, largest
        first; values keep their type (pandas is optional: ``pip install 'crmkit[pandas]'``).
        """
        rows = [
            {"value": r.value, "count": r.count, "share": r.share, "other": r.is_other}
            for r in self.rows
        ]
        return to_dataframe(rows, columns=("value", "count", "share", "other"))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


#: What a breakdown splits by: a whitelisted field name, or a segment (members and the rest,
#: as ``True`` and ``False``).
Dimension: TypeAlias = "str | Segment"


def check_dimension(by: Any) -> None:
    """Refuse anything but a whitelisted field name or a :class:`Segment`."""
    if not isinstance(by, Segment):
        field_kind(by)


def check_top(top: Any) -> None:
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidSegmentError("top", top, "a positive number of rows")


def value_counts(
    data: SegmentIndex, by: Dimension, chosen: set[int], *, now: datetime
) -> list[tuple[Any, int]]:
    """``(stored value, contacts)`` of each value of *by* among the *chosen* positions: what
    a SQL backend's ``GROUP BY`` returns, in no particular order (:func:`assemble` orders)."""
    if isinstance(by, Segment):
        inside = len(chosen & evaluate(by, data, now=now))
        return [(flag, n) for flag, n in ((True, inside), (False, len(chosen) - inside)) if n]
    counts: dict[tuple[str, Any], list[Any]] = {}
    for i in chosen:
        raw = read_field(by, data.contacts[i], data.organizations)
        slot = counts.setdefault(_identity(raw), [raw, 0])
        slot[1] += 1
    return [(raw, n) for raw, n in counts.values()]


def _identity(raw: Any) -> tuple[str, Any]:
    # Equal but different values (1, 1.0 and True; 0.0 and -0.0) are told apart, and JSON
    # arrays/objects of custom fields are hashed by their text.
    return type(raw).__name__, repr(raw)


def _group_key(raw: Any) -> Any:
    if isinstance(raw, list | dict):
        return repr(raw)  # JSON arrays/objects in custom fields are grouped by their text
    return fold_text(raw) if isinstance(raw, str) else raw


def assemble(
    by: str, counts: Iterable[tuple[Any, int]], *, top: int | None, other_label: str = "other"
) -> Breakdown:
    """The :class:`Breakdown` of ``(stored value, contacts)`` pairs: text grouped after
    folding and shown in its most common spelling, largest first, beyond *top* summed into
    one "other" row. The pairs are put in one canonical order first, so the result does not
    depend on the order a backend returned them in."""
    ordered = sorted(counts, key=lambda item: _identity(item[0]))
    totals: Counter[Any] = Counter()
    spellings: dict[Any, Counter[Any]] = {}
    for raw, n in ordered:
        key = _group_key(raw)
        totals[key] += n
        spellings.setdefault(key, Counter())[
            repr(raw) if isinstance(raw, list | dict) else raw
        ] += n
    labelled = []
    for key, count in totals.items():
        forms = spellings[key]
        best = max(forms, key=lambda f: (forms[f], -len(str(f)), str(f)))
        labelled.append((None if key is None else best, count))
    labelled.sort(key=_sort_key)
    total = sum(totals.values())
    shown = labelled if top is None else labelled[:top]
    rows = [BreakdownRow(v, c, c / total) for v, c in shown]
    rest = sum(c for _, c in labelled[len(shown) :])
    if rest:
        rows.append(BreakdownRow(other_label, rest, rest / total, is_other=True))
    return Breakdown(by, total, tuple(rows))


def _sort_key(item: tuple[Any, int]) -> tuple[int, int, str]:
    label, count = item
    return (-count, label is None, "" if label is None else str(label))


def breakdown(
    data: SegmentData,
    by: str,
    *,
    now: datetime,
    segment: Segment | None = None,
    top: int | None = None,
    other_label: str = "other",
) -> Breakdown:
    """Split the contacts of *segment* (everyone by default) by field *by*.

    Text values are grouped after folding ("Tiranë" and "TIRANE" are one city) and shown in
    their most common spelling. With *top*, the rest are summed into one "other" row.

    >>> from crmkit.contacts import Contact
    >>> from datetime import UTC, datetime
    >>> data = SegmentData([Contact.new(city=c) for c in
    ...                     ["Tiranë", "TIRANË", "Durrës", "Vlorë", None]])
    >>> report = breakdown(data, "city", now=datetime.now(UTC), top=2)
    >>> [(r["value"], r["count"], r["share"]) for r in report.to_rows()]
    [('Tiranë', 2, 0.4), ('Durrës', 1, 0.2), ('other', 2, 0.4)]
    """
    field_kind(by)
    check_top(top)
    chosen = evaluate(Everyone() if segment is None else segment, data, now=now)
    return assemble(by, value_counts(data, by, chosen, now=now), top=top, other_label=other_label)
