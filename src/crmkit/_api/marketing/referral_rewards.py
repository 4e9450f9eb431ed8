"""Referral rewards in storage: what :class:`crmkit.marketing.RewardReferrer` reads (each
referral in force with the referred contact's first purchase) and how ``crm.automation``
writes the grants it gives (bonus points in the loyalty ledger, a single-use coupon), in
the transaction that records the grant's key.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from crmkit._api.marketing.loyalty import add_entry, find_program
from crmkit._api.marketing.loyalty_kinds import COUPONS, REFERRALS
from crmkit._api.marketing.referrals import referral_in_force
from crmkit.errors import ValidationError
from crmkit.marketing.coupons import Coupon
from crmkit.marketing.referral_rewards import COUPON, POINTS, ReferralPurchase, RewardReferrer
from crmkit.storage.protocols import UnitOfWork
from crmkit.tasks.actions import Grant
from crmkit.value.ledger import TransactionKind

__all__ = ["apply_grant", "referral_purchases"]


def referral_purchases(uow: UnitOfWork, rule: RewardReferrer) -> list[ReferralPurchase]:
    """Every referral in force whose referred contact has bought, with their first
    purchase. A rule giving points checks its program exists first."""
    if rule.points is not None:
        find_program(uow, rule.program)
    found = []
    for referred in sorted({r.contact_id for r in REFERRALS.on(uow).select()}):
        in_force = referral_in_force(uow, referred)
        if in_force is None:
            continue
        referrer, referral = in_force
        bought = [
            t.occurred_at
            for t in uow.transactions.for_contact(referred)
            if t.kind is TransactionKind.PURCHASE
        ]
        if bought:
            found.append(
                ReferralPurchase(referral.id, referrer, referred, referral.at, min(bought))
            )
    return found


def apply_grant(uow: UnitOfWork, grant: Grant, at: datetime) -> None:
    """Write *grant* in *uow* (given at *at*): ``loyalty_points`` as a ``bonus`` entry of
    the contact's ledger, dated when the rule ran; ``coupon`` as a new single-use coupon."""
    data = grant.data
    if grant.kind == POINTS:
        program, points, when = data.get("program"), data["points"], data["at"]
        assert isinstance(points, int)
        assert program is None or isinstance(program, str)
        assert isinstance(when, str)
        found = find_program(uow, program)
        given = datetime.fromisoformat(when)
        add_entry(uow, grant.contact_id, found, "bonus", points, given)
    elif grant.kind == COUPON:
        code, discount, expires = data["code"], data["discount"], data["expires_at"]
        assert isinstance(code, str)
        assert isinstance(discount, str)
        assert isinstance(expires, str)
        coupon = Coupon.new(
            code,
            discount=Decimal(discount),
            max_uses=1,
            expires_at=datetime.fromisoformat(expires),
            now=at,
            contact_id=grant.contact_id,  # issued to the referrer: on their card
        )
        COUPONS.on(uow).add(coupon)
    else:
        raise ValidationError("kind", grant.kind, f"a grant of {POINTS!r} or {COUPON!r}")
