"""Contract: what a campaign report measures, and attribution by first and last touch.

A backend may read a report's measured groups in the database
(:class:`crmkit.storage.protocols.MeasuredGroupsSource`); whatever it does, the answer must
equal :func:`crmkit.storage.protocols.measured_groups_in_python`, the definition the
memory backend uses. The property below draws campaigns, purchases, refunds, merges (which
give a contact two memberships of one campaign) and erasures, and compares the two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import (
    ContactNotFoundError,
    CurrencyMismatchError,
    DealNotFoundError,
    ValidationError,
)
from crmkit.marketing import Campaign, Group
from crmkit.segments import tag
from crmkit.storage.protocols import (
    Storage,
    UnitOfWork,
    measured_groups,
    measured_groups_in_python,
    measured_outcomes,
    measured_outcomes_in_python,
)
from crmkit.testing.contract._base import T0, ContractBase
from crmkit.value.ledger import Transaction, TransactionKind

__all__ = ["CampaignMeasureContract"]

DAY = timedelta(days=1)

_purchases = st.lists(
    st.tuples(
        st.integers(0, 7),  # who
        st.integers(-3, 50),  # day after T0
        st.integers(1, 9999),  # cents (or, scaled below, other places)
        st.sampled_from([2, 2, 2, 0, 1, 3, 4, 5]),  # decimal places
        st.sampled_from(["EUR", "EUR", "EUR", "PLN"]),
        st.sampled_from([TransactionKind.PURCHASE] * 4 + [TransactionKind.REFUND]),
    ),
    max_size=14,
)
_scenarios = st.fixed_dictionaries(
    {
        "people": st.integers(2, 8),
        "consent": st.sets(st.integers(0, 7)),
        "campaigns": st.lists(
            st.tuples(st.integers(0, 20), st.integers(0, 50), st.integers(0, 99)),
            min_size=1,
            max_size=3,
        ),
        "purchases": _purchases,
        "merges": st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=2),
        "erase": st.sets(st.integers(0, 7), max_size=1),
        "window": st.integers(1, 45),
        "currency": st.sampled_from([None, None, "EUR", "PLN", "USD"]),
    }
)


def _campaign(crm: CRM, holdout: int, seed: int) -> Campaign:
    return crm.campaigns.create(
        f"C{seed}",
        channel="email",
        audience=tag("gold"),
        purpose="marketing_email",
        holdout=Decimal(holdout) / 100,
        seed=seed,
    )


def build_world(crm: CRM, s: dict[str, Any]) -> list[Campaign]:
    """The scenario *s* written through *crm*: contacts, consents, launches (by day),
    purchases and refunds, then merges and erasures."""
    people = [crm.contacts.create(name=f"P{i}", tags={"gold"}).id for i in range(s["people"])]
    for i in s["consent"]:
        if i < len(people):
            crm.consent.record(people[i], purpose="marketing_email", granted=True, at=T0 - DAY)
    campaigns = []
    for day, holdout, seed in sorted(s["campaigns"]):
        c = _campaign(crm, holdout, seed)
        crm.campaigns.launch(c.id, at=T0 + day * DAY)
        campaigns.append(crm.campaigns.get(c.id))
    entries = [
        Transaction.new(
            contact_id=people[who],
            kind=kind,
            amount=Money(Decimal(cents).scaleb(-places), currency),
            occurred_at=T0 + day * DAY,
        )
        for who, day, cents, places, currency, kind in s["purchases"]
        if who < len(people)
    ]
    with crm.storage.unit_of_work(crm.workspace) as uow:
        uow.transactions.add_many(entries)
        uow.commit()
    alive = set(people)
    for a, b in s["merges"]:
        if a < len(people) and b < len(people) and {people[a], people[b]} <= alive and a != b:
            crm.merge(people[a], people[b])
            alive.discard(people[b])
    for i in s["erase"]:
        if i < len(people) and people[i] in alive:
            crm.contacts.erase(people[i])
    return campaigns


def _launched(
    storage: Storage, s: dict[str, Any]
) -> Iterator[tuple[UnitOfWork, Campaign, dict[str, Any]]]:
    """Each campaign of scenario *s*, built in a workspace of its own, with a read-only unit
    of work to enter and the span its report reads."""
    crm = CRM(storage=storage, workspace=f"m-{uuid.uuid4().hex[:8]}", clock=lambda: T0)
    for c in build_world(crm, s):
        assert c.launched_at is not None
        span = {"since": c.launched_at, "until": c.launched_at + s["window"] * DAY}
        yield storage.unit_of_work(crm.workspace, read_only=True), c, span


class CampaignMeasureContract(ContractBase):
    def test_measured_groups_equal_their_definition(self, storage: Storage) -> None:
        @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(s=_scenarios)
        def agree(s: dict[str, Any]) -> None:
            for uow, c, span in _launched(storage, s):
                with uow:
                    served = measured_groups(uow, c.id, **span)
                    assert served == measured_groups_in_python(uow, c.id, **span)
                    assert sum(served.sizes.values()) == len(uow.campaign_members.measured(c.id))

        agree()

    def test_measured_outcomes_equal_their_definition(self, storage: Storage) -> None:
        """The tally a report reads (:class:`MeasuredOutcomesSource`, added up in SQL) is
        the buyers tallied in Python, to the exponent of every sum, errors included."""

        @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(s=_scenarios)
        def agree(s: dict[str, Any]) -> None:
            for uow, c, span in _launched(storage, s):
                with uow:
                    expected: Any
                    try:
                        expected = measured_outcomes_in_python(
                            uow, c.id, currency=s["currency"], **span
                        )
                    except CurrencyMismatchError as exc:
                        expected = (exc.field, exc.value)
                    try:
                        served: Any = measured_outcomes(uow, c.id, currency=s["currency"], **span)
                    except CurrencyMismatchError as exc:
                        served = (exc.field, exc.value)
                    assert served == expected
                    if not isinstance(served, tuple):
                        for g, outcome in served.groups.items():
                            mine = expected.groups[g]
                            sums = ("revenue", "squares", "first_touch_revenue")
                            for name in (*sums, "last_touch_revenue"):
                                assert str(getattr(outcome, name)) == str(getattr(mine, name))

        agree()

    def test_campaign_report_by_first_and_last_touch(self, crm: CRM) -> None:
        people = [crm.contacts.create(name=f"G{i}", tags={"gold"}).id for i in range(4)]
        for p in people:
            crm.consent.record(p, purpose="marketing_email", granted=True, at=T0 - DAY)
        winter = _campaign(crm, 0, 1)
        crm.campaigns.launch(winter.id, at=T0)
        newcomer = crm.contacts.create(name="New", tags={"gold"}).id
        crm.consent.record(newcomer, purpose="marketing_email", granted=True, at=T0)
        spring = _campaign(crm, 0, 2)
        crm.campaigns.launch(spring.id, at=T0 + 10 * DAY)

        def buy(who: str, day: int, amount: str) -> None:
            crm.transactions.add(
                who, kind="purchase", amount=Money(amount, "EUR"), occurred_at=T0 + day * DAY
            )

        buy(people[0], 5, "10")  # under winter (spring not launched yet)
        buy(people[0], 12, "20")  # under spring
        buy(people[1], 3, "7")  # under winter only
        buy(newcomer, 11, "30")  # spring is the newcomer's first and last touch
        w = crm.campaigns.report(winter.id, window=timedelta(days=30))
        assert (w.conversions, w.revenue) == (2, Money("37", "EUR"))
        assert (w.first_touch_conversions, w.first_touch_revenue) == (2, Money("37", "EUR"))
        assert (w.last_touch_conversions, w.last_touch_revenue) == (2, Money("17", "EUR"))
        sp = crm.campaigns.report(spring.id, window=timedelta(days=30))
        assert (sp.conversions, sp.revenue) == (2, Money("50", "EUR"))
        assert (sp.first_touch_conversions, sp.first_touch_revenue) == (1, Money("30", "EUR"))
        assert (sp.last_touch_conversions, sp.last_touch_revenue) == (2, Money("50", "EUR"))

    def test_held_out_and_unconsenting_members_are_never_touched(self, crm: CRM) -> None:
        people = [crm.contacts.create(name=f"G{i}", tags={"gold"}).id for i in range(10)]
        for p in people[:8]:
            crm.consent.record(p, purpose="marketing_email", granted=True, at=T0 - DAY)
        camp = _campaign(crm, 30, 5)
        crm.campaigns.launch(camp.id, at=T0)
        for p in people:
            crm.transactions.add(p, kind="purchase", amount=Money("5", "EUR"), occurred_at=T0 + DAY)
        rep = crm.campaigns.report(camp.id)
        members = crm.campaigns.members(camp.id)
        held = [m.contact_id for m in members if m.group is Group.HELD_OUT]
        assert rep.holdout_conversions == rep.holdout > 0
        assert rep.first_touch_conversions == rep.last_touch_conversions == rep.conversions
        for who in [*held, *people[8:]]:
            assert who is not None
            touch = crm.campaigns.attribution(who, at=T0 + DAY)
            assert (touch.first_touch, touch.last_touch) == (None, None)

    def test_attribution_of_contacts_and_deals(self, crm: CRM) -> None:
        ana, ben = (crm.contacts.create(name=n, tags={"gold"}).id for n in ("Ana", "Ben"))
        for p in (ana, ben):
            crm.consent.record(p, purpose="marketing_email", granted=True, at=T0 - DAY)
        winter = _campaign(crm, 0, 1)
        crm.campaigns.launch(winter.id, at=T0)
        spring = _campaign(crm, 0, 2)
        crm.campaigns.launch(spring.id, at=T0 + 40 * DAY)
        a = crm.campaigns.attribution(ana, at=T0 + 5 * DAY)
        assert (a.first_touch, a.last_touch) == (winter.id, winter.id)
        a = crm.campaigns.attribution(ana, at=T0 + 35 * DAY)  # winter's window is over
        assert (a.first_touch, a.last_touch) == (winter.id, None)
        a = crm.campaigns.attribution(ana, at=T0 + 41 * DAY)
        assert (a.first_touch, a.last_touch) == (winter.id, spring.id)
        a = crm.campaigns.attribution(ana, at=T0 - DAY)
        assert (a.first_touch, a.last_touch) == (None, None)
        pipeline = crm.pipelines.create("Sales", stages=["New", "Proposal"])
        deal = crm.deals.create(
            pipeline_id=pipeline.id,
            title="Gold",
            value=Money("900", "EUR"),
            contact_id=ana,
            created_at=T0 + 20 * DAY,
        )
        d = crm.campaigns.deal_attribution(deal.id)
        assert (d.first_touch, d.last_touch) == (winter.id, winter.id)
        crm.deals.win(deal.id, at=T0 + 45 * DAY)
        d = crm.campaigns.deal_attribution(deal.id)
        assert (d.first_touch, d.last_touch) == (winter.id, spring.id)
        firm = crm.organizations.create(name="Firm").id
        alone = crm.deals.create(
            pipeline_id=pipeline.id, title="X", value=Money("1", "EUR"), organization_id=firm
        )
        d = crm.campaigns.deal_attribution(alone.id)  # no contact, no campaign
        assert (d.first_touch, d.last_touch) == (None, None)

    def test_attribution_moves_with_merges_and_goes_with_erasure(self, crm: CRM) -> None:
        ana = crm.contacts.create(name="Ana", tags={"gold"}).id
        crm.consent.record(ana, purpose="marketing_email", granted=True, at=T0 - DAY)
        winter = _campaign(crm, 0, 1)
        crm.campaigns.launch(winter.id, at=T0)
        keeper = crm.contacts.create(name="Keeper").id
        merged = crm.merge(keeper, ana)
        assert crm.campaigns.attribution(keeper, at=T0 + DAY).first_touch == winter.id
        crm.unmerge(merged.merge_id or "")
        assert crm.campaigns.attribution(keeper, at=T0 + DAY).first_touch is None
        assert crm.campaigns.attribution(ana, at=T0 + DAY).first_touch == winter.id
        crm.contacts.erase(ana)
        with pytest.raises(ContactNotFoundError):
            crm.campaigns.attribution(ana, at=T0 + DAY)

    def test_attribution_bad_input_names_the_field(self, crm: CRM) -> None:
        ana = crm.contacts.create(name="Ana").id
        with pytest.raises(ValidationError) as err:
            crm.campaigns.attribution(ana, at=T0, window=timedelta(0))
        assert err.value.field == "window"
        with pytest.raises(ValidationError) as err:
            crm.campaigns.attribution(ana, at=T0.replace(tzinfo=None))
        assert err.value.field == "at"
        with pytest.raises(DealNotFoundError):
            crm.campaigns.deal_attribution("nope")
