"""Behaviour leaves (interactions, purchases, open deals, RFM) as SQL over contact ``c``.

A measure per contact is compared with a value; contacts without events measure zero (a count,
a total) or nothing (a last date), exactly as :func:`crmkit.segments.evaluate` defines. The
shape follows what each engine plans well (measured, see DESIGN.md): SQLite runs a correlated
subquery per surviving contact along the ``(workspace, contact_id, occurred_at)`` index;
PostgreSQL prefers one grouped pass joined by ``IN``.

Two measures finish in Python, loading only the purchases they need: exact decimal totals on
SQLite (it stores amounts as text and would sum them as floats), and RFM scores (quintiles
over every buyer, computed by :func:`crmkit.segments.rfm_scores` itself).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.segments import (
    HasCase,
    HasOpenDeal,
    InteractionMetric,
    Metric,
    Op,
    PurchaseMetric,
    RFMGroupIn,
    RFMScore,
)
from crmkit.segments.compiler import compare, measure_predicate, total_currency_error
from crmkit.segments.rfm import RFMScores, rfm_scores
from crmkit.service.case import CASE_KIND, DONE_STATUSES
from crmkit.storage.sql._segment_values import Frag, member_of
from crmkit.storage.sql._session import SQLSession
from crmkit.value.rates import RatesTable

__all__ = ["Behaviour"]

SQL_OPS = {Op.EQ: "=", Op.NE: "<>", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}
_PURCHASES = "x.kind = 'purchase'"


def comparison(op: Op, value: Any, conv: Callable[[Any], Any]) -> Frag:
    """``<op> ?`` (or ``BETWEEN ? AND ?``) for a value converted to its column's type."""
    if op is Op.BETWEEN:
        low, high = value
        return "BETWEEN ? AND ?", [conv(low), conv(high)]
    return f"{SQL_OPS[op]} ?", [conv(value)]


class Behaviour:
    """Compiles behaviour leaves for one evaluation (one workspace, one ``now``)."""

    def __init__(
        self, db: SQLSession, workspace: str, now: datetime, rates: RatesTable | None = None
    ) -> None:
        self.db = db
        self.ws = workspace
        self.now = now
        self.rates = rates
        self._rfm: dict[str, RFMScores] | None = None

    def _window(self, within_days: int | None) -> Frag:
        ts = self.db.dialect.ts
        if within_days is None:
            return "x.occurred_at <= ?", [ts(self.now)]
        since = self.now - timedelta(days=within_days)
        return "x.occurred_at >= ? AND x.occurred_at <= ?", [ts(since), ts(self.now)]

    def _exists(self, table: str, where: Frag) -> Frag:
        # The workspace is named, not correlated (see when_org): one shard on Citus.
        return (
            f"EXISTS (SELECT 1 FROM {table} x WHERE x.workspace = ?"
            f" AND x.contact_id = c.id AND {where[0]})",
            [self.ws, *where[1]],
        )

    def _measure(
        self,
        table: str,
        where: Frag,
        agg: str,
        op: Op,
        value: Any,
        zero: Any,
        conv: Callable[[Any], Any],
    ) -> Frag:
        """Contacts whose ``agg`` over their rows matching *where* passes ``op value``."""
        cmp_sql, cmp_params = comparison(op, value, conv)
        if self.db.dialect.name == "sqlite":
            sub = (
                f"(SELECT {agg} FROM {table} x WHERE x.workspace = c.workspace"
                f" AND x.contact_id = c.id AND {where[0]})"
            )
            # count() is 0 without rows; max() is NULL, which the compiler reads as false.
            return f"({sub} {cmp_sql})", [*where[1], *cmp_params]
        grouped = (
            f"SELECT x.contact_id FROM {table} x WHERE x.workspace = ? AND {where[0]}"
            " GROUP BY x.contact_id HAVING"
        )
        params = [self.ws, *where[1], *cmp_params]
        if zero is not None and measure_predicate(op, value)(zero):
            return f"(c.id NOT IN ({grouped} NOT ({agg} {cmp_sql})))", params
        return f"(c.id IN ({grouped} {agg} {cmp_sql}))", params

    def _count_or_last(self, table: str, where: Frag, metric: Metric, op: Op, value: Any) -> Frag:
        if metric is Metric.COUNT:
            # "at least one" and "none" are existence questions: no counting needed.
            if (op, value) in ((Op.GE, 1), (Op.GT, 0)):
                return self._exists(table, where)
            if (op, value) in ((Op.EQ, 0), (Op.LT, 1), (Op.LE, 0)):
                sql, params = self._exists(table, where)
                return f"(NOT {sql})", params
            return self._measure(table, where, "count(*)", op, value, 0, int)
        return self._measure(
            table, where, "max(x.occurred_at)", op, value, None, self.db.dialect.ts
        )

    def interactions(self, node: InteractionMetric) -> Frag:
        parts, params = [], []
        if node.channel is not None:
            parts.append("x.channel = ?")
            params.append(node.channel)
        if node.direction is not None:
            parts.append("x.direction = ?")
            params.append(node.direction)
        if node.outcome is not None:
            parts.append("x.outcome = ?")
            params.append(node.outcome)
        window, wparams = self._window(node.within_days)
        where = (" AND ".join([*parts, window]), [*params, *wparams])
        return self._count_or_last("interactions", where, node.metric, node.op, node.value)

    def purchases(self, node: PurchaseMetric) -> Frag:
        window, wparams = self._window(node.within_days)
        where = (f"{_PURCHASES} AND {window}", wparams)
        if node.metric is not Metric.TOTAL:
            return self._count_or_last("transactions", where, node.metric, node.op, node.value)
        target = node.value[0] if isinstance(node.value, tuple) else node.value
        assert isinstance(target, Money)
        bound = (
            tuple(m.amount for m in node.value)  # type: ignore[union-attr]
            if isinstance(node.value, tuple)
            else target.amount
        )
        if self.rates is not None:  # each purchase converted at its day's rate, in Python
            return self._python_totals(where, node.op, bound, target.currency)
        self._check_currency(where, target.currency)
        if self.db.dialect.name == "postgresql":
            return self._measure(
                "transactions",
                where,
                "sum(x.amount)",
                node.op,
                bound,
                Decimal(0),
                self.db.dialect.decimal,
            )
        return self._python_totals(where, node.op, bound)

    def _check_currency(self, where: Frag, currency: str) -> None:
        # Without a rates table a total over several currencies has no meaning: the
        # in-memory evaluator raises, so this does too (whichever contacts are asked about).
        row = self.db.fetchone(
            f"SELECT x.currency FROM transactions x WHERE x.workspace = ? AND {where[0]}"
            " AND x.currency <> ? LIMIT 1",
            [self.ws, *where[1], currency],
        )
        if row is not None:
            raise total_currency_error(currency, row[0])

    def _python_totals(self, where: Frag, op: Op, bound: Any, currency: str | None = None) -> Frag:
        """Exact totals per contact; with *currency*, each purchase in another currency is
        converted into it at the rate of its day, as the in-memory evaluator does."""
        d = self.db.dialect
        totals: dict[str, Decimal] = {}
        for cid, amount, code, at in self.db.fetchall(
            f"SELECT x.contact_id, x.amount, x.currency, x.occurred_at FROM transactions x"
            f" WHERE x.workspace = ? AND {where[0]}",
            [self.ws, *where[1]],
        ):
            value = d.decimal_out(amount)
            if currency is not None and code != currency:
                assert self.rates is not None
                value = self.rates.convert(Money(value, code), d.ts_out(at), currency).amount
            totals[cid] = totals.get(cid, Decimal(0)) + value
        ok = measure_predicate(op, bound)
        if ok(Decimal(0)):
            failing = sorted(cid for cid, v in totals.items() if not ok(v))
            sql, params = member_of(self.db, ("c.id", []), failing)
            return f"(NOT {sql})", params
        return member_of(self.db, ("c.id", []), sorted(c for c, v in totals.items() if ok(v)))

    def open_deal(self, node: HasOpenDeal) -> Frag:
        parts, params = ["x.status = 'open'"], []
        if node.pipeline_id is not None:
            parts.append("x.pipeline_id = ?")
            params.append(node.pipeline_id)
        if node.stage is not None:
            parts.append("x.stage = ?")
            params.append(node.stage)
        return self._exists("deals", (" AND ".join(parts), params))

    def case(self, node: HasCase) -> Frag:
        """A case of the contact in the record store whose keys (written by the cases kind,
        :data:`crmkit.service.case.CASE_KIND`) meet the conditions."""
        parts, params = ["x.kind = ?"], [CASE_KIND]
        key = (
            "EXISTS (SELECT 1 FROM record_keys k WHERE k.workspace = ? AND k.kind = ? "
            "AND k.record_id = x.id AND k.name = ? AND k.value {test})"
        )
        done = sorted(DONE_STATUSES)
        if node.open is not None:
            test = "NOT IN (?, ?)" if node.open else "IN (?, ?)"
            parts.append(key.format(test=test))
            params += [self.ws, CASE_KIND, "status", *done]
        if node.reason is not None:
            parts.append(key.format(test="= ?"))
            params += [self.ws, CASE_KIND, "reason", node.reason]
        if node.rated_below is not None:
            # Scores are one digit, 1 to 5: as text they sort as numbers.
            parts.append(key.format(test="< ?"))
            params += [self.ws, CASE_KIND, "csat", str(node.rated_below)]
        return self._exists("records", (" AND ".join(parts), params))

    def _scores(self) -> dict[str, RFMScores]:
        if self._rfm is None:
            d = self.db.dialect
            rows = self.db.fetchall(
                f"SELECT x.contact_id, x.occurred_at, x.amount, x.currency FROM transactions x"
                f" WHERE x.workspace = ? AND {_PURCHASES} AND x.occurred_at <= ?",
                [self.ws, d.ts(self.now)],
            )
            self._rfm = rfm_scores(
                ((cid, d.ts_out(at), Money(d.decimal_out(a), cur)) for cid, at, a, cur in rows),
                now=self.now,
                rates=self.rates,
            )
        return self._rfm

    def rfm(self, node: RFMGroupIn | RFMScore) -> Frag:
        if isinstance(node, RFMGroupIn):
            wanted = set(node.groups)
            ids = [cid for cid, s in self._scores().items() if s.group in wanted]
        else:
            pred = compare(node.op, node.value)
            ids = [cid for cid, s in self._scores().items() if pred(getattr(s, node.component))]
        return member_of(self.db, ("c.id", []), sorted(ids))
