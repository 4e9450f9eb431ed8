"""What a launched campaign did: its counts, and its uplift over the holdout.

A member **converts** when their ledger shows a purchase within the window after the
launch. The ledger is read for both groups alike: held-out members were never messaged, so
``converted`` events (reported by the application for messaged members) cannot measure
them, and the uplift must compare like with like. The groups measured are the members who
consented at send time in each group (the treated ones are those messaged): consent was
checked for everybody before anything was sent, so both are random shares of the same
consenting audience. Erased members keep their group in the counts but leave the
measurement, their ledger being gone.

Attribution (:mod:`crmkit.marketing.touches`): of the treated who converted, those whose
first touch is this campaign count as its **first-touch** conversions (with their revenue in
the window), and the purchases made while this campaign was their last touch as its
**last-touch** revenue (a member with one of them is a last-touch conversion).

A report over a million members reads them as :class:`MeasuredGroups`: group sizes and the
buyers only (storage counts the rest), tallied per group into :class:`GroupOutcome`.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from crmkit._types import Money
from crmkit.errors import CurrencyMismatchError
from crmkit.marketing._uplift import RevenueUplift, Uplift, revenue_uplift_of_sums, uplift
from crmkit.marketing.campaign import EventType, Group

__all__ = [
    "CampaignReport",
    "GroupOutcome",
    "MeasuredBuyer",
    "MeasuredGroups",
    "MeasuredOutcomes",
    "MemberOutcome",
    "campaign_report",
    "group_outcomes",
]


@attrs.frozen
class MemberOutcome:
    """One measured member: their group and what they bought in the window (0 if nothing;
    ``converted`` if they bought at all)."""

    group: Group
    converted: bool
    revenue: Decimal = Decimal(0)


class MeasuredBuyer(NamedTuple):
    """A measured member who bought in the window: their group (a merged contact with two
    memberships: the older's), their purchases oldest first (by time, then transaction id),
    each as amount, currency and last touch (a campaign id or ``None``), and their first
    touch. (A named tuple of amounts, not an attrs class of :class:`~crmkit.Money`: a
    report reads a hundred thousand, and a tuple is built several times faster.)"""

    group: Group
    purchases: tuple[tuple[Decimal, str, str | None], ...]
    first_touch: str | None


@attrs.frozen
class MeasuredGroups:
    """What a report measures, as storage reads it: how many members each group measures
    (consenting at send time, not erased, merged twins once); by contact id, those who
    bought in the window; and the launch's ``counts``: members per group and consent at
    send time, erased ones included (pairs with none left out), as
    :meth:`crmkit.storage.protocols.CampaignMemberRepository.counts` gives them."""

    sizes: Mapping[Group, int]
    buyers: Mapping[str, MeasuredBuyer]
    counts: Mapping[tuple[Group, bool], int] = attrs.field(factory=dict)


@attrs.frozen
class GroupOutcome:
    """One measured group, tallied: ``members``, ``conversions`` (members who bought),
    ``revenue`` (the group's, in the report's currency), ``squares`` (the sum over its
    members of each one's revenue squared, 0 for those who bought nothing: with
    ``revenue`` and ``members``, what the revenue interval needs) and ``places`` (the finest
    exponent among the amounts, at most 0). The ``first_touch_*`` and ``last_touch_*``
    figures are the group's attributed conversions and revenue. A database can add these
    up without sending a row per member
    (:class:`crmkit.storage.protocols.MeasuredOutcomesSource`)."""

    members: int
    conversions: int
    revenue: Decimal = Decimal(0)
    squares: Decimal = Decimal(0)
    places: int = 0
    first_touch_conversions: int = 0
    first_touch_revenue: Decimal = Decimal(0)
    last_touch_conversions: int = 0
    last_touch_revenue: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        """The group's revenue (``revenue``)."""
        return self.revenue

    @classmethod
    def tally(cls, outcomes: Iterable[MemberOutcome]) -> dict[Group, "GroupOutcome"]:
        """Per-member outcomes tallied per group (groups without members left out)."""
        sums: dict[Group, list[Any]] = {}
        places = 0
        for o in outcomes:
            found = sums.setdefault(o.group, [0, 0, Decimal(0), Decimal(0)])
            found[0] += 1
            found[1] += o.converted
            found[2] += o.revenue
            found[3] += o.revenue * o.revenue
            places = min(places, int(o.revenue.as_tuple().exponent))
        return {g: cls(n, k, total, sq, places) for g, (n, k, total, sq) in sums.items()}


@attrs.frozen
class MeasuredOutcomes:
    """What a report measures, tallied: the report's ``currency`` (``None`` when nobody
    bought), each measured group's :class:`GroupOutcome`, and the launch's ``counts`` (as
    in :class:`MeasuredGroups`). :func:`group_outcomes` gives them from
    :class:`MeasuredGroups`; SQL backends add them up in the database."""

    currency: str | None
    groups: Mapping[Group, GroupOutcome]
    counts: Mapping[tuple[Group, bool], int] = attrs.field(factory=dict)


@attrs.frozen
class CampaignReport:
    """A campaign's numbers. ``sent``, ``held_out`` and ``skipped_no_consent`` count
    members; the event counts (``delivered`` ... ``converted_events``) count the events
    recorded. ``treated`` and ``holdout`` are the measured groups, ``conversions`` and
    ``holdout_conversions`` those who bought within ``window``, ``revenue`` what the
    treated bought (``None`` when nobody did). ``uplift`` is the treated conversion rate
    minus the holdout's, with its 95 % Newcombe interval ``uplift_ci``; both ``None`` while
    a group is empty. ``revenue_uplift`` compares revenue per member (``None`` with fewer
    than two members in a group). Attribution (treated members only):
    ``first_touch_conversions`` converted and were first reached by this campaign
    (``first_touch_revenue``: their revenue in the window); ``last_touch_conversions``
    bought while this campaign was their last touch (``last_touch_revenue``: those
    purchases)."""

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
    first_touch_conversions: int = 0
    first_touch_revenue: Money | None = None
    last_touch_conversions: int = 0
    last_touch_revenue: Money | None = None

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
    outcomes: Iterable[MemberOutcome] | Mapping[Group, GroupOutcome],
    currency: str | None,
) -> CampaignReport:
    """The report from counts and measured members. *members* counts ``sent``,
    ``held_out`` and ``skipped_no_consent``; *outcomes* are the measured members, or their
    groups tallied (:func:`group_outcomes`), revenue in *currency* (``None`` when nobody
    bought).

    >>> out = [MemberOutcome(Group.TREATED, True, Decimal("20"))] * 3
    >>> out += [MemberOutcome(Group.TREATED, False)] * 7
    >>> out += [MemberOutcome(Group.HELD_OUT, False)] * 5
    >>> r = campaign_report("k1", window=timedelta(days=30), members={"sent": 10, "held_out": 5},
    ...                     events={}, outcomes=out, currency="EUR")
    >>> r.conversions, r.holdout_conversions, r.revenue, round(r.uplift or 0, 2)
    (3, 0, Money('60', 'EUR'), 0.3)
    """
    groups = outcomes if isinstance(outcomes, Mapping) else GroupOutcome.tally(outcomes)
    none = GroupOutcome(0, 0)
    treated, held = groups.get(Group.TREATED, none), groups.get(Group.HELD_OUT, none)
    rates = None
    if treated.members and held.members:
        rates = uplift(treated.conversions, treated.members, held.conversions, held.members)
    money = None
    if treated.members >= 2 and held.members >= 2 and currency is not None:
        money = revenue_uplift_of_sums(
            (treated.members, treated.revenue, treated.squares),
            (held.members, held.revenue, held.squares),
            places=min(treated.places, held.places),
        )

    def cash(amount: Decimal) -> Money | None:
        return None if currency is None or not amount else Money(amount, currency)

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
        treated=treated.members,
        holdout=held.members,
        conversions=treated.conversions,
        holdout_conversions=held.conversions,
        revenue=cash(treated.revenue),
        rates=rates,
        revenue_uplift=money,
        first_touch_conversions=treated.first_touch_conversions,
        first_touch_revenue=cash(treated.first_touch_revenue),
        last_touch_conversions=treated.last_touch_conversions,
        last_touch_revenue=cash(treated.last_touch_revenue),
    )


def _currency(measured: MeasuredGroups, currency: str | None) -> str | None:
    found = {c for b in measured.buyers.values() for _, c, _ in b.purchases}
    if currency is None and len(found) > 1:
        raise CurrencyMismatchError("currency", sorted(found), "name the report's currency")
    return currency if currency is not None else next(iter(found), None)


def group_outcomes(
    campaign_id: str, measured: MeasuredGroups, currency: str | None
) -> tuple[str | None, dict[Group, GroupOutcome]]:
    """The report's currency and its measured groups tallied. Without *currency*, the one
    currency the purchases are in (several raise
    :class:`crmkit.errors.CurrencyMismatchError`); revenue counts only purchases in the
    report's currency, conversion counts every purchase. Attribution is to *campaign_id*.

    >>> buyer = MeasuredBuyer(Group.TREATED, ((Decimal("9.90"), "EUR", "k1"),), "k0")
    >>> m = MeasuredGroups({Group.TREATED: 3}, {"c1": buyer})
    >>> cur, groups = group_outcomes("k1", m, None)
    >>> t = groups[Group.TREATED]
    >>> cur, t.conversions, t.revenue, t.squares, t.last_touch_conversions
    ('EUR', 1, Decimal('9.90'), Decimal('98.0100'), 1)
    """
    # Without a currency named, the first purchase's, until another shows up: then all
    # of them are gathered for the error (one pass over the buyers, not two).
    cur = currency
    if cur is None:
        cur = next((c for b in measured.buyers.values() for _, c, _ in b.purchases), None)
    # Per group, by position and identity (hashing an Enum runs Python code: a hundred
    # thousand buyers would pay for it several times each): buyers, revenue and its
    # squares, and the first- and last-touch tallies.
    order = list(measured.sizes)
    second = order[1] if len(order) > 1 else None
    bought, first_n, last_n = [0] * len(order), [0] * len(order), [0] * len(order)
    zero = [Decimal(0)] * len(order)
    total, squares, first_spent, last_spent = list(zero), list(zero), list(zero), list(zero)
    exponents: set[int] = set()
    for b in measured.buyers.values():
        spent = under_spent = Decimal(0)
        under = False
        for amount, cur_of, last in b.purchases:
            if cur_of == cur:
                spent += amount
                exponents.add(amount.as_tuple().exponent)  # type: ignore[arg-type]
                if last == campaign_id:
                    under_spent += amount
            elif currency is None:
                _currency(measured, None)  # raises, naming them all
            if last == campaign_id:
                under = True
        i = 1 if b.group is second else 0
        bought[i] += 1
        total[i] += spent
        squares[i] += spent * spent
        if b.first_touch == campaign_id:
            first_n[i] += 1
            first_spent[i] += spent
        if under:
            last_n[i] += 1
            last_spent[i] += under_spent
    # A sum's exponent is its finest term's (exact Decimal addition); 0 is Decimal(0)'s.
    places = min(min(exponents, default=0), 0)
    groups = {
        g: GroupOutcome(
            measured.sizes[g],
            bought[i],
            total[i],
            squares[i],
            places,
            first_n[i],
            first_spent[i],
            last_n[i],
            last_spent[i],
        )
        for i, g in enumerate(order)
    }
    return cur, groups
