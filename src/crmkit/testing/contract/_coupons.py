"""Contract: coupons (``crm.coupons``) on the generic record store."""

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
    CouponExpiredError,
    CouponIneligibleError,
    CouponNotFoundError,
    CouponUsedUpError,
    InvalidDatetimeError,
    SegmentNotFoundError,
    ValidationError,
)
from crmkit.marketing.coupons import CODE_ALPHABET
from crmkit.segments import field
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["CouponsContract"]

DAY = timedelta(days=1)
#: Redeemers racing for one single-use code, and how many codes they race for. (The issue's
#: benchmark runs 1,000 trials on PostgreSQL; the contract keeps to a scaled-down 20.)
RACERS, TRIALS = 8, 20


class CouponsContract(ContractBase):
    def _coupons(self, crm: CRM, count: int = 1, **options: Any) -> list[str]:
        options.setdefault("discount", Decimal("0.10"))
        options.setdefault("max_uses", 1)
        options.setdefault("expires_at", T0 + 30 * DAY)
        return crm.coupons.create_batch(count=count, **options)

    def _shopper(self, crm: CRM, name: str = "Ana Popa", **fields: Any) -> Contact:
        return crm.contacts.create(name=name, **fields)

    def test_a_batch_holds_distinct_codes_of_the_alphabet(self, crm: CRM) -> None:
        codes = self._coupons(crm, 50, campaign_id="spring")
        assert len(set(codes)) == 50
        assert all(len(c) == 19 and set(c.replace("-", "")) <= set(CODE_ALPHABET) for c in codes)
        coupon = crm.coupons.get(codes[0])
        assert (coupon.discount, coupon.max_uses, coupon.uses) == (Decimal("0.10"), 1, 0)
        assert (coupon.campaign_id, coupon.expires_at) == ("spring", T0 + 30 * DAY)

    def test_codes_are_redeemed_ignoring_case_spaces_and_hyphens(self, crm: CRM) -> None:
        ana = self._shopper(crm)
        [code] = self._coupons(crm, max_uses=2)
        crm.coupons.redeem(code.lower(), contact_id=ana.id, at=T0)
        crm.coupons.redeem(" " + code.replace("-", " "), contact_id=ana.id, at=T0 + DAY)
        assert crm.coupons.get(code).uses == 2
        assert [r.at for r in crm.coupons.redemptions(code)] == [T0, T0 + DAY]

    def test_a_redemption_keeps_its_transaction(self, crm: CRM) -> None:
        ana = self._shopper(crm)
        tx = crm.transactions.add(
            ana.id, kind="purchase", amount=Money("90", "EUR"), occurred_at=T0
        )
        [code] = self._coupons(crm)
        used = crm.coupons.redeem(code, contact_id=ana.id, transaction_id=tx.id, at=T0)
        assert (used.contact_id, used.transaction_id) == (ana.id, tx.id)

    def _coupon_refused(self, crm: CRM, code: str, error: type[Exception], **options: Any) -> None:
        before = crm.coupons.get(code)
        with pytest.raises(error):
            crm.coupons.redeem(code, **options)
        assert crm.coupons.get(code) == before
        assert crm.coupons.redemptions(code) == []

    def test_expired_used_up_and_unknown_codes_are_refused(self, crm: CRM) -> None:
        ana, ben = self._shopper(crm), self._shopper(crm, "Ben Ivanov")
        [code] = self._coupons(crm)
        self._coupon_refused(crm, code, CouponExpiredError, contact_id=ana.id, at=T0 + 30 * DAY)
        crm.coupons.redeem(code, contact_id=ana.id, at=T0)
        with pytest.raises(CouponUsedUpError) as err:
            crm.coupons.redeem(code, contact_id=ben.id, at=T0)
        assert (err.value.field, err.value.value) == ("code", code)
        assert len(crm.coupons.redemptions(code)) == 1
        with pytest.raises(CouponNotFoundError):
            crm.coupons.redeem("AAAA-BBBB-CCCC-DDDD", contact_id=ana.id, at=T0)

    def test_a_segment_coupon_is_for_its_members_only(self, crm: CRM) -> None:
        crm.segments.save("Sofia", field("city") == "Sofia")
        ivan = self._shopper(crm, "Ivan", city="Sofia")
        besa = self._shopper(crm, "Besa", city="Tiranë")
        [code] = self._coupons(crm, segment="Sofia")
        self._coupon_refused(crm, code, CouponIneligibleError, contact_id=besa.id, at=T0)
        assert crm.coupons.redeem(code, contact_id=ivan.id, at=T0).contact_id == ivan.id
        with pytest.raises(SegmentNotFoundError):
            self._coupons(crm, segment="Nowhere")

    def test_bad_input_names_field_and_value_and_writes_nothing(self, crm: CRM) -> None:
        ana = self._shopper(crm)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"discount": Decimal("0")}, "discount"),
            ({"discount": Decimal("1.5")}, "discount"),
            ({"discount": 0.1}, "discount"),
            ({"max_uses": 0}, "max_uses"),
            ({"max_uses": True}, "max_uses"),
            ({"expires_at": T0.replace(tzinfo=None)}, "expires_at"),
            ({"count": 0}, "count"),
            ({"count": 2.0}, "count"),
        ]
        for options, name in cases:
            with pytest.raises(ValidationError) as err:
                self._coupons(crm, **options)
            assert err.value.field == name, options
        assert isinstance(err.value, ValidationError)
        [code] = self._coupons(crm)
        self._coupon_refused(crm, code, ContactNotFoundError, contact_id="nobody", at=T0)
        self._coupon_refused(
            crm, code, InvalidDatetimeError, contact_id=ana.id, at=T0.replace(tzinfo=None)
        )
        with pytest.raises(ValidationError) as bad:
            crm.coupons.redeem(42, contact_id=ana.id, at=T0)  # type: ignore[arg-type]
        assert (bad.value.field, bad.value.value) == ("code", 42)

    def test_redemptions_follow_merge_and_unmerge(self, crm: CRM) -> None:
        ana = self._shopper(crm)
        twin = self._shopper(crm, "A. Popa")
        [code] = self._coupons(crm)
        used = crm.coupons.redeem(code, contact_id=twin.id, at=T0)
        merged = crm.merge(ana.id, twin.id)
        assert merged.moved["coupon_redemptions"] == 1
        assert crm.coupons.redemptions(code)[0].contact_id == ana.id
        crm.unmerge(merged.merge_id or "")
        assert crm.coupons.redemptions(code) == [used]

    def test_redemptions_are_exported_and_kept_anonymised_on_erasure(self, crm: CRM) -> None:
        ana = self._shopper(crm)
        tx = crm.transactions.add(ana.id, kind="purchase", amount=Money("9", "EUR"), occurred_at=T0)
        [code] = self._coupons(crm)
        crm.coupons.redeem(code, contact_id=ana.id, transaction_id=tx.id, at=T0)
        exported = crm.contacts.export(ana.id)["coupon_redemptions"]
        assert exported[0]["transaction_id"] == tx.id  # type: ignore[index,call-overload]
        crm.contacts.erase(ana.id)
        [kept] = crm.coupons.redemptions(code)
        assert (kept.contact_id, kept.transaction_id, kept.at) == (None, None, T0)
        assert crm.coupons.get(code).uses == 1

    def test_an_issued_coupon_follows_its_contact_through_merge_and_unmerge(self, crm: CRM) -> None:
        ana, twin = self._shopper(crm), self._shopper(crm, "A. Popa")
        [code] = self._coupons(crm, contact_id=twin.id)
        [anyones] = self._coupons(crm)
        assert crm.coupons.get(code).contact_id == twin.id
        assert crm.coupons.get(anyones).contact_id is None
        merged = crm.merge(ana.id, twin.id)
        assert merged.moved["coupons"] == 1
        assert crm.coupons.get(code).contact_id == ana.id
        crm.unmerge(merged.merge_id or "")
        assert crm.coupons.get(code).contact_id == twin.id
        crm.coupons.redeem(code, contact_id=ana.id, at=T0)  # a code is the holder's to pass on

    def test_an_issued_coupon_is_exported_and_kept_without_the_person(self, crm: CRM) -> None:
        ana = self._shopper(crm)
        [code] = self._coupons(crm, contact_id=ana.id, max_uses=2)
        crm.coupons.redeem(code, contact_id=ana.id, at=T0)
        exported: Any = crm.contacts.export(ana.id)["coupons"]
        assert [c["code"] for c in exported] == [code.replace("-", "")]
        crm.contacts.erase(ana.id)
        kept = crm.coupons.get(code)
        assert (kept.contact_id, kept.uses) == (None, 1)

    def test_issuing_to_an_unknown_contact_writes_nothing(self, crm: CRM) -> None:
        with pytest.raises(ContactNotFoundError):
            self._coupons(crm, contact_id="nobody")
        with pytest.raises(ValidationError) as bad:
            self._coupons(crm, contact_id=7)
        assert (bad.value.field, bad.value.value) == ("contact_id", 7)

    def test_of_concurrent_redeemers_of_a_single_use_code_exactly_one_wins(self, crm: CRM) -> None:
        people = [self._shopper(crm, f"Racer {n}").id for n in range(RACERS)]
        codes = self._coupons(crm, TRIALS)
        start = threading.Barrier(RACERS)

        def race(code: str, contact_id: str) -> str:
            start.wait()
            try:
                crm.coupons.redeem(code, contact_id=contact_id, at=T0)
            except CouponUsedUpError:
                return "used up"
            return "won"

        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            for code in codes:
                outcomes = list(pool.map(race, [code] * RACERS, people))
                assert sorted(outcomes) == ["used up"] * (RACERS - 1) + ["won"], code
                assert crm.coupons.get(code).uses == 1
                assert len(crm.coupons.redemptions(code)) == 1
