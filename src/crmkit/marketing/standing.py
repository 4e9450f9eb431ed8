"""A contact's marketing standing, as their card shows it
(:attr:`crmkit.card.ContactCard.marketing`): coupons issued to them and those they redeemed,
their points and tier in each loyalty program they have points in, who brought them and
whom they brought, and the campaigns they came by (first touch) and bought under (last
touch, :mod:`crmkit.marketing.touches`).

Plain values: ``crm.contact_card`` reads them in the card's one consistent read.

>>> from datetime import UTC, datetime
>>> t = datetime(2027, 3, 1, tzinfo=UTC)
>>> s = MarketingStanding(
...     loyalty=(LoyaltyStanding("Club", 1000, "Gold"),),
...     referred_by=Ref("c9", "Ana Popa"),
...     first_touch=Ref("k1", "Spring Gold"),
...     converted_under=(Ref("k1", "Spring Gold"),),
... )
>>> print("\\n".join(s.lines()))
points: Club 1000 (Gold)
referred by: Ana Popa
came by: Spring Gold · bought under: Spring Gold
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

__all__ = ["CouponHeld", "LoyaltyStanding", "MarketingStanding", "Ref"]


@attrs.frozen
class Ref:
    """A contact or campaign on the card: its id and its name (``""`` if it has none)."""

    id: str
    name: str


@attrs.frozen
class CouponHeld:
    """A coupon on the card: its printed ``code`` and ``discount``; for an issued one,
    ``expires_at`` and the ``uses`` taken so far; for a redemption, when (``at``) and for
    which transaction."""

    code: str
    discount: Decimal
    expires_at: datetime
    uses: int = 0
    at: datetime | None = None
    transaction_id: str | None = None


@attrs.frozen
class LoyaltyStanding:
    """The contact in one loyalty program: points held now and the tier they reach
    (``None``: below every threshold)."""

    program: str
    balance: int
    tier: str | None


@attrs.frozen
class MarketingStanding:
    """What the card shows of marketing. ``coupons_issued`` are the coupons issued to the
    contact (by expiry), ``coupons_redeemed`` those they used (oldest first); ``loyalty``
    one standing per program they have points entries in (by name); ``referred_by`` who
    brought them, ``referred`` whom they brought (oldest first); ``first_touch`` the
    campaign that reached them first (their source campaign), ``converted_under`` the
    campaigns their purchases were made under (each once, by first such purchase)."""

    coupons_issued: tuple[CouponHeld, ...] = ()
    coupons_redeemed: tuple[CouponHeld, ...] = ()
    loyalty: tuple[LoyaltyStanding, ...] = ()
    referred_by: Ref | None = None
    referred: tuple[Ref, ...] = ()
    first_touch: Ref | None = None
    converted_under: tuple[Ref, ...] = ()

    def lines(self) -> list[str]:
        """The standing as lines of the card's text (nothing for a contact without one)."""
        out = [
            f"points: {p.program} {p.balance}" + ("" if p.tier is None else f" ({p.tier})")
            for p in self.loyalty
        ]
        for c in self.coupons_issued:
            out.append(
                f"coupon: {c.code} · {_share(c.discount)} off · {c.uses} used"
                f" · expires {c.expires_at:%d %b %Y}"
            )
        for c in self.coupons_redeemed:
            assert c.at is not None
            out.append(f"redeemed: {c.code} · {_share(c.discount)} off · {c.at:%d %b %Y}")
        if self.referred_by is not None:
            out.append(f"referred by: {_name(self.referred_by)}")
        if self.referred:
            out.append("referred: " + ", ".join(_name(r) for r in self.referred))
        touches = []
        if self.first_touch is not None:
            touches.append(f"came by: {_name(self.first_touch)}")
        if self.converted_under:
            touches.append("bought under: " + ", ".join(_name(r) for r in self.converted_under))
        if touches:
            out.append(" · ".join(touches))
        return out


def _share(discount: Decimal) -> str:
    return f"{(discount * 100).normalize():f} %"


def _name(ref: Ref) -> str:
    return ref.name or ref.id
