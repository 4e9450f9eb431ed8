"""Contract: who a case goes to, and who hears of it when its clock runs out."""

from __future__ import annotations

from crmkit.crm import CRM
from crmkit.service.escalation import CaseEscalation
from crmkit.tasks import ContactOwnerFirst, MakeTask, RoundRobin
from crmkit.testing.contract._base import T0
from crmkit.testing.contract._service import HOUR, DeskSetUp

__all__ = ["ServiceRoutingContract"]


class ServiceRoutingContract(DeskSetUp):
    def test_new_cases_are_routed_by_the_policies_of_tasks(self, crm: CRM) -> None:
        crm.users.add("ewa", team="desk")
        crm.users.add("jan", team="desk")
        besa = self._desk(crm)
        assert self._open(crm, besa).assignee is None  # no routing until it is set
        crm.cases.routing = (ContactOwnerFirst(), RoundRobin())
        turns = [self._open(crm, besa, team="desk").assignee for _ in range(3)]
        assert turns == ["ewa", "jan", "ewa"]
        assert self._open(crm, besa).assignee is None  # no team: nobody to choose from
        assert self._open(crm, besa, team="desk", assignee="ewa").assignee == "ewa"
        owned = crm.contacts.create(name="Ivan", owner="jan")
        assert self._open(crm, owned, team="desk").assignee == "jan"
        assert self._open(crm, besa, team="desk", policies=[]).assignee is None

    def test_escalation_tells_the_team_lead_once_per_case_and_clock(self, crm: CRM) -> None:
        crm.users.add("olga", team="desk", is_team_lead=True)
        crm.users.add("ewa", team="desk")
        besa = self._desk(crm)
        late = self._open(crm, besa, assignee="ewa", priority="urgent")
        self._open(crm, besa, assignee="ewa")  # first response due 13:00, not yet
        led = self._open(crm, besa, assignee="olga", priority="urgent")
        rule = CaseEscalation(then=MakeTask("Late: {subject}", fallback="olga"))
        day = T0.date()
        first = crm.automation.run(day, rules=[rule], now=T0 + 2 * HOUR)
        assert sorted((t.title, t.assignee) for t in first.tasks) == [
            ("Late: Router keeps rebooting", "olga"),  # ewa's case, to her lead
            ("Late: Router keeps rebooting", "olga"),  # the lead's own: the fallback
        ]
        assert {k.split(":")[2] for k in (a.key for a in first.committed)} == {late.id, led.id}
        again = crm.automation.run(day, rules=[rule], now=T0 + 3 * HOUR)
        assert (again.committed, again.skipped) == ((), 2)
        later = crm.automation.run(day, rules=[rule], now=T0 + 5 * HOUR)
        # 14:00: both urgent cases now breach resolution too (4 h), the other first response
        assert [a.key.split(":")[1] for a in later.committed].count("resolution") == 2
        assert len(later.committed) == 3
        assert crm.cases.breaching(at=T0 + 5 * HOUR)  # escalating changes no case
