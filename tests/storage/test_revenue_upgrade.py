"""A database written before revenue lines were kept (migration 0022) opens with the lines
of its ledger entries written once, without VAT (the entries never recorded it).

PostgreSQL runs when CRMKIT_TEST_POSTGRES_DSN is set (see conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from crmkit import CRM, Money
from crmkit.storage.protocols import Storage
from crmkit.value.ledger import LineItem

WHEN = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


class _Backend(Protocol):  # tests/storage/conftest.py
    def open(self) -> Storage: ...

    def back_to(self, version: int, *then: str) -> None: ...


def test_entries_from_before_revenue_lines_are_counted_once(sql_backend: _Backend) -> None:
    storage = sql_backend.open()
    crm = CRM(storage=storage, workspace="a")
    crm.products.create(
        sku="GOLD-12",
        name="Gold",
        category="packages",
        price=Money("600", "EUR"),
        vat_rate=Decimal("0.20"),
    )
    c = crm.contacts.create(name="Besa Kola")
    gold = LineItem.new(sku="gold-12", quantity=2, unit_price=Money("600.00", "EUR"))
    crm.transactions.add(
        c.id, kind="purchase", amount=Money("1200", "EUR"), occurred_at=WHEN, lines=[gold]
    )
    crm.transactions.add(c.id, kind="refund", amount=Money("15.5", "EUR"), occurred_at=WHEN)
    storage.close()
    sql_backend.back_to(20)  # as a crmkit from before revenue lines left it
    storage = sql_backend.open()  # migrates, then writes the old entries' lines
    try:
        crm = CRM(storage=storage, workspace="a")
        rows = [(r.key, r.net, r.vat) for r in crm.revenue(by=("category", "month")).rows]
        assert rows == [
            (("packages", "2026-11"), Money("1200.00", "EUR"), Money("0.00", "EUR")),
            ((None, "2026-11"), Money("-15.50", "EUR"), Money("0.00", "EUR")),
        ]
        with storage.unit_of_work("", read_only=True) as uow:
            session = uow.session  # type: ignore[attr-defined]
            assert session.fetchall("SELECT workspace FROM revenue_pending") == []
    finally:
        storage.close()
    reopened = sql_backend.open()  # nothing pending: the lines are not written twice
    try:
        (total,) = CRM(storage=reopened, workspace="a").revenue(by="year").totals
        assert total.lines == 2
    finally:
        reopened.close()
