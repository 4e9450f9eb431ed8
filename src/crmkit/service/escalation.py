"""Escalating SLA breaches: an automation rule that tells the assignee's team lead.

:class:`CaseEscalation` turns what ``crm.cases.breaching`` lists into tasks, through the
same runner as the task rules (:func:`crmkit.tasks.run_automation`), so each action is
keyed and committed once: one task per case, clock and due day, however often it runs.

>>> from datetime import UTC, date, datetime, timedelta
>>> from crmkit.service import SlaPolicy, WorkingHours
>>> from crmkit.service.transitions import open_case
>>> from crmkit.tasks import AutomationContext, User, UserDirectory
>>> t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
>>> always = SlaPolicy.new("24x7", first_response=timedelta(hours=1),
...                        resolution=timedelta(hours=8), hours=WorkingHours.always(),
...                        timezone="UTC", at=t0)
>>> case = open_case("c-1", subject="No signal", reason="equipment_fault",
...                  reasons=["equipment_fault"], at=t0, sla=always, assignee="ewa")
>>> desk = UserDirectory.of([User.new("ewa", team="desk"),
...                          User.new("olga", team="desk", is_team_lead=True)])
>>> ctx = AutomationContext.for_day(date(2026, 11, 2), now=t0 + timedelta(hours=2),
...                                 directory=desk)
>>> [(a.key.split(":")[1], a.task.assignee, a.task.title)
...  for a in CaseEscalation().evaluate(ctx, [(case, "first_response", t0 + timedelta(hours=1))])]
[('first_response', 'olga', 'SLA first response breached: No signal (ewa)')]
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from crmkit._types import check_duration
from crmkit.service.case import Case
from crmkit.service.clocks import Clock
from crmkit.tasks.actions import Action, AutomationContext, MakeTask, automation_key
from crmkit.tasks.task import Priority

__all__ = ["CaseEscalation"]


def _within(value: Any) -> timedelta:
    return check_duration(value, "within")


@attrs.frozen
class CaseEscalation:
    """A task for the team lead of the case's assignee for each running SLA clock due by
    ``now + within`` (breached, or about to be). The lead is the one of the assignee's team
    in the workspace's users directory; without one (no directory, no team lead, an
    unassigned case, or the assignee leads the team) the task goes to ``then.fallback``,
    else it is routed as task rules are, else it is reported unassigned. Keyed by the case,
    the clock and the due time's UTC day: a case escalates once per clock, and again only
    when a reopen gives the clock a due time on another day.
    """

    then: MakeTask = MakeTask(
        "SLA {clock_name} breached: {subject} ({assignee})", priority=Priority.HIGH
    )
    within: timedelta = attrs.field(default=timedelta(0), converter=_within)
    name: str = "case_escalation"

    def evaluate(
        self, ctx: AutomationContext, breaches: Iterable[tuple[Case, Clock, datetime]]
    ) -> Iterable[Action]:
        directory = ctx.directory
        for case, clock, due in breaches:
            who, lead = case.assignee, None
            if directory is not None and who is not None and who in directory:
                lead = directory.lead_of(directory.get(who).team)
            if lead == who:
                lead = None
            key = automation_key(f"{self.name}:{clock}", case.id, due.astimezone(UTC).date())
            fields = {
                "clock": clock,
                "clock_name": clock.replace("_", " "),
                "subject": case.subject,
                "assignee": case.assignee or "unassigned",
                "case_id": case.id,
                "due": due,
            }
            yield self.then.build(
                ctx, rule=self.name, key=key, contact_id=case.contact_id, owner=lead, fields=fields
            )
