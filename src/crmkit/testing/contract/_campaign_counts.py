"""Contract: a campaign's counts, however a backend keeps them, equal a recount.

A backend may keep a campaign's event counts as events are recorded
(:class:`crmkit.storage.protocols.CampaignEventCounts`) and its member counts as members
change (the SQL backends keep both, migration 0025); the memory backend and the generic
record store count at each report. The property drives a workspace through any sequence of
recorded events, merges, unmerges and erasures and compares what a report reads with a
recount: the events per type from the record store, the members' counts and measured group
sizes from :func:`crmkit.storage.protocols.measured_groups_in_python`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit._api.marketing.campaign_kinds import CAMPAIGN_EVENTS, event_counts
from crmkit.crm import CRM
from crmkit.errors import (
    ErasedContactError,
    InvalidTransitionError,
    MergeConflictError,
    NotFoundError,
    UnmergeOrderError,
)
from crmkit.marketing import Campaign, EventType
from crmkit.segments import tag
from crmkit.storage.protocols import Storage, measured_groups, measured_groups_in_python
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["CampaignCountsContract", "counts_world", "recount_events"]

DAY = timedelta(days=1)

_who = st.integers(0, 5)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("event"), _who, st.integers(0, 1), st.sampled_from(list(EventType))),
        st.tuples(st.just("merge"), _who, _who),
        st.tuples(st.just("unmerge"), st.integers(0, 3)),
        st.tuples(st.just("erase"), _who),
    ),
    max_size=24,
)
counts_world = st.fixed_dictionaries(
    {
        "people": st.integers(2, 6),
        "consent": st.sets(_who),
        "campaigns": st.lists(
            st.tuples(st.integers(0, 40), st.integers(0, 99)), min_size=1, max_size=2
        ),
        "ops": _ops,
    }
)


def run_counts_world(crm: CRM, s: dict[str, Any]) -> list[Campaign]:
    """The scenario *s* of :data:`counts_world` played through *crm*: contacts, consents,
    launches, then its operations in order (those the API refuses are skipped: an event for
    a held-out or gone member, an unmerge out of order, ...)."""
    people = [crm.contacts.create(name=f"P{i}", tags={"gold"}).id for i in range(s["people"])]
    for i in s["consent"]:
        if i < len(people):
            crm.consent.record(people[i], purpose="marketing_email", granted=True, at=T0 - DAY)
    campaigns = []
    for n, (holdout, seed) in enumerate(s["campaigns"]):
        c = crm.campaigns.create(
            f"C{n}",
            channel="email",
            audience=tag("gold"),
            purpose="marketing_email",
            holdout=Decimal(holdout) / 100,
            seed=seed,
        )
        crm.campaigns.launch(c.id, at=T0 + n * DAY)
        campaigns.append(c)
    merges: list[str] = []
    refused = (
        ErasedContactError,
        InvalidTransitionError,
        MergeConflictError,
        NotFoundError,
        UnmergeOrderError,
    )
    for op in s["ops"]:
        who = op[1] % len(people)
        try:
            if op[0] == "event":
                c = campaigns[op[2] % len(campaigns)]
                crm.campaigns.record_event(c.id, people[who], op[3], at=T0 + 3 * DAY)
            elif op[0] == "merge" and who != op[2] % len(people):
                merged = crm.merge(people[who], people[op[2] % len(people)])
                merges.append(merged.merge_id or "")
            elif op[0] == "unmerge" and merges:
                crm.unmerge(merges[op[1] % len(merges)])
            elif op[0] == "erase":
                crm.contacts.erase(people[who])
        except refused:
            continue
    return campaigns


def recount_events(storage: Storage, workspace: str, campaign_id: str) -> dict[EventType, int]:
    """The definition: the campaign's events in the record store, counted per type."""
    with storage.unit_of_work(workspace, read_only=True) as uow:
        events = CAMPAIGN_EVENTS.on(uow)
        found = {t: events.count("type", equals=f"{campaign_id}:{t.value}") for t in EventType}
    return {t: n for t, n in found.items() if n}


class CampaignCountsContract(ContractBase):
    def test_campaign_counts_equal_a_recount(self, storage: Storage) -> None:
        @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(s=counts_world)
        def agree(s: dict[str, Any]) -> None:
            crm = CRM(storage=storage, workspace=f"k-{uuid.uuid4().hex[:8]}", clock=lambda: T0)
            for c in run_counts_world(crm, s):
                span = {"since": T0, "until": T0 + 30 * DAY}
                with storage.unit_of_work(crm.workspace, read_only=True) as uow:
                    served = event_counts(uow, c.id)
                    kept = measured_groups(uow, c.id, **span)
                    counted = measured_groups_in_python(uow, c.id, **span)
                assert served == recount_events(storage, crm.workspace, c.id)
                assert (kept.sizes, kept.counts) == (counted.sizes, counted.counts)
                report = crm.campaigns.report(c.id)
                assert report.opened == served.get(EventType.OPENED, 0)
                assert report.sent + report.held_out + report.skipped_no_consent == sum(
                    counted.counts.values()
                )

        agree()
