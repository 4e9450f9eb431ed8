"""Contract: the referral reward rule (:class:`crmkit.marketing.RewardReferrer`) run by
``crm.automation``: the referrer is rewarded once, when the referred contact first buys."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import RecordNotFoundError, ValidationError
from crmkit.marketing import RewardReferrer
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["ReferralRewardsContract"]

DAY = timedelta(days=1)
POINTS = RewardReferrer(points=200)


class ReferralRewardsContract(ContractBase):
    def _rr_club(self, crm: CRM) -> None:
        crm.loyalty.create_program(
            "Club", points_per_unit=Decimal(1), currency="EUR", tiers={"Silver": 0, "Gold": 100}
        )

    def _rr_pair(self, crm: CRM, *, at: datetime = T0) -> tuple[str, str]:
        ana, ben = (crm.contacts.create(name=n).id for n in ("Ana", "Ben"))
        crm.referrals.record(referrer_id=ana, referred_id=ben, at=at)
        return ana, ben

    def _rr_buy(self, crm: CRM, who: str, days: int, kind: str = "purchase") -> None:
        crm.transactions.add(who, kind=kind, amount=Money("50", "EUR"), occurred_at=T0 + days * DAY)

    def _rr_run(self, crm: CRM, days: int, rule: RewardReferrer = POINTS) -> list[str]:
        now = T0 + days * DAY
        report = crm.automation.run(now.date(), now=now, rules=[rule])
        return [g.contact_id for g in report.grants]

    def test_referrer_gets_points_once_when_the_referred_first_buys(self, crm: CRM) -> None:
        self._rr_club(crm)
        ana, ben = self._rr_pair(crm)
        assert self._rr_run(crm, 1) == []  # no purchase yet
        self._rr_buy(crm, ben, 2)
        assert self._rr_run(crm, 3) == [ana]
        assert self._rr_run(crm, 3) == []  # the same day again
        self._rr_buy(crm, ben, 4)  # a second purchase is no first purchase
        assert self._rr_run(crm, 5) == []
        assert crm.loyalty.balance(ana, as_of=T0 + 6 * DAY) == 200
        [entry] = crm.loyalty.entries(ana)
        assert (entry.kind, entry.points) == ("bonus", 200)
        assert crm.loyalty.tier(ana, as_of=T0 + 6 * DAY) == "Silver"  # given, not spent

    def test_a_missed_day_is_caught_up_and_a_later_purchase_waits(self, crm: CRM) -> None:
        self._rr_club(crm)
        ana, ben = self._rr_pair(crm)
        self._rr_buy(crm, ben, 10)
        assert self._rr_run(crm, 5) == []  # not bought yet at that time
        assert self._rr_run(crm, 30) == [ana]

    def test_refunds_do_not_trigger_again(self, crm: CRM) -> None:
        self._rr_club(crm)
        ana, ben = self._rr_pair(crm)
        self._rr_buy(crm, ben, 1)
        assert self._rr_run(crm, 2) == [ana]
        self._rr_buy(crm, ben, 3, kind="refund")
        self._rr_buy(crm, ben, 4)
        assert self._rr_run(crm, 5) == []
        assert crm.loyalty.balance(ana, as_of=T0 + 6 * DAY) == 200

    def test_a_customer_before_the_referral_earns_the_referrer_nothing(self, crm: CRM) -> None:
        self._rr_club(crm)
        ben = crm.contacts.create(name="Ben").id
        self._rr_buy(crm, ben, 1)
        ana = crm.contacts.create(name="Ana").id
        crm.referrals.record(referrer_id=ana, referred_id=ben, at=T0 + 2 * DAY)
        self._rr_buy(crm, ben, 3)
        assert self._rr_run(crm, 4) == []

    def test_a_coupon_reward_is_a_single_use_code(self, crm: CRM) -> None:
        ana, ben = self._rr_pair(crm)
        self._rr_buy(crm, ben, 1)
        rule = RewardReferrer(coupon=Decimal("0.15"), valid_for=timedelta(days=60))
        now = T0 + 2 * DAY
        [grant] = crm.automation.run(now.date(), now=now, rules=[rule]).grants
        code = grant.data["code"]
        assert isinstance(code, str)
        coupon = crm.coupons.get(code)
        assert (coupon.discount, coupon.max_uses, coupon.expires_at) == (
            Decimal("0.15"),
            1,
            now + timedelta(days=60),
        )
        assert grant.contact_id == coupon.contact_id == ana  # issued to the referrer
        assert [c.code for c in crm.contact_card(ana).marketing.coupons_issued] == [code]
        assert crm.automation.run(now.date(), now=now, rules=[rule]).grants == []
        crm.coupons.redeem(code, contact_id=ana, at=now)

    def test_a_merged_referrer_is_rewarded_as_the_survivor(self, crm: CRM) -> None:
        self._rr_club(crm)
        ana, ben = self._rr_pair(crm)
        keeper = crm.contacts.create(name="Keeper").id
        crm.merge(keeper, ana)
        self._rr_buy(crm, ben, 1)
        assert self._rr_run(crm, 2) == [keeper]

    def test_a_merged_referred_contact_rewards_once(self, crm: CRM) -> None:
        self._rr_club(crm)
        ana, ben = self._rr_pair(crm)
        self._rr_buy(crm, ben, 1)
        assert self._rr_run(crm, 2) == [ana]
        twin = crm.contacts.create(name="Ben twin").id
        crm.merge(twin, ben)  # the referral and the purchase move to the twin
        self._rr_buy(crm, twin, 3)
        assert self._rr_run(crm, 4) == []

    def test_erased_contacts_are_never_rewarded(self, crm: CRM) -> None:
        self._rr_club(crm)
        ana, ben = self._rr_pair(crm)
        cai, dan = (crm.contacts.create(name=n).id for n in ("Cai", "Dan"))
        crm.referrals.record(referrer_id=cai, referred_id=dan, at=T0)
        self._rr_buy(crm, ben, 1)
        self._rr_buy(crm, dan, 1)
        crm.contacts.erase(ana)  # the referrer
        crm.contacts.erase(dan)  # the referred
        assert self._rr_run(crm, 2) == []

    def test_bad_rules_name_the_field_and_write_nothing(self, crm: CRM) -> None:
        for fields, field in (
            ({}, "points"),
            ({"points": 0}, "points"),
            ({"points": 1.5}, "points"),
            ({"points": 5, "coupon": Decimal("0.1")}, "points"),
            ({"coupon": Decimal(2)}, "coupon"),
            ({"coupon": 0.1}, "coupon"),
            ({"coupon": Decimal("0.1"), "valid_for": timedelta(0)}, "valid_for"),
        ):
            with pytest.raises(ValidationError) as err:
                RewardReferrer(**fields)
            assert err.value.field == field
        ana, ben = self._rr_pair(crm)
        self._rr_buy(crm, ben, 1)
        with pytest.raises(RecordNotFoundError):  # no such program: before any work
            self._rr_run(crm, 2, RewardReferrer(points=5, program="Nope"))
        with pytest.raises(ValidationError):  # no program at all
            self._rr_run(crm, 2)
        self._rr_club(crm)  # the failed runs recorded no key: the reward is still due
        assert self._rr_run(crm, 2) == [ana]
