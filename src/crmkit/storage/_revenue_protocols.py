"""The protocols of the value ledger: transactions and the revenue lines counted from them
(re-exported by ``storage.protocols``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from crmkit.customer_file.revenue import Period, RevenueLine, RevenueTotal
from crmkit.storage._linked import ContactErasable, ContactLinked
from crmkit.value.ledger import Transaction

__all__ = ["RevenueRepository", "TransactionRepository"]


class TransactionRepository(ContactLinked, ContactErasable, Protocol):
    """The transactions ledger of one workspace. Entries are never edited."""

    def add(self, transaction: Transaction) -> None: ...

    def add_many(self, transactions: Iterable[Transaction]) -> int: ...

    def get(self, transaction_id: str) -> Transaction: ...

    def for_contact(
        self, contact_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Transaction]:
        """The contact's entries, oldest first (``since`` inclusive, ``until`` exclusive)."""
        ...

    def iter_all(self) -> Iterator[Transaction]: ...

    def count(self) -> int: ...


class RevenueRepository(Protocol):
    """Each purchase and refund line as revenue counts it (:mod:`crmkit.customer_file.revenue`).

    Lines name no contact and hold no text, so merges, unmerges and erasures leave them
    alone: erasing a customer does not change what the business earned. SQL backends keep
    them with their sums per SKU and day (:mod:`crmkit.storage.sql._revenue`); crmkit's
    generic repository keeps one record per line and sums them in Python.
    """

    def add_all(self, lines: Sequence[RevenueLine]) -> None:
        """Keep *lines* (written with the ledger entries they come from)."""
        ...

    def totals(
        self, *, period: Period, since: datetime | None = None, until: datetime | None = None
    ) -> list[RevenueTotal]:
        """The lines of ``[since, until)`` summed by SKU key, currency and, as *period*
        says, UTC month (``202612``), UTC day (days since 1970-01-01) or nothing (``None``
        as each total's period); in no particular order."""
        ...
