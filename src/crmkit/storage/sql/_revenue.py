"""Revenue on any SQL backend: the lines in time order, and their sums per SKU and day.

A report over ``[since, until)`` reads the day sums of the whole UTC days inside the range
(one pass over a table of a few hundred thousand rows for millions of lines, in its key
order, so without a sort) and the lines of the part days at its ends (an index range each).
Both are exact integer sums, so the answer is the one the lines give on any backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crmkit.customer_file.revenue import (
    Period,
    RevenueLine,
    RevenueTotal,
    day_number,
    day_start,
    month_number,
    revenue_lines,
)
from crmkit.storage.sql._session import SQLSession
from crmkit.storage.sql._transactions import SQLTransactionRepository

__all__ = ["SQLRevenueRepository", "count_old_entries"]

_LINE_COLUMNS = "workspace, occurred_at, transaction_id, line, sku, currency, net, vat"
_DAY_COLUMNS = "workspace, sku, currency, month, day, net, vat, lines"
# Grouping columns are a prefix of revenue_days' key; the day implies the month.
_GROUPS = {None: (), "month": ("month",), "day": ("month", "day")}
_TIME = {None: "NULL", "month": "month", "day": "day"}


def _split(
    since: datetime | None, until: datetime | None
) -> tuple[tuple[int | None, int | None] | None, list[tuple[datetime, datetime]]]:
    """The whole UTC days of ``[since, until)`` as ``[first, stop)`` day numbers (or
    ``None`` when there are none), and the part days at its ends as time ranges."""
    if since is not None and until is not None and until <= since:
        return None, []
    first = stop = None
    parts = []
    if since is not None:
        first = day_number(since)
        if since != day_start(first):
            first += 1
            end = day_start(first) if until is None else min(day_start(first), until)
            if since < end:
                parts.append((since, end))
    if until is not None:
        stop = day_number(until)
        begin = day_start(stop)
        if until != begin and (since is None or day_number(since) != stop):
            parts.append((begin, until))
    whole = first is None or stop is None or first < stop
    return ((first, stop) if whole else None), parts


class SQLRevenueRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def add_all(self, lines: Sequence[RevenueLine]) -> None:
        ts = self._db.dialect.ts
        self._db.executemany(
            f"INSERT INTO revenue_lines ({_LINE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    self._ws,
                    ts(x.occurred_at),
                    x.transaction_id,
                    x.line,
                    x.sku or "",
                    x.currency,
                    x.net,
                    x.vat,
                )
                for x in lines
            ],
        )
        days: dict[tuple[str, str, int, int], list[int]] = {}
        for x in lines:
            acc = days.setdefault((x.sku or "", x.currency, x.month, x.day), [0, 0, 0])
            acc[0] += x.net
            acc[1] += x.vat
            acc[2] += 1
        # Sorted, so concurrent writers take the day rows' locks in one order.
        self._db.executemany(
            f"INSERT INTO revenue_days ({_DAY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (workspace, sku, currency, month, day) DO UPDATE SET "
            "net = revenue_days.net + excluded.net, vat = revenue_days.vat + excluded.vat, "
            "lines = revenue_days.lines + excluded.lines",
            [(self._ws, *key, *sums) for key, sums in sorted(days.items())],
        )

    def totals(
        self, *, period: Period, since: datetime | None = None, until: datetime | None = None
    ) -> list[RevenueTotal]:
        whole, parts = _split(since, until)
        found = [] if whole is None else self._days(period, *whole)
        for start, end in parts:
            found += self._lines(period, start, end)
        if not parts:
            return found  # the day sums alone: one total per group already
        sums: dict[tuple[str | None, int | None, str], list[int]] = {}
        for t in found:
            acc = sums.setdefault((t.sku, t.period, t.currency), [0, 0, 0])
            acc[0] += t.net
            acc[1] += t.vat
            acc[2] += t.lines
        return [RevenueTotal(*key, *values) for key, values in sums.items()]

    def _days(self, period: Period, first: int | None, stop: int | None) -> list[RevenueTotal]:
        groups = ", ".join(("sku", "currency", *_GROUPS[period]))
        where, params = "workspace = ?", list[object]([self._ws])
        if first is not None:
            where += " AND day >= ?"
            params.append(first)
        if stop is not None:
            where += " AND day < ?"
            params.append(stop)
        rows = self._db.fetchall(
            f"SELECT sku, {_TIME[period]}, currency, SUM(net), SUM(vat), SUM(lines) "
            f"FROM revenue_days WHERE {where} GROUP BY {groups}",
            params,
        )
        return _totals(rows)

    def _lines(self, period: Period, start: datetime, end: datetime) -> list[RevenueTotal]:
        # Within one UTC day: every line has that day and month.
        when = {None: None, "month": month_number(start), "day": day_number(start)}[period]
        ts = self._db.dialect.ts
        rows = self._db.fetchall(
            "SELECT sku, currency, SUM(net), SUM(vat), COUNT(*) FROM revenue_lines "
            "WHERE workspace = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY sku, currency",
            (self._ws, ts(start), ts(end)),
        )
        return _totals([(sku, when, *rest) for sku, *rest in rows])


def _totals(rows: Sequence[Sequence[Any]]) -> list[RevenueTotal]:
    """Rows of (sku, period, currency, net, vat, lines) as totals: '' is no SKU, PostgreSQL
    pads CHAR(3) and sums BIGINTs as NUMERIC."""
    return [
        RevenueTotal(
            sku or None,
            None if when is None else int(when),
            cur.strip(),
            int(net),
            int(vat),
            int(count),
        )
        for sku, when, cur, net, vat, count in rows
    ]


def count_old_entries(db: SQLSession, workspace: str) -> None:
    """Write the revenue lines of ledger entries recorded before revenue was kept
    (migration 0022): their lines recorded no VAT rate, so they count without VAT. Entries
    that have lines already (recorded by a newer crmkit meanwhile) are left alone."""
    counted = {
        str(r[0])
        for r in db.fetchall(
            "SELECT DISTINCT transaction_id FROM revenue_lines WHERE workspace = ?", (workspace,)
        )
    }
    repo = SQLRevenueRepository(db, workspace)
    for tx in SQLTransactionRepository(db, workspace).iter_all():
        if tx.id not in counted:
            repo.add_all(revenue_lines(tx, {}))
