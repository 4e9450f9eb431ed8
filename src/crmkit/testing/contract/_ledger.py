"""The transactions ledger: exact amounts, windows, all-or-nothing bulk, merges."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import (
    ContactNotFoundError,
    InvalidDatetimeError,
    InvalidMoneyError,
    TransactionNotFoundError,
    ValidationError,
)
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase, make_contact
from crmkit.value.ledger import LineItem, Transaction

__all__ = ["LedgerContract"]


def _tx(contact_id: str, amount: str = "10.00", days: int = 0, **fields: Any) -> Transaction:
    fields.setdefault("kind", "purchase")
    return Transaction.new(
        contact_id=contact_id,
        amount=Money(amount, "EUR"),
        occurred_at=T0 + timedelta(days=days),
        now=T0,
        **fields,
    )


class LedgerContract(ContractBase):
    """The transactions ledger on this backend."""

    def test_transaction_reads_back_exactly(self, storage: Storage) -> None:
        c = make_contact(name="A")
        self._add(storage, c)
        line = LineItem.new(sku="GOLD", quantity=Decimal("1.5"), unit_price=Money("0.10", "EUR"))
        tx = _tx(c.id, "1234567.891", order_id="A-1", lines=[line], note="first order")
        with storage.unit_of_work(self.workspace) as uow:
            uow.transactions.add(tx)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.transactions.get(tx.id) == tx
            with pytest.raises(TransactionNotFoundError):
                uow.transactions.get("missing")

    def test_for_contact_is_oldest_first_within_the_window(self, storage: Storage) -> None:
        a, b = make_contact(name="A"), make_contact(name="B")
        self._add(storage, a, b)
        txs = [_tx(a.id, days=d) for d in (3, 1, 2)] + [_tx(b.id, days=1)]
        with storage.unit_of_work(self.workspace) as uow:
            assert uow.transactions.add_many(txs) == 4
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            days = [(t.occurred_at - T0).days for t in uow.transactions.for_contact(a.id)]
            assert days == [1, 2, 3]
            window = uow.transactions.for_contact(
                a.id, since=T0 + timedelta(days=2), until=T0 + timedelta(days=3)
            )
            assert [(t.occurred_at - T0).days for t in window] == [2]

    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"amount": Money("-5", "EUR")}, InvalidMoneyError),
            ({"amount": 5}, InvalidMoneyError),
            ({"kind": "gift"}, ValidationError),
            ({"occurred_at": T0.replace(tzinfo=None)}, InvalidDatetimeError),
        ],
    )
    def test_bad_transactions_write_nothing(
        self, crm: CRM, fields: dict[str, Any], error: type[Exception]
    ) -> None:
        c = crm.contacts.create(name="A")
        row = {"kind": "purchase", "amount": Money("1", "EUR"), "occurred_at": T0, **fields}
        with pytest.raises(error):
            crm.transactions.add(c.id, **row)
        with pytest.raises(error):
            crm.transactions.add_many([{"contact_id": c.id, **row}])
        assert crm.transactions.for_contact(c.id) == []

    def test_bulk_ledger_for_an_unknown_contact_writes_nothing(self, crm: CRM) -> None:
        c = crm.contacts.create(name="A")
        good = {
            "contact_id": c.id,
            "kind": "purchase",
            "amount": Money("1", "EUR"),
            "occurred_at": T0,
        }
        with pytest.raises(ContactNotFoundError):
            crm.transactions.add_many([good, {**good, "contact_id": "nobody"}])
        assert crm.transactions.for_contact(c.id) == []

    def test_merge_moves_transactions_and_unmerge_moves_them_back(self, crm: CRM) -> None:
        a = crm.contacts.create(name="A")
        b = crm.contacts.create(name="B")
        tx = crm.transactions.add(b.id, kind="purchase", amount=Money("5", "EUR"), occurred_at=T0)
        result = crm.merge(a.id, b.id)
        assert result.moved["transactions"] == 1
        assert [t.id for t in crm.transactions.for_contact(a.id)] == [tx.id]
        assert result.merge_id is not None
        crm.unmerge(result.merge_id)
        assert crm.transactions.for_contact(b.id) == [tx]
        assert crm.transactions.for_contact(a.id) == []
