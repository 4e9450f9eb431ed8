"""What a launched campaign did: its counts, and its uplift over the holdout.

A member **converts** when their ledger shows a purchase within the window after the
launch. The ledger is read for both groups alike: held-out members were never messaged, so
``converted`` events (reported by the application for messaged members) cannot measure
them, and the uplift must compare like with like. The groups measured are the members who
consented at send time in each group (the treated ones are those messaged): consent was
checked for everybody before anything was sent, so both are random shares of the same
consenting audience. Erased members keep their group in the counts but leave the
measurement, their ledger being gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal

import attrs

from crmkit._types import Money
from crmkit.errors import CurrencyMismatchError
from crmkit.marketing._uplift import RevenueUplift, Uplift, revenue_uplift, uplift
from crmkit.marketing.campaign import EventType, Group

__all__ = ["CampaignReport", "MemberOutcome", "campaign_report", "member_outcomes"]


@attrs.frozen
class MemberOutcome:
    """One measured member: their group and what they bought in the window (0 if nothing;
    ``converted`` if they bought at all)."""

    group: Group
    converted: bool
    revenue: Decimal = Decimal(0)


@attrs.frozen
class CampaignReport:
    """A campaign's numbers. ``sent``, ``held_out`` and ``skipped_no_consent`` count
    members; the event counts (``delivered`` ... ``converted_events``) count the events
    recorded. ``treated`` and ``holdout`` are the measured groups, ``conversions`` and
    ``holdout_conversions`` those who bought within ``window``, ``revenue`` what the
    treated bought (``None`` when nobody did). ``uplift`` is the treated conversion rate
    minus the holdout's, with its 95 % Newcombe interval ``uplift_ci``; both ``None`` while
    a group is empty. ``revenue_uplift`` compares revenue per member (``None`` with fewer
    than two members in a group)."""

    campaign_id: str
    window: timedelta
    sent: int
    held_out: int
    skipped_no_consent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    unsubscribed: int
    converted_events: int
    treated: int
    holdout: int
    conversions: int
    holdout_conversions: int
    revenue: Money | None
    rates: Uplift | None
    revenue_uplift: RevenueUplift | None

    @property
    def uplift(self) -> float | None:
        return None if self.rates is None else self.rates.uplift

    @property
    def uplift_ci(self) -> tuple[float, float] | None:
        return None if self.rates is None else (self.rates.ci_low, self.rates.ci_high)


def campaign_report(
    campaign_id: str,
    *,
    window: timedelta,
    members: Mapping[str, int],
    events: Mapping[EventType, int],
    outcomes: Iterable[MemberOutcome],
    currency: str | None,
) -> CampaignReport:
    """The report from counts and measured members. *members* counts ``sent``,
    ``held_out`` and ``skipped_no_consent``; *outcomes* are the measured members, their
    revenue in *currency* (``None`` when nobody bought).

    >>> out = [MemberOutcome(Group.TREATED, True, Decimal("20"))] * 3
    >>> out += [MemberOutcome(Group.TREATED, False)] * 7
    >>> out += [MemberOutcome(Group.HELD_OUT, False)] * 5
    >>> r = campaign_report("k1", window=timedelta(days=30), members={"sent": 10, "held_out": 5},
    ...                     events={}, outcomes=out, currency="EUR")
    >>> r.conversions, r.holdout_conversions, r.revenue, round(r.uplift or 0, 2)
    (3, 0, Money('60', 'EUR'), 0.3)
    """
    treated: list[Decimal] = []
    held: list[Decimal] = []
    converted = {Group.TREATED: 0, Group.HELD_OUT: 0}
    for o in outcomes:
        (treated if o.group is Group.TREATED else held).append(o.revenue)
        converted[o.group] += o.converted
    rates = None
    if treated and held:
        rates = uplift(converted[Group.TREATED], len(treated), converted[Group.HELD_OUT], len(held))
    money = None
    if len(treated) >= 2 and len(held) >= 2 and currency is not None:
        money = revenue_uplift(treated, held)
    total = sum(treated, Decimal(0))
    return CampaignReport(
        campaign_id,
        window,
        sent=members.get("sent", 0),
        held_out=members.get("held_out", 0),
        skipped_no_consent=members.get("skipped_no_consent", 0),
        delivered=events.get(EventType.DELIVERED, 0),
        opened=events.get(EventType.OPENED, 0),
        clicked=events.get(EventType.CLICKED, 0),
        bounced=events.get(EventType.BOUNCED, 0),
        unsubscribed=events.get(EventType.UNSUBSCRIBED, 0),
        converted_events=events.get(EventType.CONVERTED, 0),
        treated=len(treated),
        holdout=len(held),
        conversions=converted[Group.TREATED],
        holdout_conversions=converted[Group.HELD_OUT],
        revenue=None if currency is None or not total else Money(total, currency),
        rates=rates,
        revenue_uplift=money,
    )


def member_outcomes(
    groups: Mapping[str, Group], bought: Mapping[str, list[Money]], currency: str | None
) -> tuple[str | None, list[MemberOutcome]]:
    """The report's currency and each measured member's outcome, from the member's group
    and purchases in the window (a member missing from *bought* bought nothing). Without
    *currency*, the one currency the purchases are in
    (several raise :class:`crmkit.errors.CurrencyMismatchError`); revenue counts only
    purchases in the report's currency, conversion counts every purchase.

    >>> member_outcomes({"c1": Group.TREATED}, {"c1": [Money("9.90", "EUR")]}, None)[0]
    'EUR'
    """
    found = {a.currency for amounts in bought.values() for a in amounts}
    if currency is None and len(found) > 1:
        raise CurrencyMismatchError("currency", sorted(found), "name the report's currency")
    cur = currency if currency is not None else next(iter(found), None)
    # One shared outcome per group for those who bought nothing: most members, in a
    # campaign of a million.
    idle = {g: MemberOutcome(g, False) for g in Group}
    outcomes = [
        MemberOutcome(
            group,
            True,
            sum((a.amount for a in bought[cid] if a.currency == cur), Decimal(0)),
        )
        if bought.get(cid)
        else idle[group]
        for cid, group in groups.items()
    ]
    return cur, outcomes
