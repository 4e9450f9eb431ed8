"""Revenue lines on any SQL backend: one table keyed in the order the report groups by."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crmkit.customer_file.revenue import Period, RevenueLine, RevenueTotal, revenue_lines
from crmkit.storage.sql._session import SQLSession
from crmkit.storage.sql._transactions import SQLTransactionRepository

__all__ = ["SQLRevenueRepository", "count_old_entries"]

_COLUMNS = "workspace, sku, currency, month, day, occurred_at, transaction_id, line, net, vat"
# The grouping columns are a prefix of the primary key, so the engine sums in key order
# without sorting; the day implies the month, so grouping by both is grouping by day.
_GROUPS = {None: (), "month": ("month",), "day": ("month", "day")}


class SQLRevenueRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def add_all(self, lines: Sequence[RevenueLine]) -> None:
        ts = self._db.dialect.ts
        self._db.executemany(
            f"INSERT INTO revenue_lines ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    self._ws,
                    x.sku or "",
                    x.currency,
                    x.month,
                    x.day,
                    ts(x.occurred_at),
                    x.transaction_id,
                    x.line,
                    x.net,
                    x.vat,
                )
                for x in lines
            ],
        )

    def totals(
        self, *, period: Period, since: datetime | None = None, until: datetime | None = None
    ) -> list[RevenueTotal]:
        groups = ", ".join(("sku", "currency", *_GROUPS[period]))
        where, params = "workspace = ?", [self._ws]
        if since is not None:
            where += " AND occurred_at >= ?"
            params.append(self._db.dialect.ts(since))
        if until is not None:
            where += " AND occurred_at < ?"
            params.append(self._db.dialect.ts(until))
        time = {None: "NULL", "month": "month", "day": "day"}[period]
        rows = self._db.fetchall(
            f"SELECT sku, currency, {time}, SUM(net), SUM(vat), COUNT(*) FROM revenue_lines "
            f"WHERE {where} GROUP BY {groups}",
            params,
        )
        return [
            RevenueTotal(
                r[0] or None,
                None if r[2] is None else int(r[2]),
                r[1].strip(),
                int(r[3]),
                int(r[4]),
                int(r[5]),
            )
            for r in rows
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
