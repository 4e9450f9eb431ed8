"""``crm.campaigns``, the measuring half: the report, and attribution of contacts and deals
to the campaigns that reached them (first touch) and that they converted under (last touch).

The report's members are read as :class:`crmkit.marketing.campaign_report.MeasuredOutcomes`
through :func:`crmkit.storage.protocols.measured_outcomes` (counted and added up in the
database where the backend can); touches are the pure rules of
:mod:`crmkit.marketing.touches`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit._api._base import Context
from crmkit._api._records import load, of_known_contact
from crmkit._api.marketing.campaign_kinds import CAMPAIGNS, event_counts
from crmkit._text_limits import clean_text
from crmkit._types import Money, check_duration, ensure_aware
from crmkit.errors import InvalidTransitionError
from crmkit.marketing.campaign import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    Group,
    LaunchRun,
)
from crmkit.marketing.campaign_report import CampaignReport, campaign_report
from crmkit.marketing.touches import Attribution, attribution
from crmkit.storage.protocols import UnitOfWork, measured_outcomes

__all__ = ["CampaignMeasures"]

_WINDOW = timedelta(days=30)


class CampaignMeasures:
    """What ``crm.campaigns`` reads: launch totals, the report, attribution."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _load(self, uow: UnitOfWork, campaign_id: Any) -> Campaign:
        return load(CAMPAIGNS.on(uow), campaign_id, field="campaign_id", what="campaign")

    def _run(
        self,
        uow: UnitOfWork,
        campaign_id: str,
        *,
        queued: int,
        counts: Mapping[tuple[Group, bool], int] | None = None,
    ) -> LaunchRun:
        if counts is None:
            counts = uow.campaign_members.counts(campaign_id)

        def count(group: Group, consented: bool) -> int:
            return counts.get((group, consented), 0)

        held = count(Group.HELD_OUT, True) + count(Group.HELD_OUT, False)
        return LaunchRun(
            campaign_id,
            sent=count(Group.TREATED, True),
            held_out=held,
            skipped_no_consent=count(Group.TREATED, False),
            queued=queued,
        )

    def for_contact(self, contact_id: str) -> list[CampaignMember]:
        """The contact's memberships, oldest first: which campaigns reached (or held out)
        them. The first messaged one is the contact's first touch."""
        with self._ctx.read() as uow:
            return of_known_contact(uow, contact_id, uow.campaign_members.for_contact(contact_id))

    def attribution(
        self, contact_id: str, *, at: datetime | None = None, window: timedelta = _WINDOW
    ) -> Attribution:
        """Where the contact came from as of *at* (default now): ``first_touch``, the
        campaign that messaged them first (their source campaign), and ``last_touch``, the
        latest to message them at or before *at*, if less than *window* before it (the
        campaign a purchase at *at* converts under). Campaign ids, or ``None``; held-out and
        unconsenting memberships are no touch."""
        when = ensure_aware(self._ctx.clock() if at is None else at, "at")
        span = check_duration(window, "window", allow_zero=False)
        return attribution(self.for_contact(contact_id), when, window=span)

    def deal_attribution(self, deal_id: str, *, window: timedelta = _WINDOW) -> Attribution:
        """A deal's campaigns, from its contact's memberships: ``first_touch`` among those
        launched by the deal's creation, ``last_touch`` the latest before it was won (or,
        while open or lost, created), within *window*. A deal without a contact has
        neither."""
        span = check_duration(window, "window", allow_zero=False)
        clean_text("deal_id", deal_id, required=True)
        with self._ctx.read() as uow:
            deal = uow.deals.get(deal_id)
            members = (
                [] if deal.contact_id is None else uow.campaign_members.for_contact(deal.contact_id)
            )
        won = deal.closed_at if deal.status.value == "won" else None
        touch = attribution(members, won or deal.created_at, window=span)
        first = attribution(members, deal.created_at, window=span).first_touch
        return Attribution(first, touch.last_touch)

    def report(
        self,
        campaign_id: str,
        *,
        window: timedelta = _WINDOW,
        currency: str | None = None,
    ) -> CampaignReport:
        """The campaign's counts and its uplift: a member converts with a ledger purchase
        in ``[launched_at, launched_at + window)``, read for the treated and the held-out
        alike (see :mod:`crmkit.marketing.campaign_report`). Revenue is in *currency*
        (default: the one currency the members' purchases are in; purchases in several
        raise :class:`crmkit.errors.CurrencyMismatchError` unless one is named, and then
        only purchases in it count as revenue). The ``first_touch_*`` and ``last_touch_*``
        figures attribute the treated members' conversions and revenue
        (:mod:`crmkit.marketing.touches`)."""
        span = check_duration(window, "window", allow_zero=False)
        if currency is not None:
            currency = Money(Decimal(0), currency).currency  # checked and normalised
        with self._ctx.read() as uow:
            campaign = self._load(uow, campaign_id)
            if campaign.status is CampaignStatus.DRAFT or campaign.launched_at is None:
                raise InvalidTransitionError("campaign_id", campaign_id, "not launched yet")
            start = campaign.launched_at
            events = event_counts(uow, campaign_id)
            measured = measured_outcomes(
                uow, campaign_id, since=start, until=start + span, currency=currency
            )
            run = self._run(uow, campaign_id, queued=0, counts=measured.counts)
        counts = {
            "sent": run.sent,
            "held_out": run.held_out,
            "skipped_no_consent": run.skipped_no_consent,
        }
        return campaign_report(
            campaign_id,
            window=span,
            members=counts,
            events=events,
            outcomes=measured.groups,
            currency=measured.currency,
        )
