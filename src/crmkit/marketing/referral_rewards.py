"""Rewarding a referrer when the contact they brought first buys: an automation rule.

:class:`RewardReferrer` is a subject rule of ``crm.automation.run`` (like
:class:`crmkit.tasks.DealRotting`): the automation reads, for every referral in force, the
referred contact's first purchase (:class:`ReferralPurchase`), and the rule gives the
referrer a :class:`crmkit.tasks.Grant`, either ``bonus`` points in a loyalty program or a
single-use coupon. The grant's key is the referral's (``rule:referral id:referral day``), so
each referral is rewarded once however often the automation runs, whatever the contact
buys or refunds later. A first purchase made before the referral was not the referrer's
doing and earns nothing.

Everything here is pure; ``crm.automation`` reads the subjects and writes the grants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmkit._text_limits import clean_text
from crmkit._types import check_duration
from crmkit.errors import ValidationError
from crmkit.marketing.coupons import new_code
from crmkit.marketing.loyalty import check_points
from crmkit.tasks.actions import AutomationContext, Grant, automation_key

__all__ = ["COUPON", "POINTS", "ReferralPurchase", "RewardReferrer"]

#: The kinds of :class:`~crmkit.tasks.Grant` the rule gives.
POINTS = "loyalty_points"
COUPON = "coupon"


@attrs.frozen
class ReferralPurchase:
    """A referral in force (``referrer_id`` as the referrer now is, after merges) and the
    referred contact's first purchase."""

    referral_id: str
    referrer_id: str
    referred_id: str
    referred_at: datetime
    first_purchase_at: datetime


def _discount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= 1:
        raise ValidationError("coupon", value, "a Decimal share above 0 and at most 1")
    return value


@attrs.frozen
class RewardReferrer:
    """Give the referrer *points* (``bonus`` points in the loyalty *program*, default the
    workspace's only one, dated the run's ``now``) or a single-use *coupon* worth that share
    off, valid for *valid_for* from the run's ``now``, when the contact they referred first
    buys; exactly one of *points* and *coupon*.

    >>> from datetime import UTC, date
    >>> rule = RewardReferrer(points=200)
    >>> ctx = AutomationContext.for_day(date(2027, 3, 2))
    >>> t = datetime(2027, 3, 1, tzinfo=UTC)
    >>> [g] = rule.evaluate(ctx, [ReferralPurchase("r1", "ana", "ben", t, t)])
    >>> g.key, g.contact_id, g.kind, g.data["points"]
    ('referral_reward:r1:2027-03-01', 'ana', 'loyalty_points', 200)
    >>> RewardReferrer(points=10, coupon=Decimal("0.1"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid points 10: give points or a coupon, not both
    """

    points: int | None = attrs.field(default=None)
    coupon: Decimal | None = attrs.field(default=None, converter=_discount)
    valid_for: timedelta = attrs.field(default=timedelta(days=90))
    program: str | None = None
    name: str = "referral_reward"

    def __attrs_post_init__(self) -> None:
        if self.points is not None:
            check_points(self.points)
            if self.coupon is not None:
                raise ValidationError("points", self.points, "give points or a coupon, not both")
        elif self.coupon is None:
            raise ValidationError("points", None, "give points or a coupon")
        check_duration(self.valid_for, "valid_for", allow_zero=False)
        clean_text("program", self.program)
        clean_text("name", self.name, required=True)

    def evaluate(
        self, ctx: AutomationContext, subjects: Iterable[ReferralPurchase]
    ) -> Iterator[Grant]:
        """A grant for each referral whose referred contact first bought after being
        referred and by ``ctx.now`` (a missed day is caught up the next run)."""
        for s in subjects:
            if not s.referred_at <= s.first_purchase_at <= ctx.now:
                continue
            key = automation_key(self.name, s.referral_id, s.referred_at.date())
            about = {"referral_id": s.referral_id, "referred_id": s.referred_id}
            if self.points is not None:
                data = {
                    **about,
                    "points": self.points,
                    "program": self.program,
                    "at": ctx.now.isoformat(),
                }
                yield Grant(key, self.name, s.referrer_id, POINTS, data)
            else:
                expires = ctx.now + self.valid_for
                data = {
                    **about,
                    "code": new_code(),
                    "discount": str(self.coupon),
                    "expires_at": expires.isoformat(),
                }
                yield Grant(key, self.name, s.referrer_id, COUPON, data)
