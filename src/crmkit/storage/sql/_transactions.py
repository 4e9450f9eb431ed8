"""The transactions ledger on any SQL backend."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.errors import TransactionNotFoundError
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec
from crmkit.value.ledger import LineItem, Transaction, TransactionKind

__all__ = ["ENTRY_COLUMNS", "TRANSACTIONS", "SQLTransactionRepository"]


def _lines_out(items: list[dict[str, Any]]) -> tuple[LineItem, ...]:
    return tuple(
        LineItem(
            i.get("sku"),
            i.get("description"),
            Decimal(i["quantity"]),
            Money(i["unit_price"], i["currency"]),
        )
        for i in items
    )


def _to_row(t: Transaction, d: Dialect) -> tuple[Any, ...]:
    lines = [
        {
            "sku": li.sku,
            "description": li.description,
            "quantity": str(li.quantity),
            "unit_price": str(li.unit_price.amount),
            "currency": li.unit_price.currency,
        }
        for li in t.lines
    ]
    return (
        t.id,
        t.contact_id,
        t.kind.value,
        d.decimal(t.amount.amount),
        t.amount.currency,
        d.ts(t.occurred_at),
        t.order_id,
        d.json(lines),
        t.note,
        d.ts(t.created_at),
    )


def _from_row(r: Row, d: Dialect) -> Transaction:
    return Transaction(
        id=r[0],
        contact_id=r[1],
        kind=TransactionKind(r[2]),
        amount=Money(d.decimal_out(r[3]), r[4].strip()),
        occurred_at=d.ts_out(r[5]),
        order_id=r[6],
        lines=_lines_out(d.json_out(r[7])),
        note=r[8],
        created_at=d.ts_out(r[9]),
    )


#: What a ledger entry says, kept alike for a person's entries and for an erased person's.
ENTRY_COLUMNS = ("kind", "amount", "currency", "occurred_at", "order_id", "lines")

TRANSACTIONS = TableSpec(
    table="transactions",
    kind="transaction",
    columns=("id", "contact_id", *ENTRY_COLUMNS, "note", "created_at"),
    to_row=_to_row,
    from_row=_from_row,
    not_found=TransactionNotFoundError,
    versioned=False,
    contact_column="contact_id",
)


class SQLTransactionRepository(SQLTable[Transaction]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, TRANSACTIONS)

    def for_contact(
        self, contact_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Transaction]:
        """The contact's entries, oldest first (``since`` inclusive, ``until`` exclusive)."""
        where, params = "AND contact_id = ?", [contact_id]
        if since is not None:
            where += " AND occurred_at >= ?"
            params.append(self._db.dialect.ts(since))
        if until is not None:
            where += " AND occurred_at < ?"
            params.append(self._db.dialect.ts(until))
        return self.select(where, params, order="occurred_at, id")

    def for_contacts(
        self, contact_ids: Collection[str], *, since: datetime, until: datetime
    ) -> dict[str, list[Transaction]]:
        """See :class:`crmkit.storage.protocols.LedgerOfMany`: one query per
        ``max_in_list`` contacts along the (workspace, contact_id, occurred_at) index."""
        d = self._db.dialect
        ids = list(set(contact_ids))  # any order: each chunk is its own index probes
        found: dict[str, list[Transaction]] = {}
        for start in range(0, len(ids), d.max_in_list):
            cond, params = d.in_list("contact_id", ids[start : start + d.max_in_list])
            rows = self.select(
                f"AND {cond} AND occurred_at >= ? AND occurred_at < ?",
                [*params, d.ts(since), d.ts(until)],
                order="contact_id, occurred_at, id",
            )
            for t in rows:
                found.setdefault(t.contact_id, []).append(t)
        return found
