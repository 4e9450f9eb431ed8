"""The transactions ledger, in memory."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from crmkit.errors import TransactionNotFoundError
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._table import MemoryTable
from crmkit.value.ledger import Transaction

__all__ = ["MemoryTransactionRepository"]


class MemoryTransactionRepository(MemoryTable[Transaction]):
    def __init__(self, rows: UndoableDict[str, Transaction], log: UndoLog) -> None:
        super().__init__(
            rows,
            log,
            kind="transaction",
            not_found=TransactionNotFoundError,
            versioned=False,
            contact_attr="contact_id",
        )

    def for_contact(
        self, contact_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Transaction]:
        return self.select(
            lambda t: (
                t.contact_id == contact_id
                and (since is None or t.occurred_at >= since)
                and (until is None or t.occurred_at < until)
            ),
            order=lambda t: (t.occurred_at, t.id),
        )

    def for_contacts(
        self, contact_ids: Collection[str], *, since: datetime, until: datetime
    ) -> dict[str, list[Transaction]]:
        """See :class:`crmkit.storage.protocols.LedgerOfMany` (one pass over the ledger)."""
        wanted = set(contact_ids)
        found: dict[str, list[Transaction]] = {}
        for t in self.select(
            lambda t: t.contact_id in wanted and since <= t.occurred_at < until,
            order=lambda t: (t.occurred_at, t.id),
        ):
            found.setdefault(t.contact_id, []).append(t)
        return found
