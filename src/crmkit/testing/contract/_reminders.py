"""Contract: the customer file's automation rules (expiring contracts and warranties) run
on stored contracts and assets, once per key, for the contact's owner."""

from __future__ import annotations

from datetime import date, timedelta

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.customer_file.reminders import ContractExpiring, WarrantyExpiring
from crmkit.tasks.automation import SendMessage
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["RemindersContract"]

NOTICE = date(2027, 12, 1)  # Support 2027 ends on 31 December, notice 30 days


class RemindersContract(ContractBase):
    def _reminded_contract(self, crm: CRM, owner: str | None = "arta") -> str:
        besa = crm.contacts.create(name="Besa Kola", owner=owner)
        k = crm.contracts.create(
            besa.id,
            title="Support 2027",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            value=Money("1200.00", "EUR"),
            renewal="auto",
            notice=timedelta(days=30),
        )
        crm.contracts.sign(k.id, at=T0, signed_by="Besa Kola")
        return k.id

    def test_a_contract_reminds_its_owner_on_the_last_day_for_notice_once(self, crm: CRM) -> None:
        k = self._reminded_contract(crm)
        rule = ContractExpiring()
        assert crm.automation.run(NOTICE - timedelta(days=1), rules=[rule]).committed == ()
        (made,) = crm.automation.run(NOTICE, rules=[rule]).committed
        assert made.key == f"contract_expiring:{k}:2027-12-01"
        task = crm.tasks.get(made.task.id)  # type: ignore[union-attr]
        assert (task.assignee, task.title) == (
            "arta",
            "Last day to give notice on 'Support 2027' (Besa Kola)",
        )
        later = crm.automation.run(NOTICE + timedelta(days=3), rules=[rule])
        assert (later.committed, later.skipped) == ((), 1)
        assert crm.automation.run(NOTICE + timedelta(days=8), rules=[rule]).skipped == 0

    def test_a_renewed_contract_reminds_again_for_its_new_term(self, crm: CRM) -> None:
        k = self._reminded_contract(crm)
        rule = ContractExpiring()
        crm.automation.run(NOTICE, rules=[rule])
        crm.contracts.renew(k, ends_on=date(2028, 12, 31))
        (again,) = crm.automation.run(date(2028, 12, 1), rules=[rule]).committed
        assert again.key == f"contract_expiring:{k}:2028-12-01"

    def test_terminated_and_erased_contracts_remind_nobody(self, crm: CRM) -> None:
        gone = self._reminded_contract(crm)
        crm.contracts.terminate(gone, at=T0, reason="Moved abroad")
        erased = self._reminded_contract(crm)
        crm.contacts.erase(crm.contracts.get(erased).contact_id or "")
        assert crm.automation.run(NOTICE, rules=[ContractExpiring()]).committed == ()

    def test_a_warranty_reminds_days_before_it_ends(self, crm: CRM) -> None:
        besa = crm.contacts.create(name="Besa Kola", owner="arta")
        crm.assets.add(besa.id, sku="ROUTER-X", serial="SN-0001", warranty_until=date(2029, 1, 4))
        crm.assets.add(besa.id, sku="CABLE", serial="SN-0002")  # no warranty
        rule = WarrantyExpiring(days_before=30)
        (made,) = crm.automation.run(date(2028, 12, 5), rules=[rule]).committed
        assert made.task.title == "Warranty of ROUTER-X SN-0001 (Besa Kola) ends 2029-01-04"  # type: ignore[union-attr]
        assert crm.automation.run(date(2028, 12, 6), rules=[rule]).skipped == 1

    def test_reminders_can_queue_messages_with_consent(self, crm: CRM) -> None:
        self._reminded_contract(crm)
        rule = ContractExpiring(then=SendMessage("contract_notice"))
        report = crm.automation.run(NOTICE, rules=[rule])
        assert report.committed == ()
        assert len(report.no_consent) == 1
