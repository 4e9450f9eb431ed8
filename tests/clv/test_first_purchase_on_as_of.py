"""A customer whose first purchase is on the as_of day does not break crm.clv for everyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit import CRM, Contact, Money
from crmkit.datasets import load_cdnow_transactions
from crmkit.errors import ModelError

END = datetime(1997, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def shop() -> CRM:
    raw = [t for t in load_cdnow_transactions() if t.occurred_at <= END]
    crm = CRM()
    with crm.storage.unit_of_work("default") as uow:
        for cid in sorted({t.customer_id for t in raw} | {"newcomer"}):
            uow.contacts.add(Contact.new(id=cid, name=f"customer {cid}"))
        uow.commit()
    rows = [
        {
            "contact_id": t.customer_id,
            "kind": "purchase",
            "amount": t.amount,
            "occurred_at": t.occurred_at,
        }
        for t in raw
    ]
    rows.append(
        {
            "contact_id": "newcomer",
            "kind": "purchase",
            "amount": Money("20", "USD"),
            "occurred_at": END,
        }
    )
    crm.transactions.add_many(rows)
    return crm


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "paretonbd"])
def test_a_newcomer_on_as_of_is_valued_as_a_new_customer(shop: CRM, model: str) -> None:
    report = shop.clv(as_of=END, model=model, horizon=timedelta(weeks=52))
    newcomer = report.get("newcomer")
    assert newcomer.T == 0
    assert newcomer.p_alive == 1.0
    assert newcomer.expected_purchases == pytest.approx(
        report.purchase_fit.expected_purchases_new_customer(52)
    )
    assert newcomer.clv is None  # no spend history to estimate from yet
    assert report.get("1").clv is not None


def test_only_newcomers_is_a_model_error() -> None:
    crm = CRM()
    c = crm.contacts.create(name="Besa")
    crm.transactions.add(c.id, kind="purchase", amount=Money("5", "EUR"), occurred_at=END)
    with pytest.raises(ModelError):
        crm.clv(as_of=END)
