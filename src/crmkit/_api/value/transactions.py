"""``crm.transactions``: the ledger of purchases, refunds, payments and payouts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from crmkit._api._base import Context
from crmkit._keywords import given
from crmkit._types import Money, ensure_aware
from crmkit.errors import ContactNotFoundError, ValidationError
from crmkit.value.ledger import LineItem, Transaction

__all__ = ["TransactionsAPI"]


class TransactionsAPI:
    """The ledger of the CRM's workspace.

    >>> from datetime import UTC, datetime
    >>> from crmkit import CRM, Money
    >>> crm = CRM()
    >>> c = crm.contacts.create(name="Besa Kola")
    >>> _ = crm.transactions.add(c.id, kind="purchase", amount=Money("49.90", "EUR"),
    ...                          occurred_at=datetime(2026, 3, 1, tzinfo=UTC))
    >>> [t.amount for t in crm.transactions.for_contact(c.id)]
    [Money('49.90', 'EUR')]
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(
        self,
        contact_id: str,
        *,
        kind: str,
        amount: Money,
        occurred_at: datetime,
        order_id: str | None = None,
        lines: Iterable[LineItem] = (),
        note: str | None = None,
        id: str | None = None,
    ) -> Transaction:
        """Record one entry for an existing contact: *kind* is ``"purchase"``, ``"refund"``,
        ``"payment"`` or ``"payout"``; *amount* a :class:`crmkit.Money` (never negative, never
        a float); *lines* the order's lines (:class:`crmkit.value.ledger.LineItem`), in the amount's
        currency."""
        tx = Transaction.new(now=self._ctx.clock(), **given(locals()))
        with self._ctx.write() as uow:
            uow.contacts.get(contact_id)
            uow.transactions.add(tx)
            uow.commit()
        return tx

    def add_many(self, rows: Iterable[Mapping[str, Any]]) -> list[Transaction]:
        """Record many entries in one transaction; every row is validated first."""
        now = self._ctx.clock()
        txs = []
        for i, row in enumerate(rows):
            try:
                txs.append(Transaction.new(now=now, **row))
            except ValidationError as exc:
                raise type(exc)(f"rows[{i}].{exc.field}", exc.value, exc.reason) from exc
            except TypeError as exc:
                raise ValidationError(f"rows[{i}]", dict(row), str(exc)) from exc
        ids = {t.contact_id for t in txs}
        with self._ctx.write() as uow:
            missing = ids - uow.contacts.existing_ids(ids)
            if missing:
                raise ContactNotFoundError(sorted(missing)[0])
            uow.transactions.add_many(txs)
            uow.commit()
        return txs

    def get(self, transaction_id: str) -> Transaction:
        with self._ctx.read() as uow:
            return uow.transactions.get(transaction_id)

    def for_contact(
        self, contact_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Transaction]:
        """The contact's entries, oldest first (``since`` inclusive, ``until`` exclusive)."""
        lo = None if since is None else ensure_aware(since, "since")
        hi = None if until is None else ensure_aware(until, "until")
        with self._ctx.read() as uow:
            uow.contacts.get(contact_id)
            return uow.transactions.for_contact(contact_id, since=lo, until=hi)

    def all(self) -> list[Transaction]:
        with self._ctx.read() as uow:
            return list(uow.transactions.iter_all())
