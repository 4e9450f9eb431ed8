"""Profile leaves (field conditions, relative dates, anniversaries, tags) as SQL over ``c``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crmkit.segments import Anniversary, Condition, DateWindow, FieldKind, Op
from crmkit.segments.compiler import anniversary_days, fold_text, value_predicate
from crmkit.storage.sql._segment_behaviour import SQL_OPS, comparison
from crmkit.storage.sql._segment_values import (
    Frag,
    Source,
    by_code_point,
    member_of,
    source_for,
    when_org,
)
from crmkit.storage.sql._session import SQLSession

__all__ = ["Profile"]

_MONTH_DAY = {"sqlite": "substr({e}, 6, 5)", "postgresql": "to_char({e}, 'MM-DD')"}


def _folded(value: Any) -> Any:
    return fold_text(value) if isinstance(value, str) else value


_POSITION = {"sqlite": "instr({e}, ?)", "postgresql": "strpos({e}, ?)"}


def _twin_condition(db: SQLSession, twin: str, op: Op, value: Any) -> Frag:
    """A text condition on the folded twin of a column: the stored fold against the folded
    value, as the in-memory evaluator compares them (not for ``is_null``)."""
    if op is Op.IN:
        return member_of(db, (twin, []), [fold_text(v) for v in value])
    dialect = db.dialect.name
    e = by_code_point(db, twin)
    if op is Op.BETWEEN:
        return f"({e} BETWEEN ? AND ?)", [fold_text(value[0]), fold_text(value[1])]
    target = fold_text(value)
    if op is Op.CONTAINS:
        return f"({_POSITION[dialect].format(e=twin)} > 0)", [target]
    if op is Op.STARTSWITH:  # substr counts characters on both engines, as len() does
        return f"(substr({twin}, 1, ?) = ?)", [len(target), target]
    return f"({e} {SQL_OPS[op]} ?)", [target]


class Profile:
    """Compiles profile leaves for one evaluation (one workspace, one ``now``)."""

    def __init__(self, db: SQLSession, workspace: str, now: datetime) -> None:
        self.db = db
        self.ws = workspace
        self.now = now

    def _source(self, name: str) -> Source:
        return source_for(self.db, self.ws, name)

    def condition(self, node: Condition) -> Frag:
        src = self._source(node.field)
        if src.kind in (FieldKind.DATE, FieldKind.DATETIME):
            return when_org(src, self._native(src, node.op, node.value), self.ws)
        expr = (src.expr, list(src.params))
        distinct = None if src.decode is None and src.known is None else src.distinct
        if node.op is Op.IS_NULL:
            if distinct is None:  # a plain column: present means not NULL
                present: Frag = (f"({src.expr} IS NOT NULL)", [])
            else:  # a JSON null reads back as missing, like an absent key
                values = [r for r in distinct(self.db, self.ws) if src.value(r) is not None]
                present = member_of(self.db, expr, values)
            frag = when_org(src, present, self.ws)
            return (f"(NOT COALESCE({frag[0]}, 1 = 0))", frag[1]) if node.value else frag
        if src.folded is not None:
            return when_org(src, _twin_condition(self.db, src.folded, node.op, node.value), self.ws)
        # Custom and derived values: the evaluator's own predicate decides each stored value.
        pred = value_predicate(node.op, node.value)
        matching = [
            raw
            for raw in src.distinct(self.db, self.ws)
            if (v := _folded(src.value(raw))) is not None and pred(v)
        ]
        return when_org(src, member_of(self.db, expr, matching), self.ws)

    def _conv(self, src: Source) -> Any:
        return self.db.dialect.day if src.kind is FieldKind.DATE else self.db.dialect.ts

    def _native(self, src: Source, op: Op, value: Any) -> Frag:
        e = src.expr
        if op is Op.IS_NULL:
            return (f"({e} IS NULL)" if value else f"({e} IS NOT NULL)"), []
        conv = self._conv(src)
        if op is Op.IN:
            return member_of(self.db, (e, []), [conv(v) for v in value])
        sql, params = comparison(op, value, conv)
        return f"({e} {sql})", params

    def date_window(self, node: DateWindow) -> Frag:
        src = self._source(node.field)
        base: date | datetime = self.now.date() if src.kind is FieldKind.DATE else self.now
        conv = self._conv(src)
        parts, params = [], []
        if node.from_days is not None:
            parts.append(f"{src.expr} >= ?")
            params.append(conv(base + timedelta(days=node.from_days)))
        if node.to_days is not None:
            parts.append(f"{src.expr} <= ?")
            params.append(conv(base + timedelta(days=node.to_days)))
        return when_org(src, (f"({' AND '.join(parts)})", params), self.ws)

    def anniversary(self, node: Anniversary) -> Frag:
        src = self._source(node.field)
        days = anniversary_days(self.now.date(), node.days)
        month_day = _MONTH_DAY[self.db.dialect.name].format(e=src.expr)
        values = sorted(f"{m:02d}-{d:02d}" for m, d in days)
        return when_org(src, member_of(self.db, (month_day, []), values), self.ws)

    def tag(self, name: str) -> Frag:
        return (
            "(c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.workspace = ?"
            " AND t.tag = ?))",
            [self.ws, name],
        )
