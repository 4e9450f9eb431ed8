"""Marketing: measuring what a campaign did against a randomised holdout.

* :func:`holdout_split` - who is held out: a fixed share, chosen by a seeded hash of each
  id, so the same ids and seed always give the same split, whatever their order.
* :func:`wilson_interval` - a confidence interval for one rate (Wilson's score interval).
* :func:`newcombe_difference` - a confidence interval for the difference of two rates
  (Newcombe's hybrid score interval, method 10 of Newcombe 1998).
* :func:`uplift` - both rates, their difference and its interval, as an :class:`Uplift`.
* :func:`revenue_uplift` - the difference of revenue per member, as a :class:`RevenueUplift`.

* :class:`Campaign`, :class:`CampaignMember`, :class:`CampaignEvent` - a campaign to a
  segment with a seeded holdout, its members' groups and what happened to their messages
  (stored by ``crm.campaigns``); :class:`CampaignReport` - its counts and uplift.
* :mod:`~crmkit.marketing.coupons` - coupon codes (:class:`Coupon`) and when one may be redeemed.
* :mod:`~crmkit.marketing.loyalty` - a points ledger (:class:`PointsEntry`) replayed first
  in, first out into a balance, and tiers (:class:`LoyaltyProgram`).
* :mod:`~crmkit.marketing.referrals` - who brought whom (:class:`Referral`,
  :class:`ReferralNode`); :class:`RewardReferrer`, the automation rule that rewards the
  referrer when the referred contact first buys.
* :mod:`~crmkit.marketing.touches` - attribution: a contact's first touch and the last
  touch a purchase converted under (:class:`Attribution`).

Everything here is pure: counts, ids and amounts in; rates, intervals and splits out.
"""

from crmkit.marketing._uplift import (
    RevenueUplift,
    Uplift,
    holdout_split,
    newcombe_difference,
    revenue_uplift,
    uplift,
    wilson_interval,
)
from crmkit.marketing.campaign import (
    Campaign,
    CampaignEvent,
    CampaignMember,
    CampaignStatus,
    EventType,
    Group,
    LaunchRun,
)
from crmkit.marketing.campaign_report import CampaignReport, MemberOutcome, campaign_report
from crmkit.marketing.coupons import Coupon, CouponRedemption
from crmkit.marketing.loyalty import LoyaltyProgram, PointsEntry
from crmkit.marketing.referral_rewards import ReferralPurchase, RewardReferrer
from crmkit.marketing.referrals import Referral, ReferralNode
from crmkit.marketing.touches import Attribution

__all__ = [
    "Attribution",
    "Campaign",
    "CampaignEvent",
    "CampaignMember",
    "CampaignReport",
    "CampaignStatus",
    "Coupon",
    "CouponRedemption",
    "EventType",
    "Group",
    "LaunchRun",
    "LoyaltyProgram",
    "MemberOutcome",
    "PointsEntry",
    "Referral",
    "ReferralNode",
    "ReferralPurchase",
    "RevenueUplift",
    "RewardReferrer",
    "Uplift",
    "campaign_report",
    "holdout_split",
    "newcombe_difference",
    "revenue_uplift",
    "uplift",
    "wilson_interval",
]
