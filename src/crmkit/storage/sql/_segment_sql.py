"""Segments compiled to one parameterised query over ``contacts c``.

Every leaf becomes a condition that is true, false, or NULL only where the in-memory evaluator
says false (a missing value, a contact without events); ``~`` reads NULL as false before
negating, so the two-valued logic of :mod:`crmkit.segments._nodes` holds. For AND/OR trees
that is exact: they are monotone, so a NULL leaf that could change the outcome yields NULL,
which the WHERE clause (or the next ``~``) reads as false, as the evaluator would.

Leaves are ordered cheap first inside ``&``: SQLite evaluates the terms in order and stops at
the first false one, so correlated behaviour subqueries run only for the contacts left.
Python-side work (distinct custom values, RFM scores, exact SQLite totals) happens while
compiling, before the query runs, so errors do not depend on which branch SQL skips.
"""

from __future__ import annotations

from datetime import datetime

from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, InvalidSegmentError
from crmkit.segments._evaluate import named_lists
from crmkit.segments._nodes import (
    And,
    Anniversary,
    Condition,
    DateWindow,
    Everyone,
    HasOpenDeal,
    HasTag,
    InList,
    InteractionMetric,
    Not,
    Or,
    PurchaseMetric,
    RFMGroupIn,
    RFMScore,
    Segment,
)
from crmkit.storage.sql._rows import CONTACT_COLUMNS, contact_from_row
from crmkit.storage.sql._segment_behaviour import Behaviour
from crmkit.storage.sql._segment_lists import check_lists, list_membership
from crmkit.storage.sql._segment_profile import Profile
from crmkit.storage.sql._segment_values import Frag
from crmkit.storage.sql._session import SQLSession

__all__ = ["compile_segment", "sql_segment_count", "sql_segment_members"]

_COLS = ", ".join("c." + c for c in CONTACT_COLUMNS)


def _cost(seg: Segment) -> int:
    # Index probes first, then per-row comparisons, then per-contact subqueries.
    if isinstance(seg, HasTag | InList | RFMGroupIn | RFMScore | Everyone):
        return 0
    if isinstance(seg, Condition | DateWindow | Anniversary):
        return 1
    if isinstance(seg, HasOpenDeal):
        return 2
    if isinstance(seg, InteractionMetric | PurchaseMetric):
        return 3
    return 4


class _Compiler:
    def __init__(self, db: SQLSession, workspace: str, now: datetime) -> None:
        self.db = db
        self.ws = workspace
        self.profile = Profile(db, workspace, now)
        self.behaviour = Behaviour(db, workspace, now)

    def run(self, seg: Segment) -> Frag:
        match seg:
            case Everyone():
                return "(1 = 1)", []
            case Condition():
                return self.profile.condition(seg)
            case DateWindow():
                return self.profile.date_window(seg)
            case Anniversary():
                return self.profile.anniversary(seg)
            case HasTag(name):
                return self.profile.tag(name)
            case InList(name):
                return list_membership(self.db, self.ws, name)
            case InteractionMetric():
                return self.behaviour.interactions(seg)
            case PurchaseMetric():
                return self.behaviour.purchases(seg)
            case HasOpenDeal():
                return self.behaviour.open_deal(seg)
            case RFMGroupIn() | RFMScore():
                return self.behaviour.rfm(seg)
            case Not(child):
                sql, params = self.run(child)
                return f"(NOT COALESCE({sql}, 1 = 0))", params
            case And(children) | Or(children):
                joiner = " AND " if isinstance(seg, And) else " OR "
                parts = [self.run(k) for k in sorted(children, key=_cost)]
                return (
                    "(" + joiner.join(p[0] for p in parts) + ")",
                    [x for p in parts for x in p[1]],
                )
        raise InvalidSegmentError("segment", seg, "not a segment node")


def compile_segment(db: SQLSession, workspace: str, segment: Segment, now: datetime) -> Frag:
    """The WHERE condition (over ``contacts c``) selecting *segment*'s members at *now*.

    It may read the database while compiling (distinct values, purchases for RFM), so
    compile and run it in the same unit of work.
    """
    if not isinstance(segment, Segment):
        raise InvalidSegmentError("segment", segment, "expected a Segment")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidDatetimeError("now", now, "expected a timezone-aware datetime")
    check_lists(db, workspace, named_lists(segment))  # before any other error, as in memory
    return _Compiler(db, workspace, now).run(segment)


def sql_segment_members(
    db: SQLSession, workspace: str, segment: Segment, now: datetime
) -> list[Contact]:
    """The members, in contact id order (the order of ``contacts.iter_all``)."""
    where, params = compile_segment(db, workspace, segment, now)
    rows = db.fetchall(
        f"SELECT {_COLS} FROM contacts c WHERE c.workspace = ? AND {where} ORDER BY c.id",
        [workspace, *params],
    )
    return [contact_from_row(r, db.dialect) for r in rows]


def sql_segment_count(db: SQLSession, workspace: str, segment: Segment, now: datetime) -> int:
    where, params = compile_segment(db, workspace, segment, now)
    row = db.fetchone(
        f"SELECT count(*) FROM contacts c WHERE c.workspace = ? AND {where}", [workspace, *params]
    )
    return int(row[0]) if row else 0
