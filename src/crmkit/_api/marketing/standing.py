"""A contact's marketing standing for their card, read in the card's unit of work: the
coupons, points, referrals and campaign touches declared in
:mod:`crmkit._api.marketing.loyalty_kinds` and :mod:`crmkit._api.marketing.campaign_kinds`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from crmkit._api.marketing.campaign_kinds import CAMPAIGNS
from crmkit._api.marketing.loyalty_kinds import (
    COUPON_REDEMPTIONS,
    COUPONS,
    LOYALTY_PROGRAMS,
    POINTS_ENTRIES,
    REFERRALS,
    merged_into,
)
from crmkit._api.marketing.referrals import referral_in_force
from crmkit.errors import RecordNotFoundError
from crmkit.marketing import loyalty as rules
from crmkit.marketing.coupons import Coupon, format_code
from crmkit.marketing.standing import CouponHeld, LoyaltyStanding, MarketingStanding, Ref
from crmkit.marketing.touches import first_touch, last_touch
from crmkit.storage.protocols import UnitOfWork
from crmkit.value.ledger import Transaction, TransactionKind

__all__ = ["marketing_standing"]

#: The window a purchase converts under a campaign in (``crm.campaigns.attribution``'s).
_WINDOW = timedelta(days=30)


def _contact(uow: UnitOfWork, contact_id: str) -> Ref:
    found = uow.contacts.find_by_id(contact_id)
    return Ref(contact_id, "" if found is None else found.name or "")


def _campaign(uow: UnitOfWork, campaign_id: str) -> Ref:
    try:
        return Ref(campaign_id, CAMPAIGNS.on(uow).get(campaign_id).name)
    except RecordNotFoundError:
        return Ref(campaign_id, "")


def _issued(coupon: Coupon) -> CouponHeld:
    code = format_code(coupon.code)
    return CouponHeld(code, coupon.discount, coupon.expires_at, coupon.uses)


def _coupons(uow: UnitOfWork, contact_id: str) -> tuple[tuple[CouponHeld, ...], ...]:
    coupons = COUPONS.on(uow)
    issued = sorted(coupons.for_contact(contact_id), key=lambda c: (c.expires_at, c.code))
    redeemed = []
    for r in sorted(COUPON_REDEMPTIONS.on(uow).for_contact(contact_id), key=lambda r: (r.at, r.id)):
        held = _issued(coupons.get(r.coupon_id))
        redeemed.append(attrs.evolve(held, at=r.at, transaction_id=r.transaction_id))
    return tuple(_issued(c) for c in issued), tuple(redeemed)


def _loyalty(uow: UnitOfWork, contact_id: str, now: datetime) -> tuple[LoyaltyStanding, ...]:
    entries = POINTS_ENTRIES.on(uow).for_contact(contact_id)
    if not entries:
        return ()
    found = []
    for program in sorted(LOYALTY_PROGRAMS.on(uow).select(), key=lambda p: p.name):
        mine = [e for e in entries if e.program_id == program.id]
        if mine:
            tier = rules.tier_of(program, mine, as_of=now)
            found.append(LoyaltyStanding(program.name, rules.balance(mine, as_of=now), tier))
    return tuple(found)


def _referred(uow: UnitOfWork, contact_id: str) -> tuple[Ref, ...]:
    # Whom the contact (or a contact merged into them) brought, each once, oldest first.
    records = REFERRALS.on(uow)
    found = {}
    for old_id in merged_into(uow, contact_id):
        for r in records.select("referrer", equals=old_id):
            if r.contact_id != contact_id and r.contact_id not in found:
                found[r.contact_id] = r.at
    ordered = sorted(found, key=lambda cid: (found[cid], cid))
    return tuple(_contact(uow, cid) for cid in ordered)


def marketing_standing(
    uow: UnitOfWork, contact_id: str, *, ledger: Iterable[Transaction], now: datetime
) -> MarketingStanding:
    """The contact's :class:`MarketingStanding` as of *now*; *ledger* is their
    transactions (the card has read them already)."""
    issued, redeemed = _coupons(uow, contact_id)
    referrer = referral_in_force(uow, contact_id)
    members = uow.campaign_members.for_contact(contact_id)
    under: list[str] = []
    bought = sorted(
        (t for t in ledger if t.kind is TransactionKind.PURCHASE),
        key=lambda t: (t.occurred_at, t.id),
    )
    for t in bought if members else ():
        touch = last_touch(members, t.occurred_at, window=_WINDOW)
        if touch is not None and touch not in under:
            under.append(touch)
    first = first_touch(members)
    return MarketingStanding(
        coupons_issued=issued,
        coupons_redeemed=redeemed,
        loyalty=_loyalty(uow, contact_id, now),
        referred_by=None if referrer is None else _contact(uow, referrer[0]),
        referred=_referred(uow, contact_id),
        first_touch=None if first is None else _campaign(uow, first),
        converted_under=tuple(_campaign(uow, c) for c in under),
    )
