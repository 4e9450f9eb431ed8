"""Contract: loyalty points (``crm.loyalty``) and referrals (``crm.referrals``)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    ContactNotFoundError,
    CurrencyMismatchError,
    InsufficientPointsError,
    InvalidDatetimeError,
    InvalidMoneyError,
    RecordNotFoundError,
    ReferralError,
    UniqueKeyError,
    ValidationError,
)
from crmkit.testing.contract._base import T0, ContractBase
from crmkit.value.rates import RatesTable

__all__ = ["LoyaltyContract", "ReferralsContract"]

DAY = timedelta(days=1)


def _eur(amount: str) -> Money:
    return Money(amount, "EUR")


class LoyaltyContract(ContractBase):
    def _loyalty_club(self, crm: CRM, **options: Any) -> Contact:
        options.setdefault("tiers", {"Silver": 0, "Gold": 1000})
        options.setdefault("expire_after", timedelta(days=365))
        crm.loyalty.create_program("Club", points_per_unit=Decimal("1"), currency="EUR", **options)
        return crm.contacts.create(name="Ana Popa")

    def test_purchases_earn_whole_points_and_redeeming_spends_them(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        assert crm.loyalty.earn(ana.id, amount=_eur("99.99"), at=T0).points == 99
        crm.loyalty.earn(ana.id, amount=_eur("1"), at=T0 + DAY)
        crm.loyalty.redeem(ana.id, points=60, at=T0 + 2 * DAY)
        assert crm.loyalty.balance(ana.id, as_of=T0 + DAY) == 100
        assert crm.loyalty.balance(ana.id, as_of=T0 + 2 * DAY) == 40
        kinds = [(e.kind, e.points) for e in crm.loyalty.entries(ana.id)]
        assert kinds == [("earn", 99), ("earn", 1), ("redeem", 60)]

    def test_points_expire_first_in_first_out(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm, expire_after=30 * DAY)
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0)
        crm.loyalty.earn(ana.id, amount=_eur("50"), at=T0 + 10 * DAY)
        crm.loyalty.redeem(ana.id, points=120, at=T0 + 20 * DAY)  # all of the first lot, 20
        assert crm.loyalty.balance(ana.id, as_of=T0 + 35 * DAY) == 30
        assert crm.loyalty.balance(ana.id, as_of=T0 + 40 * DAY) == 0

    def test_redeeming_more_than_the_balance_writes_nothing(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm, expire_after=30 * DAY)
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0)
        with pytest.raises(InsufficientPointsError) as err:
            crm.loyalty.redeem(ana.id, points=1, at=T0 + 30 * DAY)  # expired
        assert (err.value.field, err.value.value) == ("points", 1)
        with pytest.raises(InsufficientPointsError):
            crm.loyalty.redeem(ana.id, points=101, at=T0 + DAY)
        assert len(crm.loyalty.entries(ana.id)) == 1

    def test_a_refund_takes_back_no_more_than_is_held(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0)
        crm.loyalty.redeem(ana.id, points=80, at=T0 + DAY)
        crm.loyalty.refund(ana.id, amount=_eur("100"), at=T0 + 2 * DAY)
        assert crm.loyalty.balance(ana.id, as_of=T0 + 3 * DAY) == 0
        crm.loyalty.earn(ana.id, amount=_eur("5"), at=T0 + 3 * DAY)
        assert crm.loyalty.balance(ana.id, as_of=T0 + 3 * DAY) == 5

    def test_the_tier_counts_points_earned_in_the_last_year(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm, expire_after=None)
        crm.loyalty.earn(ana.id, amount=_eur("800"), at=T0)
        crm.loyalty.earn(ana.id, amount=_eur("300"), at=T0 + 100 * DAY)
        assert crm.loyalty.tier(ana.id, as_of=T0 + 99 * DAY) == "Silver"
        assert crm.loyalty.tier(ana.id, as_of=T0 + 100 * DAY) == "Gold"
        crm.loyalty.redeem(ana.id, points=1000, at=T0 + 101 * DAY)  # spending keeps the tier
        assert crm.loyalty.tier(ana.id, as_of=T0 + 101 * DAY) == "Gold"
        assert crm.loyalty.tier(ana.id, as_of=T0 + 366 * DAY) == "Silver"

    def test_other_currencies_need_rates(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        with pytest.raises(CurrencyMismatchError):
            crm.loyalty.earn(ana.id, amount=Money("1000", "ALL"), at=T0)
        rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.0102")])
        assert (
            crm.loyalty.earn(ana.id, amount=Money("1000", "ALL"), at=T0, rates=rates).points == 10
        )

    def test_bad_input_names_field_and_value_and_writes_nothing(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0 + DAY)
        for points in (-5, 0, 2.5, Decimal("3"), True):
            with pytest.raises(ValidationError) as err:
                crm.loyalty.redeem(ana.id, points=points, at=T0 + DAY)  # type: ignore[arg-type]
            assert (err.value.field, err.value.value) == ("points", points)
        with pytest.raises(InvalidDatetimeError):
            crm.loyalty.redeem(ana.id, points=1, at=T0)  # before the latest entry
        with pytest.raises(ValidationError):
            crm.loyalty.earn(ana.id, amount=_eur("-3"), at=T0 + DAY)
        with pytest.raises(ContactNotFoundError):
            crm.loyalty.earn("nobody", amount=_eur("3"), at=T0 + DAY)
        with pytest.raises(RecordNotFoundError):
            crm.loyalty.balance(ana.id, program="Other")
        assert len(crm.loyalty.entries(ana.id)) == 1
        bad: list[tuple[dict[str, Any], str]] = [
            ({"points_per_unit": Decimal("0")}, "points_per_unit"),
            ({"currency": "XXX"}, "currency"),
            ({"tiers": {"Gold": -1}}, "tiers"),
            ({"tiers": {"A": 0, "B": 0}}, "tiers"),
            ({"expire_after": timedelta(0)}, "expire_after"),
        ]
        for options, name in bad:
            options = {"points_per_unit": Decimal("1"), "currency": "EUR", **options}
            with pytest.raises(ValidationError) as err:
                crm.loyalty.create_program("Two", **options)
            assert err.value.field == name, options
        assert isinstance(err.value, ValidationError)
        with pytest.raises(InvalidMoneyError):
            crm.loyalty.create_program("Two", points_per_unit=Decimal("1"), currency="XXX")
        with pytest.raises(UniqueKeyError):
            crm.loyalty.create_program(" club ", points_per_unit=Decimal("1"), currency="EUR")

    def test_of_concurrent_spends_of_one_balance_only_what_is_held_goes(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0)
        start = threading.Barrier(6)

        def spend(n: int) -> bool:
            start.wait()
            try:
                crm.loyalty.redeem(ana.id, points=60, at=T0 + DAY)
            except InsufficientPointsError:
                return False
            return True

        with ThreadPoolExecutor(max_workers=6) as pool:
            assert sorted(pool.map(spend, range(6))) == [False] * 5 + [True]
        assert crm.loyalty.balance(ana.id, as_of=T0 + DAY) == 40

    def test_points_follow_merge_and_unmerge(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        twin = crm.contacts.create(name="A. Popa")
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0)
        crm.loyalty.earn(twin.id, amount=_eur("50"), at=T0)
        merged = crm.merge(ana.id, twin.id)
        assert merged.moved["points_entries"] == 1
        assert crm.loyalty.balance(ana.id, as_of=T0) == 150
        crm.loyalty.redeem(ana.id, points=120, at=T0 + DAY)
        crm.unmerge(merged.merge_id or "")
        # The spend stays with the survivor and takes what is there: never below zero.
        assert crm.loyalty.balance(twin.id, as_of=T0 + DAY) == 50
        assert crm.loyalty.balance(ana.id, as_of=T0 + DAY) == 0
        crm.loyalty.earn(ana.id, amount=_eur("10"), at=T0 + 2 * DAY)  # numbering goes on
        assert [e.points for e in crm.loyalty.entries(ana.id)] == [100, 120, 10]

    def test_with_two_programs_each_call_names_one(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        crm.loyalty.create_program("Miles", points_per_unit=Decimal("2"), currency="PLN")
        with pytest.raises(ValidationError) as err:
            crm.loyalty.earn(ana.id, amount=_eur("10"), at=T0)
        assert (err.value.field, err.value.value) == ("program", None)
        crm.loyalty.earn(ana.id, amount=Money("10", "PLN"), at=T0, program="miles")
        crm.loyalty.earn(ana.id, amount=_eur("10"), at=T0, program="Club")
        assert crm.loyalty.balance(ana.id, as_of=T0, program="Miles") == 20
        assert crm.loyalty.balance(ana.id, as_of=T0, program="Club") == 10

    def test_points_are_exported_and_erased(self, crm: CRM) -> None:
        ana = self._loyalty_club(crm)
        crm.loyalty.earn(ana.id, amount=_eur("100"), at=T0)
        exported = crm.contacts.export(ana.id)["points_entries"]
        assert exported[0]["points"] == 100  # type: ignore[index,call-overload]
        assert crm.contacts.erase(ana.id).removed["points_entries"] == 1


class ReferralsContract(ContractBase):
    def _referral_people(self, crm: CRM, *names: str) -> list[str]:
        return [crm.contacts.create(name=n).id for n in names]

    def test_who_brought_whom_reads_as_a_tree(self, crm: CRM) -> None:
        a, b, c, d = self._referral_people(crm, "Ana", "Ben", "Cai", "Dan")
        crm.referrals.record(referrer_id=a, referred_id=b, at=T0)
        crm.referrals.record(referrer_id=a, referred_id=c, at=T0 + DAY)
        crm.referrals.record(referrer_id=b, referred_id=d, at=T0 + DAY)
        assert (crm.referrals.referred_by(d), crm.referrals.referred_by(a)) == (b, None)
        tree = crm.referrals.tree(a)
        assert [(n.contact_id, [k.contact_id for k in n.children]) for n in tree] == [
            (b, [d]),
            (c, []),
        ]
        assert crm.referrals.tree(d) == ()

    def test_self_referrals_cycles_and_second_referrers_are_refused(self, crm: CRM) -> None:
        a, b, c = self._referral_people(crm, "Ana", "Ben", "Cai")
        crm.referrals.record(referrer_id=a, referred_id=b, at=T0)
        crm.referrals.record(referrer_id=b, referred_id=c, at=T0)
        for referrer, referred in ((a, a), (b, a), (c, a), (c, b)):
            with pytest.raises(ReferralError) as err:
                crm.referrals.record(referrer_id=referrer, referred_id=referred, at=T0)
            assert (err.value.field, err.value.value) == ("referred_id", referred)
        with pytest.raises(ContactNotFoundError):
            crm.referrals.record(referrer_id="nobody", referred_id=a, at=T0)
        with pytest.raises(ValidationError):
            crm.referrals.record(referrer_id=" ", referred_id=a, at=T0)
        assert crm.referrals.referred_by(a) is None

    def test_referrals_follow_merges_on_both_sides(self, crm: CRM) -> None:
        a, twin, b, c = self._referral_people(crm, "Ana", "A. Twin", "Ben", "Cai")
        crm.referrals.record(referrer_id=twin, referred_id=b, at=T0)
        crm.referrals.record(referrer_id=c, referred_id=twin, at=T0)
        merged = crm.merge(a, twin)
        assert merged.moved["referrals"] == 1  # the one on the referred side
        assert (crm.referrals.referred_by(b), crm.referrals.referred_by(a)) == (a, c)
        assert [n.contact_id for n in crm.referrals.tree(a)] == [b]
        crm.unmerge(merged.merge_id or "")
        assert (crm.referrals.referred_by(b), crm.referrals.referred_by(twin)) == (twin, c)
        assert crm.referrals.referred_by(a) is None

    def test_a_merge_hides_the_self_referral_it_makes_and_unmerge_shows_it(self, crm: CRM) -> None:
        a, b = self._referral_people(crm, "Ana", "Ben")
        crm.referrals.record(referrer_id=a, referred_id=b, at=T0)
        merged = crm.merge(a, b)
        assert (crm.referrals.referred_by(a), crm.referrals.tree(a)) == (None, ())
        crm.unmerge(merged.merge_id or "")
        assert crm.referrals.referred_by(b) == a

    def test_referrals_are_exported_and_go_with_either_person(self, crm: CRM) -> None:
        a, b, c = self._referral_people(crm, "Ana", "Ben", "Cai")
        crm.referrals.record(referrer_id=a, referred_id=b, at=T0)
        crm.referrals.record(referrer_id=b, referred_id=c, at=T0)
        exported: Any = crm.contacts.export(b)["referrals"]
        pairs = [(r["referrer_id"], r["contact_id"]) for r in exported]
        assert pairs == [(a, b), (b, c)]
        crm.contacts.erase(b)
        assert crm.referrals.referred_by(c) is None
        assert crm.referrals.tree(a) == ()
        assert crm.contacts.export(a)["referrals"] == []

    def test_erasing_a_survivor_forgets_the_referrals_its_merged_twin_made(self, crm: CRM) -> None:
        a, twin, b = self._referral_people(crm, "Ana", "A. Twin", "Ben")
        crm.referrals.record(referrer_id=twin, referred_id=b, at=T0)
        crm.merge(a, twin)
        crm.contacts.erase(a)
        assert crm.referrals.referred_by(b) is None
        assert crm.contacts.export(b)["referrals"] == []
