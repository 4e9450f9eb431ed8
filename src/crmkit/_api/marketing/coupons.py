"""``crm.coupons``: batches of unguessable codes, redeemed exactly once per use.

The kinds are declared in :mod:`crmkit._api.marketing.loyalty_kinds`; the rules are the pure
:mod:`crmkit.marketing.coupons`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from crmkit._api._base import Context
from crmkit._api._races import retry_lost_races
from crmkit._api.marketing.loyalty_kinds import COUPON_REDEMPTIONS, COUPONS
from crmkit._text_limits import clean_text
from crmkit._types import ensure_aware, new_id
from crmkit.errors import (
    CouponIneligibleError,
    CouponNotFoundError,
    ValidationError,
)
from crmkit.marketing.coupons import (
    Coupon,
    CouponRedemption,
    check_redeemable,
    format_code,
    new_code,
    normalise_code,
)
from crmkit.segments import Segment
from crmkit.storage.protocols import UnitOfWork

__all__ = ["CouponsAPI"]

_LARGEST_BATCH = 100_000


def _find(uow: UnitOfWork, code: Any) -> Coupon:
    normal = normalise_code(code)
    found = COUPONS.on(uow).select("code", equals=normal)
    if not found:
        raise CouponNotFoundError(code)
    return found[0]


class CouponsAPI:
    """Coupon codes: a share off, a number of uses, an expiry, optionally a segment.

    >>> from datetime import UTC, datetime
    >>> from decimal import Decimal
    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> ana = crm.contacts.create(name="Ana Popa")
    >>> [code] = crm.coupons.create_batch(count=1, discount=Decimal("0.10"), max_uses=1,
    ...                                   expires_at=datetime(2027, 1, 1, tzinfo=UTC))
    >>> used = crm.coupons.redeem(code.lower(), contact_id=ana.id,
    ...                           at=datetime(2026, 6, 1, tzinfo=UTC))
    >>> crm.coupons.get(code).uses
    1
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create_batch(
        self,
        *,
        count: int,
        discount: Decimal,
        max_uses: int = 1,
        expires_at: datetime,
        campaign_id: str | None = None,
        segment: str | None = None,
        contact_id: str | None = None,
    ) -> list[str]:
        """*count* new codes (``XXXX-XXXX-XXXX-XXXX``), each worth *discount* (a ``Decimal``
        share: 0.10 is 10 % off) for *max_uses* redemptions before *expires_at*. *segment*
        names a saved segment whose members alone may redeem; *campaign_id* is kept as given.
        *contact_id* issues the codes to that contact: they show on the contact's card and
        export and follow their merges (anyone holding a code may still redeem it).
        """
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not 1 <= count <= _LARGEST_BATCH
        ):
            raise ValidationError("count", count, f"a whole number from 1 to {_LARGEST_BATCH}")
        campaign = clean_text("campaign_id", campaign_id)
        holder = clean_text("contact_id", contact_id)
        now = self._ctx.clock()
        with self._ctx.write() as uow:
            if segment is not None:
                uow.segments.get(segment)  # SegmentNotFoundError before anything is written
            if holder is not None:
                uow.contacts.get(holder)
            coupons = [
                Coupon.new(
                    new_code(),
                    discount=discount,
                    max_uses=max_uses,
                    expires_at=expires_at,
                    now=now,
                    campaign_id=campaign,
                    segment=segment,
                    contact_id=holder,
                )
                for _ in range(count)
            ]
            for coupon in coupons:
                COUPONS.on(uow).add(coupon)  # a (2^-79) repeated code is a UniqueKeyError
            uow.commit()
        return [format_code(c.code) for c in coupons]

    def get(self, code: str) -> Coupon:
        """The coupon of *code* (any case, with or without hyphens), or
        :class:`crmkit.errors.CouponNotFoundError`."""
        with self._ctx.read() as uow:
            return _find(uow, code)

    def redemptions(self, code: str) -> list[CouponRedemption]:
        with self._ctx.read() as uow:
            coupon = _find(uow, code)
            return COUPON_REDEMPTIONS.on(uow).select("coupon", equals=coupon.id)

    def redeem(
        self,
        code: str,
        *,
        contact_id: str,
        transaction_id: str | None = None,
        at: datetime | None = None,
    ) -> CouponRedemption:
        """Use *code* once for *contact_id*: :class:`crmkit.errors.CouponNotFoundError`,
        or a :class:`crmkit.errors.CouponError` if it is expired, used up or the contact is
        not in its segment; nothing is written then. Of concurrent redeemers of the last use
        exactly one succeeds: the others lose the versioned update (a
        :class:`crmkit.errors.ConflictError`), read again and are told it is used up."""
        when = ensure_aware(self._ctx.clock() if at is None else at, "at")
        transaction = clean_text("transaction_id", transaction_id)
        return retry_lost_races(lambda: self._redeem_once(code, contact_id, transaction, when))

    def _redeem_once(
        self, code: str, contact_id: str, transaction_id: str | None, at: datetime
    ) -> CouponRedemption:
        with self._ctx.write() as uow:
            coupon = _find(uow, code)
            uow.contacts.get(contact_id)
            if transaction_id is not None:
                uow.transactions.get(transaction_id)
            check_redeemable(coupon, at=at)
            if coupon.segment is not None:
                segment = Segment.from_dict(uow.segments.get(coupon.segment))
                if all(c.id != contact_id for c in uow.segment_members(segment, now=at)):
                    raise CouponIneligibleError(
                        "contact_id", contact_id, f"not in segment {coupon.segment!r}"
                    )
            COUPONS.on(uow).update(coupon.use())
            redemption = CouponRedemption(new_id(), contact_id, coupon.id, at, transaction_id)
            COUPON_REDEMPTIONS.on(uow).add(redemption)
            uow.commit()
        return redemption
