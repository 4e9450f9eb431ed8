"""The contact card on this backend: what the person answering sees, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import ContactNotFoundError, ValidationError
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["CardContract"]


class CardContract(ContractBase):
    """The contact card on this backend: what the person answering sees, and nothing else."""

    def test_card_shows_open_promises_deals_and_money_of_this_contact_only(self, crm: CRM) -> None:
        besa = crm.contacts.create(name="Besa Kola", phones=["069 123 4567"])
        other = crm.contacts.create(name="Arben Hoxha")
        later = crm.tasks.create(
            "Call back", assignee="ivan", contact_id=besa.id, due=T0 + timedelta(days=3)
        )
        sooner = crm.tasks.create(
            "Send offer", assignee="arta", contact_id=besa.id, due=T0 + timedelta(days=1)
        )
        undated = crm.tasks.create("Ask for a review", assignee="arta", contact_id=besa.id)
        done = crm.tasks.create("Say hello", assignee="arta", contact_id=besa.id, due=T0)
        crm.tasks.complete(done.id, by="arta", at=T0 + timedelta(hours=1))
        crm.tasks.create("Not hers", assignee="arta", contact_id=other.id, due=T0)
        pipe = crm.pipelines.create("Sales", stages=["New", "Proposal"])
        open_deal = crm.deals.create(
            contact_id=besa.id,
            pipeline_id=pipe.id,
            title="Gold",
            value=Money("1200", "EUR"),
            created_at=T0,
        )
        lost = crm.deals.create(
            contact_id=besa.id,
            pipeline_id=pipe.id,
            title="Silver",
            value=Money("300", "EUR"),
            created_at=T0,
        )
        crm.deals.lose(lost.id, reason="price", at=T0 + timedelta(hours=2))
        for kind, amount, currency in [
            ("purchase", "100", "EUR"),
            ("refund", "30", "EUR"),
            ("purchase", "5000", "ALL"),
            ("payment", "70", "EUR"),
        ]:
            crm.transactions.add(besa.id, kind=kind, amount=Money(amount, currency), occurred_at=T0)
        for n in range(4):
            crm.interactions.log(
                besa.id, channel="phone", summary=f"call {n}", occurred_at=T0 + timedelta(minutes=n)
            )

        card = crm.contact_card(besa.id, history=2)

        assert card.contact.id == besa.id
        assert [t.id for t in card.open_tasks] == [sooner.id, later.id, undated.id]
        assert card.next_promise is not None
        assert card.next_promise.assignee == "arta"
        assert [d.id for d in card.open_deals] == [open_deal.id]
        assert card.ledger.spent == (Money("5000", "ALL"), Money("70", "EUR"))
        assert card.ledger.paid == (Money("70", "EUR"),)
        assert card.ledger.purchases == 2
        assert [i.summary for i in card.recent] == ["call 3", "call 2"]
        assert "promised: Send offer · arta" in card.render()

    def test_card_of_a_new_contact_is_empty_and_unknown_ids_are_refused(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Ivan")
        card = crm.contact_card(c.id)
        assert (card.recent, card.open_deals, card.open_tasks) == ((), (), ())
        assert card.last_interaction is None
        assert card.next_promise is None
        with pytest.raises(ContactNotFoundError):
            crm.contact_card("no-such-contact")
        with pytest.raises(ValidationError) as err:
            crm.contact_card(c.id, history=-1)
        assert err.value.field == "history"
