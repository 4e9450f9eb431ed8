"""The contact card on this backend: what the person answering sees, and nothing else."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import ContactNotFoundError, ValidationError
from crmkit.marketing.standing import MarketingStanding, Ref
from crmkit.segments import tag
from crmkit.service import WorkingHours
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["CardContract"]

DAY = timedelta(days=1)


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
        open_deal, lost = (
            crm.deals.create(
                contact_id=besa.id,
                pipeline_id=pipe.id,
                title=title,
                value=Money(amount, "EUR"),
                created_at=T0,
            )
            for title, amount in [("Gold", "1200"), ("Silver", "300")]
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
        assert (card.recent, card.open_deals, card.open_tasks, card.open_cases) == ((),) * 4
        assert card.last_interaction is None
        assert card.next_promise is None
        with pytest.raises(ContactNotFoundError):
            crm.contact_card("no-such-contact")
        with pytest.raises(ValidationError) as err:
            crm.contact_card(c.id, history=-1)
        assert err.value.field == "history"

    def test_card_shows_open_cases_soonest_promise_first(self, crm: CRM) -> None:
        hour = timedelta(hours=1)
        crm.sla.create(
            "Desk",
            first_response=4 * hour,
            resolution=16 * hour,
            hours=WorkingHours(time(9), time(17)),
            timezone="UTC",
        )  # T0: Fri 09:00
        crm.sla.create(
            "Urgent",
            first_response=hour,
            resolution=4 * hour,
            hours=WorkingHours.always(),
            timezone="UTC",
            priority="urgent",
        )
        besa, other = crm.contacts.create(name="Besa"), crm.contacts.create(name="Ivan")

        def case(subject: str, who: str = besa.id, **fields: Any) -> str:
            opened = crm.cases.open(who, subject=subject, reason="billing", opened_at=T0, **fields)
            return opened.id

        slow, fast = case("Invoice twice"), case("No signal", priority="urgent", assignee="ewa")
        waiting, done = case("Refund"), case("Old bill")
        case("Not hers", who=other.id)
        crm.cases.set_status(waiting, "waiting_on_customer", at=T0 + hour)
        crm.cases.resolve(done, at=T0 + hour)
        card = crm.contact_card(besa.id)
        assert [c.id for c in card.open_cases] == [fast, slow, waiting]
        lines = [ln for ln in card.render().splitlines() if ln.startswith("open case")]
        assert lines == [
            "open case: No signal · billing · ewa · first response due Fri 01 May 10:00",
            "open case: Invoice twice · billing · unassigned · first response due Fri 01 May 13:00",
            "open case: Refund · billing · unassigned · waiting on customer",
        ]

    def test_card_shows_open_quotes_running_contracts_and_equipment(self, crm: CRM) -> None:
        crm.products.create(
            sku="GOLD-12", name="Gold", price=Money("600.00", "EUR"), vat_rate=Decimal("0.20")
        )
        besa, other = crm.contacts.create(name="Besa"), crm.contacts.create(name="Other")
        open_quote = crm.quotes.create(
            besa.id, lines=[("GOLD-12", 1)], valid_until=date(2026, 5, 31)
        )
        won = crm.quotes.create(besa.id, lines=[("GOLD-12", 2)], valid_until=date(2026, 5, 31))
        crm.quotes.send(won.id, at=T0)
        crm.quotes.accept(won.id, at=T0)
        crm.quotes.create(other.id, lines=[("GOLD-12", 1)], valid_until=date(2026, 5, 31))

        def contract(who: str, title: str, starts: date, ends: date) -> str:
            k = crm.contracts.create(
                who,
                title=title,
                starts_on=starts,
                ends_on=ends,
                value=Money("1200.00", "EUR"),
                renewal="auto",
                notice=timedelta(days=30),
            )
            return crm.contracts.sign(k.id, at=T0, signed_by="Besa").id

        running = contract(besa.id, "Support 2026", date(2026, 1, 1), date(2026, 12, 31))
        contract(besa.id, "Support 2025", date(2025, 1, 1), date(2025, 12, 31))  # ended
        gone = contract(besa.id, "Cancelled", date(2026, 1, 1), date(2026, 12, 31))
        crm.contracts.terminate(gone, at=T0, reason="Moved")
        crm.assets.add(besa.id, sku="ROUTER-X", serial="SN-2", warranty_until=date(2028, 1, 4))
        crm.assets.add(besa.id, sku="CABLE", serial="SN-1")
        crm.assets.add(other.id, sku="CABLE", serial="SN-3")
        card = crm.contact_card(besa.id)
        assert [q.id for q in card.open_quotes] == [open_quote.id]
        assert [k.id for k in card.contracts] == [running]
        assert [a.serial for a in card.assets] == ["SN-1", "SN-2"]
        text = card.render()
        assert "quote: 720.00 EUR gross · draft · valid until 31 May 2026" in text
        assert "contract: Support 2026 · 1,200.00 EUR · 01 Jan 2026 to 31 Dec 2026" in text
        assert "holds: ROUTER-X SN-2 · warranty to 04 Jan 2028" in text

    def _marketing_world(self, crm: CRM) -> dict[str, str]:
        """Ana was brought by Besa, came by the Spring campaign and bought under it, holds
        points and a coupon issued to her, redeemed another, and brought Cai, all in the
        ten days before the card is read (the clock stands at T0)."""
        b = T0 - 10 * DAY
        ana, besa, cai = (
            crm.contacts.create(name=n, tags={"gold"}) for n in ("Ana", "Besa", "Cai")
        )
        crm.consent.record(ana.id, purpose="marketing_email", granted=True, at=b - DAY)
        spring = crm.campaigns.create(
            "Spring",
            channel="email",
            audience=tag("gold"),
            purpose="marketing_email",
            holdout=Decimal(0),
            seed=1,
        )
        crm.campaigns.launch(spring.id, at=b)
        crm.referrals.record(referrer_id=besa.id, referred_id=ana.id, at=b)
        crm.referrals.record(referrer_id=ana.id, referred_id=cai.id, at=b + DAY)
        crm.transactions.add(
            ana.id, kind="purchase", amount=Money("120", "EUR"), occurred_at=b + 2 * DAY
        )
        crm.loyalty.create_program(
            "Club", points_per_unit=Decimal(1), currency="EUR", tiers={"Silver": 0, "Gold": 100}
        )
        crm.loyalty.earn(ana.id, amount=Money("120", "EUR"), at=b + 2 * DAY)
        crm.loyalty.redeem(ana.id, points=20, at=b + 3 * DAY)
        expires = T0 + 30 * DAY
        [mine] = crm.coupons.create_batch(
            count=1, discount=Decimal("0.15"), expires_at=expires, contact_id=ana.id
        )
        [shared] = crm.coupons.create_batch(count=1, discount=Decimal("0.10"), expires_at=expires)
        crm.coupons.redeem(shared, contact_id=ana.id, at=T0 - 8 * DAY)
        return {
            "ana": ana.id,
            "besa": besa.id,
            "cai": cai.id,
            "spring": spring.id,
            "mine": mine,
            "shared": shared,
        }

    def test_card_shows_coupons_points_referrals_and_campaigns(self, crm: CRM) -> None:
        w = self._marketing_world(crm)
        m = crm.contact_card(w["ana"]).marketing
        assert [(c.code, c.discount, c.uses) for c in m.coupons_issued] == [
            (w["mine"], Decimal("0.15"), 0)
        ]
        assert [(c.code, c.at) for c in m.coupons_redeemed] == [(w["shared"], T0 - 8 * DAY)]
        assert [(p.program, p.balance, p.tier) for p in m.loyalty] == [("Club", 100, "Gold")]
        assert m.referred_by == Ref(w["besa"], "Besa")
        assert m.referred == (Ref(w["cai"], "Cai"),)
        assert m.first_touch == Ref(w["spring"], "Spring")
        assert m.converted_under == (Ref(w["spring"], "Spring"),)
        text = crm.contact_card(w["ana"]).render()
        assert "points: Club 100 (Gold)" in text
        assert f"coupon: {w['mine']} · 15 % off · 0 used · expires 31 May 2026" in text
        assert f"redeemed: {w['shared']} · 10 % off · 23 Apr 2026" in text
        assert "referred by: Besa" in text
        assert "referred: Cai" in text
        assert "came by: Spring · bought under: Spring" in text
        besa = crm.contact_card(w["besa"]).marketing
        assert (besa.referred, besa.first_touch, besa.loyalty) == (
            (Ref(w["ana"], "Ana"),),
            None,
            (),
        )

    def test_card_marketing_moves_with_a_merge_and_returns_with_unmerge(self, crm: CRM) -> None:
        w = self._marketing_world(crm)
        keeper = crm.contacts.create(name="Keeper").id
        before = crm.contact_card(w["ana"]).marketing
        merged = crm.merge(keeper, w["ana"])
        moved = crm.contact_card(keeper).marketing
        assert moved.coupons_issued == before.coupons_issued
        assert moved.coupons_redeemed == before.coupons_redeemed
        assert moved.loyalty == before.loyalty
        assert (moved.referred_by, moved.referred) == (before.referred_by, before.referred)
        assert (moved.first_touch, moved.converted_under) == (
            before.first_touch,
            before.converted_under,
        )
        crm.unmerge(merged.merge_id or "")
        assert crm.contact_card(keeper).marketing == MarketingStanding()
        assert crm.contact_card(w["ana"]).marketing == before

    def test_card_marketing_goes_with_an_erasure(self, crm: CRM) -> None:
        w = self._marketing_world(crm)
        crm.contacts.erase(w["ana"])
        with pytest.raises(ContactNotFoundError):
            crm.contact_card(w["ana"])
        # Those she knew no longer show her: Besa brought nobody still here, Cai nobody.
        assert crm.contact_card(w["besa"]).marketing.referred == ()
        assert crm.contact_card(w["cai"]).marketing.referred_by is None
        assert crm.coupons.get(w["mine"]).contact_id is None  # kept without her
