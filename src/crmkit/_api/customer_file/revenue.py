"""Revenue: the ledger's purchase and refund lines, kept as they are recorded and summed.

:class:`crmkit._api.transactions.TransactionsAPI` calls :func:`ledger_lines` in the unit of
work that records the entries, so every SKU is resolved (or refused) before anything is
written and the lines commit with their entries; :func:`revenue_report` reads them back,
grouped by the backend (``uow.revenue``), and names them from the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from crmkit._api._base import Context
from crmkit._api.customer_file.kinds import PRODUCTS
from crmkit._types import ensure_aware
from crmkit.customer_file.products import sku_key
from crmkit.customer_file.revenue import (
    RevenueLine,
    RevenueReport,
    assemble,
    check_by,
    period_needed,
    revenue_lines,
)
from crmkit.errors import UnknownSkuError, ValidationError
from crmkit.storage.protocols import UnitOfWork
from crmkit.value.ledger import Transaction
from crmkit.value.rates import RatesTable

__all__ = ["ledger_lines", "revenue_report"]


def ledger_lines(
    uow: UnitOfWork, txs: Sequence[Transaction], *, free_text: bool, batch: bool
) -> list[RevenueLine]:
    """The revenue lines of *txs*, each SKU resolved to its product's VAT rate.

    A SKU that names no product raises :class:`crmkit.errors.UnknownSkuError` (field
    ``lines[i].sku``, or ``rows[j].lines[i].sku`` for a *batch*) unless *free_text*, when
    the line counts without a product and without VAT."""
    if not isinstance(free_text, bool):
        raise ValidationError("free_text", free_text, "expected True or False")
    rates: dict[str, Decimal] = {}
    unknown: set[str] = set()
    for j, tx in enumerate(txs):
        for i, item in enumerate(tx.lines):
            if item.sku is None:
                continue
            key = sku_key(item.sku)
            if key in rates or key in unknown:
                found = key in rates
            else:
                product = PRODUCTS.on(uow).select("sku", equals=key, limit=1)
                if product:
                    rates[key] = product[0].vat_rate
                else:
                    unknown.add(key)
                found = bool(product)
            if not found and not free_text:
                where = f"rows[{j}].lines[{i}].sku" if batch else f"lines[{i}].sku"
                raise UnknownSkuError(where, item.sku, "names no product; pass free_text=True")
    return [line for tx in txs for line in revenue_lines(tx, rates)]


def _bound(value: Any, name: str) -> datetime | None:
    return None if value is None else ensure_aware(value, name)


def revenue_report(
    ctx: Context,
    *,
    by: Any,
    since: datetime | None,
    until: datetime | None,
    rates: RatesTable | None,
    currency: str | None,
) -> RevenueReport:
    """See :meth:`crmkit.CRM.revenue`."""
    names = check_by(by)
    lo, hi = _bound(since, "since"), _bound(until, "until")
    if lo is not None and hi is not None and hi < lo:
        raise ValidationError("until", until, "must not be before since")
    if rates is not None and not isinstance(rates, RatesTable):
        raise ValidationError("rates", rates, "expected a crmkit.value.rates.RatesTable or None")
    if currency is not None and rates is None:
        raise ValidationError("currency", currency, "converting needs rates=")
    period = period_needed(names, converting=rates is not None)
    with ctx.read() as uow:
        totals = uow.revenue.totals(period=period, since=lo, until=hi)
        wanted = {"product", "category"} & set(names)
        products = PRODUCTS.on(uow).select() if wanted else []
    return assemble(
        totals,
        by=names,
        period=period,
        products=products,
        since=lo,
        until=hi,
        rates=rates,
        currency=currency,
    )
