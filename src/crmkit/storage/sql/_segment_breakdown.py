"""Breakdowns counted by the database: a segment's members grouped by a field's stored value.

The segment is compiled once (:func:`~crmkit.storage.sql._segment_sql.compile_segment`) and
each dimension is one ``GROUP BY`` over ``contacts c``: a field through its SQL home
(:func:`~crmkit.storage.sql._segment_values.source_for`, the organisation's fields through a
join), a segment as ``CASE WHEN`` its condition. Only the distinct stored values come back;
:func:`crmkit.segments.breakdown.assemble` folds and orders them exactly as it does the
in-memory counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crmkit.segments import FieldKind, Segment
from crmkit.storage.sql._segment_sql import compile_segment
from crmkit.storage.sql._segment_values import Frag, Source, source_for
from crmkit.storage.sql._session import SQLSession
from crmkit.value.rates import RatesTable

__all__ = ["sql_segment_value_counts"]

# The organisation of the contact, joined on the workspace too (a co-located join on Citus).
_ORG_JOIN = " LEFT JOIN organizations b ON b.workspace = c.workspace AND b.id = c.organization_id"


def _decode(db: SQLSession, src: Source, raw: Any) -> Any:
    if raw is None:
        return None
    if src.kind is FieldKind.DATE:
        return db.dialect.day_out(raw)
    if src.kind is FieldKind.DATETIME:
        return db.dialect.ts_out(raw)
    return src.value(raw)


def _field_counts(db: SQLSession, workspace: str, by: str, where: Frag) -> list[tuple[Any, int]]:
    src = source_for(db, workspace, by)
    expr, params = src.sql("c" if src.table == "contacts" else "b")
    join = "" if src.table == "contacts" else _ORG_JOIN
    rows = db.fetchall(
        f"SELECT {expr}, count(*) FROM contacts c{join} WHERE c.workspace = ? AND {where[0]}"
        " GROUP BY 1",
        [*params, workspace, *where[1]],
    )
    return [(_decode(db, src, raw), int(n)) for raw, n in rows]


def _flag_counts(db: SQLSession, workspace: str, flag: Frag, where: Frag) -> list[tuple[Any, int]]:
    rows = db.fetchall(
        f"SELECT CASE WHEN {flag[0]} THEN 1 ELSE 0 END, count(*) FROM contacts c"
        f" WHERE c.workspace = ? AND {where[0]} GROUP BY 1",
        [*flag[1], workspace, *where[1]],
    )
    return [(bool(inside), int(n)) for inside, n in rows]


def sql_segment_value_counts(
    db: SQLSession,
    workspace: str,
    segment: Segment,
    dimensions: Sequence[str | Segment],
    now: datetime,
    rates: RatesTable | None = None,
) -> list[list[tuple[Any, int]]]:
    """:meth:`crmkit.storage.protocols.SegmentValueCounts.segment_value_counts` in SQL."""
    where = compile_segment(db, workspace, segment, now, rates)
    out = []
    for by in dimensions:
        if isinstance(by, Segment):
            flag = compile_segment(db, workspace, by, now, rates)
            out.append(_flag_counts(db, workspace, flag, where))
        else:
            out.append(_field_counts(db, workspace, by, where))
    return out
