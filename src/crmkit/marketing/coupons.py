"""Coupons: unguessable codes, and the rules of redeeming one.

A code is 16 characters drawn by :mod:`secrets` from a 31-letter alphabet without look-alikes
(no ``0``/``O``, ``1``/``I``/``L``), printed in groups of four: 16 × log2(31) ≈ 79 bits, so
guessing one live code among a million takes about 2^59 tries. Codes are compared
ignoring case, spaces and hyphens (:func:`normalise_code`).

>>> from datetime import UTC, datetime
>>> code = new_code()
>>> len(code), code.count("-"), normalise_code(code.lower()) == code.replace("-", "")
(19, 3, True)
>>> t = datetime(2026, 1, 1, tzinfo=UTC)
>>> c = Coupon.new("abcd-efgh-jkmn-pqrs", discount=Decimal("0.1"), max_uses=1,
...                expires_at=datetime(2027, 1, 1, tzinfo=UTC), now=t)
>>> check_redeemable(c, at=datetime(2026, 6, 1, tzinfo=UTC))
>>> check_redeemable(attrs.evolve(c, uses=1), at=datetime(2026, 6, 1, tzinfo=UTC))
Traceback (most recent call last):
...
crmkit.errors.CouponUsedUpError: invalid code 'ABCD-EFGH-JKMN-PQRS': all 1 uses are taken
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import ensure_aware, new_id
from crmkit.errors import (
    CouponExpiredError,
    CouponUsedUpError,
    ValidationError,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_BITS",
    "Coupon",
    "CouponRedemption",
    "check_redeemable",
    "format_code",
    "new_code",
    "normalise_code",
]

#: Letters and digits a reader cannot mistake for one another.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_LENGTH = 16
#: The entropy of one code, in bits (about 79).
CODE_BITS = _LENGTH * math.log2(len(CODE_ALPHABET))


def new_code() -> str:
    """A fresh code from :mod:`secrets`, printed as four groups of four."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(_LENGTH))
    return format_code(raw)


def format_code(code: str) -> str:
    """A stored (normalised) code in groups of four, as printed.

    >>> format_code("ABCDEFGHJKMNPQRS")
    'ABCD-EFGH-JKMN-PQRS'
    """
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(code: Any) -> str:
    """*code* as stored: upper case, without spaces and hyphens.

    >>> normalise_code(" abcd-efgh ")
    'ABCDEFGH'
    """
    if not isinstance(code, str) or not code.strip():
        raise ValidationError("code", code, "a coupon code is text")
    return "".join(code.split()).replace("-", "").upper()


def _discount(value: Any) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= 1:
        raise ValidationError("discount", value, "a Decimal share above 0 and at most 1")
    return value


def _max_uses(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("max_uses", value, "a whole number of at least 1")
    return value


@attrs.frozen
class Coupon:
    """One code: a share off (``discount``, 0.10 is 10 %), usable ``max_uses`` times
    before ``expires_at``, optionally only by members of a saved ``segment``.
    ``campaign_id`` is kept as given. ``uses`` counts redemptions; ``version`` is the
    stored version, so two redeemers cannot both take the last use. ``contact_id`` is the
    contact it was issued to (a referral reward, a code made for one person), ``None`` for
    a code anyone may hold: an issued coupon moves with the contact's merges, is on their
    card and in their export, and outlives their erasure without them (its uses still
    add up)."""

    id: str
    code: str
    discount: Decimal
    max_uses: int
    expires_at: datetime
    created_at: datetime
    uses: int = 0
    campaign_id: str | None = None
    segment: str | None = None
    version: int = 1
    contact_id: str | None = None

    @classmethod
    def new(
        cls,
        code: str,
        *,
        discount: Any,
        max_uses: Any,
        expires_at: Any,
        now: datetime,
        campaign_id: str | None = None,
        segment: str | None = None,
        contact_id: str | None = None,
    ) -> Coupon:
        return cls(
            id=new_id(),
            code=normalise_code(code),
            discount=_discount(discount),
            max_uses=_max_uses(max_uses),
            expires_at=ensure_aware(expires_at, "expires_at"),
            created_at=now,
            campaign_id=campaign_id,
            segment=segment,
            contact_id=contact_id,
        )

    def use(self) -> Coupon:
        """The next version, with one more use taken."""
        return attrs.evolve(self, uses=self.uses + 1, version=self.version + 1)


@attrs.frozen
class CouponRedemption:
    """A coupon used by a contact, for a transaction. Erasure keeps it without the person
    and the transaction (:meth:`anonymised`), so the coupon's use count still adds up."""

    id: str
    contact_id: str | None
    coupon_id: str
    at: datetime
    transaction_id: str | None = None

    def anonymised(self) -> CouponRedemption:
        return attrs.evolve(self, transaction_id=None)


def check_redeemable(coupon: Coupon, *, at: datetime) -> None:
    """Raise the :class:`crmkit.errors.CouponError` that forbids redeeming at *at*."""
    shown = format_code(coupon.code)
    if at >= coupon.expires_at:
        raise CouponExpiredError("code", shown, f"expired at {coupon.expires_at.isoformat()}")
    if coupon.uses >= coupon.max_uses:
        raise CouponUsedUpError("code", shown, f"all {coupon.max_uses} uses are taken")
