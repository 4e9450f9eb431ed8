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
from crmkit.segments import (
    And,
    Anniversary,
    Bought,
    Condition,
    DateWindow,
    Everyone,
    HasCase,
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
from crmkit.segments.compiler import Compiler, named_lists
from crmkit.storage.sql._rows import CONTACT_COLUMNS, contact_from_row
from crmkit.storage.sql._segment_behaviour import Behaviour
from crmkit.storage.sql._segment_bought import bought
from crmkit.storage.sql._segment_lists import check_lists, list_membership
from crmkit.storage.sql._segment_profile import Profile
from crmkit.storage.sql._segment_values import Frag
from crmkit.storage.sql._session import Row, SQLSession
from crmkit.value.rates import RatesTable

__all__ = [
    "SQL_COMPILER",
    "SQLScope",
    "compile_segment",
    "sql_segment_count",
    "sql_segment_member_ids",
    "sql_segment_members",
]

_COLS = ", ".join("c." + c for c in CONTACT_COLUMNS)


class SQLScope:
    """What a SQL handler gets besides its node: the session (``db``; ``dialect`` names its
    engine, "sqlite" or "postgresql"), the ``workspace`` and ``now``. A handler returns
    ``(sql, params)``: a condition over the contact row ``c`` (``c.id``, ``c.workspace``,
    ``c.name`` ...) with a ``?`` for each parameter, in order; values travel only as
    parameters. It is false, or NULL, where the in-memory handler leaves a contact out.
    Boolean handlers compile children with :meth:`compile`."""

    __slots__ = ("_behaviour", "_profile", "db", "now", "workspace")

    def __init__(
        self, db: SQLSession, workspace: str, now: datetime, rates: RatesTable | None = None
    ) -> None:
        self.db = db
        self.workspace = workspace
        self.now = now
        self._profile = Profile(db, workspace, now)
        self._behaviour = Behaviour(db, workspace, now, rates)

    @property
    def dialect(self) -> str:
        return self.db.dialect.name

    def compile(self, segment: Segment) -> Frag:
        """The condition selecting *segment*'s members, by this scope's handlers."""
        return SQL_COMPILER.compile(segment, self)


#: The SQL compiler of the SQLite and PostgreSQL backends: handlers return ``(sql, params)``.
SQL_COMPILER: Compiler[SQLScope, Frag] = Compiler("sql", default_cost=4)


def _not(node: Not, scope: SQLScope) -> Frag:
    sql, params = scope.compile(node.child)
    return f"(NOT COALESCE({sql}, 1 = 0))", params


def _join(joiner: str, children: tuple[Segment, ...], scope: SQLScope) -> Frag:
    parts = [scope.compile(k) for k in sorted(children, key=SQL_COMPILER.cost)]
    return _balanced(joiner, [p[0] for p in parts]), [x for p in parts for x in p[1]]


def _balanced(joiner: str, terms: list[str]) -> str:
    """The terms joined in nested halves: SQLite parses ``a OR b OR c ...`` into a tree as
    deep as the terms are many and refuses one over 1,000 deep (a list of a thousand tags);
    halves keep it logarithmic, in the same order, so AND still tries the cheap terms first."""
    if len(terms) <= 16:
        return "(" + joiner.join(terms) + ")"
    half = len(terms) // 2
    return "(" + _balanced(joiner, terms[:half]) + joiner + _balanced(joiner, terms[half:]) + ")"


# Costs order the terms of an AND: SQLite evaluates them in order and stops at the first
# false one. Index probes first, then per-row comparisons, then per-contact subqueries.
_register = SQL_COMPILER.register
_register(Everyone, lambda node, scope: ("(1 = 1)", []), cost=0)
_register(HasTag, lambda node, scope: scope._profile.tag(node.tag), cost=0)
_register(
    InList, lambda node, scope: list_membership(scope.db, scope.workspace, node.list_name), cost=0
)
_register(RFMGroupIn, lambda node, scope: scope._behaviour.rfm(node), cost=0)
_register(RFMScore, lambda node, scope: scope._behaviour.rfm(node), cost=0)
_register(Condition, lambda node, scope: scope._profile.condition(node), cost=1)
_register(DateWindow, lambda node, scope: scope._profile.date_window(node), cost=1)
_register(Anniversary, lambda node, scope: scope._profile.anniversary(node), cost=1)
_register(HasOpenDeal, lambda node, scope: scope._behaviour.open_deal(node), cost=2)
_register(HasCase, lambda node, scope: scope._behaviour.case(node), cost=2)
_register(InteractionMetric, lambda node, scope: scope._behaviour.interactions(node), cost=3)
_register(PurchaseMetric, lambda node, scope: scope._behaviour.purchases(node), cost=3)
_register(Bought, bought, cost=3)
_register(Not, _not)
_register(And, lambda node, scope: _join(" AND ", node.children, scope))
_register(Or, lambda node, scope: _join(" OR ", node.children, scope))


def compile_segment(
    db: SQLSession,
    workspace: str,
    segment: Segment,
    now: datetime,
    rates: RatesTable | None = None,
) -> Frag:
    """The WHERE condition (over ``contacts c``) selecting *segment*'s members at *now*
    (purchase totals and RFM in several currencies converted at *rates*).

    It may read the database while compiling (distinct values, purchases for RFM), so
    compile and run it in the same unit of work.
    """
    if not isinstance(segment, Segment):
        raise InvalidSegmentError("segment", segment, "expected a Segment")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidDatetimeError("now", now, "expected a timezone-aware datetime")
    check_lists(db, workspace, named_lists(segment))  # before any other error, as in memory
    return SQLScope(db, workspace, now, rates).compile(segment)


def _members(
    db: SQLSession,
    workspace: str,
    segment: Segment,
    now: datetime,
    rates: RatesTable | None,
    columns: str,
) -> list[Row]:
    where, params = compile_segment(db, workspace, segment, now, rates)
    return db.fetchall(
        f"SELECT {columns} FROM contacts c WHERE c.workspace = ? AND {where} ORDER BY c.id",
        [workspace, *params],
    )


def sql_segment_members(
    db: SQLSession,
    workspace: str,
    segment: Segment,
    now: datetime,
    rates: RatesTable | None = None,
) -> list[Contact]:
    """The members, in contact id order (the order of ``contacts.iter_all``)."""
    rows = _members(db, workspace, segment, now, rates, _COLS)
    return [contact_from_row(r, db.dialect) for r in rows]


def sql_segment_member_ids(
    db: SQLSession,
    workspace: str,
    segment: Segment,
    now: datetime,
    rates: RatesTable | None = None,
) -> list[str]:
    """The members' ids, in contact id order, without reading their rows."""
    return [str(r[0]) for r in _members(db, workspace, segment, now, rates, "c.id")]


def sql_segment_count(
    db: SQLSession,
    workspace: str,
    segment: Segment,
    now: datetime,
    rates: RatesTable | None = None,
) -> int:
    where, params = compile_segment(db, workspace, segment, now, rates)
    row = db.fetchone(
        f"SELECT count(*) FROM contacts c WHERE c.workspace = ? AND {where}", [workspace, *params]
    )
    return int(row[0]) if row else 0
