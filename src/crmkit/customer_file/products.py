"""The catalogue: products a workspace sells, each under a unique SKU.

A SKU is compared without case and outer spaces (``"gold-12 "`` is ``"GOLD-12"``): people
type SKUs by hand, and two products whose codes differ only in case are a mistake, not a
range. The product keeps the SKU as written.

>>> from datetime import UTC, datetime
>>> gold = Product.new(sku=" GOLD-12", name="Gold package, 12 months", category="packages",
...                    price=Money("600.00", "EUR"), vat_rate=Decimal("0.20"),
...                    at=datetime(2026, 1, 5, tzinfo=UTC))
>>> gold.sku, gold.key, gold.price
('GOLD-12', 'gold-12', Money('600.00', 'EUR'))
>>> Product.new(sku="X", name="X", price=Money("1", "EUR"), vat_rate=Decimal("1.5"),
...             at=datetime(2026, 1, 5, tzinfo=UTC))
Traceback (most recent call last):
...
crmkit.errors.ValidationError: invalid vat_rate Decimal('1.5'): expected a rate from 0 to 1
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from crmkit._text_limits import clean_text
from crmkit._types import Money, ensure_aware, new_id
from crmkit.errors import InvalidMoneyError, ValidationError

__all__ = ["Product", "category_key", "check_price", "check_rate", "check_vat_rate", "sku_key"]


def sku_key(sku: str) -> str:
    """A SKU as the unique key compares it: outer spaces and case ignored."""
    return sku.strip().casefold()


def category_key(category: str) -> str:
    """A category as :meth:`crmkit.CRM.products` ``all(category=...)`` compares it."""
    return category.strip().casefold()


def check_rate(value: Any, field: str, *, upper_open: bool = False) -> Decimal:
    """*value* as a ``Decimal`` from 0 to 1 (below 1 when *upper_open*); floats refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(field, value, "expected a Decimal (floats are not exact)")
    rate = Decimal(value)
    if not rate.is_finite() or rate < 0 or rate > 1 or (upper_open and rate == 1):
        bounds = "from 0 up to (not including) 1" if upper_open else "from 0 to 1"
        raise ValidationError(field, value, f"expected a rate {bounds}")
    return rate


def check_vat_rate(value: Any) -> Decimal:
    return check_rate(value, "vat_rate")


def check_price(value: Any, field: str = "price") -> Money:
    if not isinstance(value, Money):
        raise InvalidMoneyError(field, value, "expected crmkit.Money")
    if value.amount < 0:
        raise InvalidMoneyError(field, value, "must not be negative")
    return value


@attrs.frozen
class Product:
    """One catalogue entry. An inactive product stays readable (old quotes name it) but
    new quotes may not use it."""

    id: str
    sku: str
    name: str
    category: str | None
    price: Money
    vat_rate: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> str:
        return sku_key(self.sku)

    @classmethod
    def new(
        cls,
        *,
        sku: Any,
        name: Any,
        price: Any,
        vat_rate: Any,
        at: datetime,
        category: Any = None,
        active: bool = True,
    ) -> Product:
        when = ensure_aware(at, "at")
        code = clean_text("sku", sku, required=True)
        assert code is not None
        # One set of checks for creating and updating: the rest goes through changed().
        product = cls(new_id(), code, "", None, check_price(price), Decimal(0), True, when, when)
        return product.changed(
            name=name, category=category, vat_rate=vat_rate, active=active, at=when
        )

    def changed(self, *, at: datetime, **changes: Any) -> Product:
        """The product with *changes* (``name``, ``category``, ``price``, ``vat_rate``,
        ``active``) checked and applied."""
        allowed = {"name", "category", "price", "vat_rate", "active"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError("changes", sorted(unknown), f"expected {sorted(allowed)}")
        clean: dict[str, Any] = {}
        if "name" in changes:
            clean["name"] = clean_text("name", changes["name"], required=True)
        if "category" in changes:
            clean["category"] = clean_text("category", changes["category"])
        if "price" in changes:
            clean["price"] = check_price(changes["price"])
        if "vat_rate" in changes:
            clean["vat_rate"] = check_vat_rate(changes["vat_rate"])
        if "active" in changes:
            if not isinstance(changes["active"], bool):
                raise ValidationError("active", changes["active"], "expected True or False")
            clean["active"] = changes["active"]
        return attrs.evolve(self, updated_at=ensure_aware(at, "at"), **clean)
