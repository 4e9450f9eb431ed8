"""``crm.products`` and ``crm.quotes``: the catalogue and priced offers, on the record store.

The kinds are declared in :mod:`crmkit._api.customer_file.kinds`; the checks and
arithmetic are the pure functions of :mod:`crmkit.customer_file`. Every check runs before
the first write, so a refused call leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crmkit._api._base import Context
from crmkit._api._records import load, move_time, of_known_contact
from crmkit._api.customer_file.kinds import PRODUCTS, QUOTES
from crmkit._text_limits import clean_text
from crmkit._types import Money
from crmkit.customer_file import quotes as moves
from crmkit.customer_file.products import Product, category_key, sku_key
from crmkit.customer_file.quotes import FreeTextLine, Quote, QuoteLine, priced_line
from crmkit.errors import (
    RecordNotFoundError,
    UniqueKeyError,
    UnknownSkuError,
    ValidationError,
)
from crmkit.funnel.deal import DealStatus, win
from crmkit.storage.protocols import UnitOfWork

__all__ = ["ProductsAPI", "QuotesAPI", "find_product"]

#: A quote line as callers write it: ``(sku, quantity)``, ``(sku, quantity, discount)`` or
#: an explicit :class:`crmkit.customer_file.FreeTextLine`.
LineInput = tuple[str, int] | tuple[str, int, Decimal] | FreeTextLine
_UNSET: Any = object()


def find_product(uow: UnitOfWork, sku_or_id: str) -> Product | None:
    """The product of this SKU (case ignored), else of this id, else ``None``."""
    found = PRODUCTS.on(uow).select("sku", equals=sku_key(sku_or_id), limit=1)
    if found:
        return found[0]
    hit = PRODUCTS.on(uow).get_many([sku_or_id])
    return hit[0] if hit else None


class ProductsAPI:
    """The workspace's catalogue. SKUs are unique ignoring case and outer spaces.

    >>> from decimal import Decimal
    >>> from crmkit import CRM, Money
    >>> crm = CRM()
    >>> gold = crm.products.create(sku="GOLD-12", name="Gold package, 12 months",
    ...                            category="packages", price=Money("600.00", "EUR"),
    ...                            vat_rate=Decimal("0.20"))
    >>> crm.products.get("gold-12").id == gold.id
    True
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self,
        *,
        sku: str,
        name: str,
        price: Money,
        vat_rate: Decimal,
        category: str | None = None,
        active: bool = True,
    ) -> Product:
        """A new product; :class:`crmkit.errors.UniqueKeyError` if the SKU is taken."""
        product = Product.new(
            sku=sku,
            name=name,
            price=price,
            vat_rate=vat_rate,
            category=category,
            active=active,
            at=self._ctx.clock(),
        )
        with self._ctx.write() as uow:
            if PRODUCTS.on(uow).count("sku", equals=product.key):
                raise UniqueKeyError("product", "sku", product.sku)
            PRODUCTS.on(uow).add(product)
            uow.commit()
        return product

    def get(self, sku_or_id: str) -> Product:
        """The product of this SKU or id; :class:`crmkit.errors.RecordNotFoundError` if none."""
        clean_text("sku_or_id", sku_or_id, required=True)
        with self._ctx.read() as uow:
            product = find_product(uow, sku_or_id)
        if product is None:
            raise RecordNotFoundError("product", sku_or_id)
        return product

    def update(
        self,
        sku_or_id: str,
        *,
        name: str = _UNSET,
        category: str | None = _UNSET,
        price: Money = _UNSET,
        vat_rate: Decimal = _UNSET,
        active: bool = _UNSET,
    ) -> Product:
        """Change what is given; quotes made before keep the prices they were made with."""
        given = {
            "name": name,
            "category": category,
            "price": price,
            "vat_rate": vat_rate,
            "active": active,
        }
        changes = {k: v for k, v in given.items() if v is not _UNSET}
        with self._ctx.write() as uow:
            product = find_product(uow, clean_text("sku_or_id", sku_or_id, required=True) or "")
            if product is None:
                raise RecordNotFoundError("product", sku_or_id)
            changed = product.changed(at=self._ctx.clock(), **changes)
            PRODUCTS.on(uow).update(changed)
            uow.commit()
        return changed

    def all(self, *, category: str | None = None) -> list[Product]:
        """Every product (of *category*, case ignored), by SKU."""
        with self._ctx.read() as uow:
            if category is None:
                found = PRODUCTS.on(uow).select()
            else:
                key = category_key(clean_text("category", category, required=True) or "")
                found = PRODUCTS.on(uow).select("category", equals=key)
        return sorted(found, key=lambda p: (p.key, p.id))


def _line(uow: UnitOfWork, entry: Any, index: int) -> QuoteLine:
    if isinstance(entry, FreeTextLine):
        return priced_line(
            None, entry.description, entry.price, entry.vat_rate, entry.quantity, entry.discount
        )
    if not isinstance(entry, tuple) or len(entry) not in (2, 3):
        raise ValidationError(
            f"lines[{index}]", entry, "expected (sku, quantity[, discount]) or a FreeTextLine"
        )
    sku = clean_text("sku", entry[0], required=True) or ""
    product = PRODUCTS.on(uow).select("sku", equals=sku_key(sku), limit=1)
    if not product:
        raise UnknownSkuError("sku", entry[0], "no such product (use a FreeTextLine for text)")
    if not product[0].active:
        raise ValidationError("sku", entry[0], "the product is inactive")
    p = product[0]
    discount = entry[2] if len(entry) == 3 else Decimal(0)
    return priced_line(p.sku, p.name, p.price, p.vat_rate, entry[1], discount)


class QuotesAPI:
    """Quotes priced from the catalogue: draft → sent → accepted or declined; an
    undecided quote reads as expired after ``valid_until``."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _at(self, at: Any) -> Any:
        return self._ctx.clock() if at is None else at

    def _load(self, uow: UnitOfWork, quote_id: Any) -> Quote:
        return load(QUOTES.on(uow), quote_id, field="quote_id", what="quote")

    def create(
        self,
        contact_id: str,
        *,
        lines: Sequence[LineInput],
        valid_until: date,
        deal_id: str | None = None,
        at: datetime | None = None,
    ) -> Quote:
        """A draft quote; each SKU must name an active product
        (:class:`crmkit.errors.UnknownSkuError` otherwise)."""
        given: Any = lines
        if isinstance(given, str | bytes) or not isinstance(given, Sequence):
            raise ValidationError("lines", lines, "expected a list of lines")
        with self._ctx.write() as uow:
            uow.contacts.get(contact_id)
            if deal_id is not None:
                deal = uow.deals.get(deal_id)
                if deal.contact_id not in (None, contact_id):
                    raise ValidationError("deal_id", deal_id, "the deal is another contact's")
            priced = [_line(uow, entry, i) for i, entry in enumerate(lines)]
            quote = Quote.new(
                contact_id, priced, valid_until=valid_until, at=self._at(at), deal_id=deal_id
            )
            QUOTES.on(uow).add(quote)
            uow.commit()
        return quote

    def _apply(self, quote_id: str, at: Any, step: Callable[[Quote, Any], Quote]) -> Quote:
        with self._ctx.write() as uow:
            quote = self._load(uow, quote_id)
            quote = step(quote, move_time(self._ctx, quote.last_move, at))
            QUOTES.on(uow).update(quote)
            uow.commit()
        return quote

    def send(self, quote_id: str, *, at: datetime | None = None) -> Quote:
        return self._apply(quote_id, at, lambda q, when: moves.send(q, at=when))

    def decline(self, quote_id: str, *, at: datetime | None = None) -> Quote:
        return self._apply(quote_id, at, lambda q, when: moves.decline(q, at=when))

    def accept(self, quote_id: str, *, at: datetime | None = None, by: str | None = None) -> Quote:
        """Accept a sent quote on or before its ``valid_until``; its deal, if still open,
        is won in the same unit of work."""
        with self._ctx.write() as uow:
            quote = self._load(uow, quote_id)
            when = move_time(self._ctx, quote.last_move, at)
            quote = moves.accept(quote, at=when)
            if quote.deal_id is not None:
                deal = uow.deals.get(quote.deal_id)
                if deal.status is DealStatus.OPEN:
                    won, change = win(deal, at=when, by=by)
                    uow.deals.update(won)
                    uow.stage_changes.add(change)
            QUOTES.on(uow).update(quote)
            uow.commit()
        return quote

    def get(self, quote_id: str) -> Quote:
        with self._ctx.read() as uow:
            return self._load(uow, quote_id)

    def for_contact(self, contact_id: str) -> list[Quote]:
        """The contact's quotes, oldest first."""
        with self._ctx.read() as uow:
            return of_known_contact(uow, contact_id, QUOTES.on(uow).for_contact(contact_id))
