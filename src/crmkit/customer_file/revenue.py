"""Revenue from the ledger: net, VAT and gross by product, category and period.

A purchase's lines count positive and a refund's negative, so refunds are netted where
they fall; payments and payouts move cash, not revenue, and do not count. Each line is
kept once, when its entry is recorded, as a :class:`RevenueLine`: its amount rounded half
up to the currency's minor unit (the rule of :mod:`crmkit.customer_file.pricing`), the VAT
at the rate its product had that day, both as whole minor units. Whole numbers add up
exactly on every backend, and a product whose VAT rate changes later leaves past sales as
they were. An entry without lines counts as one line of its whole amount, with no product
and no VAT (the ledger does not know it).

Storage groups the lines by SKU, currency and UTC month (or day, to convert at each day's
rate) into :class:`RevenueTotal`\\ s; :func:`assemble` turns those few groups into the
report, naming products and categories as the catalogue does now.

>>> from datetime import UTC, datetime
>>> from crmkit.value.ledger import LineItem, Transaction
>>> sale = Transaction.new(contact_id="c1", kind="purchase", amount=Money("1440.00", "EUR"),
...                        occurred_at=datetime(2026, 12, 5, tzinfo=UTC), lines=[
...                            LineItem.new(sku="GOLD-12", quantity=2,
...                                         unit_price=Money("600.00", "EUR"))])
>>> [(x.sku, x.net, x.vat) for x in revenue_lines(sale, {"gold-12": Decimal("0.20")})]
[('gold-12', 120000, 24000)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal

import attrs

from crmkit._types import Money
from crmkit.customer_file.pricing import minor_unit, round_money
from crmkit.customer_file.products import Product, category_key, sku_key
from crmkit.errors import InvalidMoneyError, ValidationError
from crmkit.value.ledger import Transaction, TransactionKind
from crmkit.value.rates import RatesTable

__all__ = [
    "BREAKDOWNS",
    "Period",
    "RevenueLine",
    "RevenueReport",
    "RevenueRow",
    "RevenueTotal",
    "assemble",
    "check_by",
    "day_number",
    "day_start",
    "month_number",
    "period_needed",
    "revenue_lines",
    "total_lines",
]

#: What ``crm.revenue(by=...)`` can break revenue down by.
BREAKDOWNS = ("product", "category", "year", "quarter", "month")
#: How finely storage must group lines by time for a report.
Period = Literal["month", "day"] | None

_EPOCH = date(1970, 1, 1)
_SIGN = {TransactionKind.PURCHASE: 1, TransactionKind.REFUND: -1}


def month_number(when: datetime) -> int:
    """The UTC month of *when* as ``year * 100 + month`` (``202612``), as storage keeps it."""
    utc = when.astimezone(UTC)
    return utc.year * 100 + utc.month


def day_number(when: datetime) -> int:
    """The UTC day of *when* as days since 1970-01-01, as storage keeps it."""
    return (when.astimezone(UTC).date() - _EPOCH).days


def day_start(day: int) -> datetime:
    """Midnight UTC that starts day number *day* (see :func:`day_number`)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)


def _decimals(currency: str) -> int:
    return -int(minor_unit(currency).as_tuple().exponent)


def _to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(_decimals(currency)))


def _from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-_decimals(currency))


@attrs.frozen
class RevenueLine:
    """One purchase or refund line as revenue keeps it. ``sku`` is the SKU's key
    (:func:`crmkit.customer_file.products.sku_key`) or ``None``; ``net`` and ``vat`` are
    whole minor units of ``currency`` (cents for EUR), negative for a refund."""

    transaction_id: str
    line: int
    occurred_at: datetime
    sku: str | None
    currency: str
    net: int
    vat: int

    @property
    def month(self) -> int:
        return month_number(self.occurred_at)

    @property
    def day(self) -> int:
        return day_number(self.occurred_at)


# Whole minor units are kept as signed 64-bit integers (SQL BIGINT): a line beyond that is
# refused rather than overflowing a sum later.
_LARGEST = Decimal(2**63 - 1)


def _rounded(amount: Decimal, currency: str, field: str, value: object) -> Decimal:
    if abs(amount) > _LARGEST * minor_unit(currency):
        raise InvalidMoneyError(field, value, "too large to count as revenue")
    return round_money(amount, currency).amount


def revenue_lines(tx: Transaction, vat_rates: Mapping[str, Decimal]) -> list[RevenueLine]:
    """The revenue lines of one ledger entry. *vat_rates* maps SKU keys to the VAT rate
    of their product; a line whose SKU is not there (free text) has no VAT."""
    sign = _SIGN.get(tx.kind)
    if sign is None:
        return []
    currency = tx.amount.currency
    when = tx.occurred_at.astimezone(UTC)
    if not tx.lines:
        net = _rounded(tx.amount.amount, currency, "amount", tx.amount)
        return [RevenueLine(tx.id, 0, when, None, currency, sign * _to_minor(net, currency), 0)]
    out = []
    for i, item in enumerate(tx.lines):
        key = None if item.sku is None else sku_key(item.sku)
        total = item.unit_price.amount * item.quantity
        net = _rounded(total, currency, f"lines[{i}]", item.unit_price)
        rate = vat_rates.get(key, Decimal(0)) if key is not None else Decimal(0)
        vat = round_money(net * rate, currency).amount
        minor_net, minor_vat = _to_minor(net, currency), _to_minor(vat, currency)
        out.append(RevenueLine(tx.id, i, when, key, currency, sign * minor_net, sign * minor_vat))
    return out


@attrs.frozen
class RevenueTotal:
    """Lines summed by storage: one SKU key (or ``None``), one period (a month number, a
    day number, or ``None`` when the report needs no time), one currency."""

    sku: str | None
    period: int | None
    currency: str
    net: int
    vat: int
    lines: int


@attrs.frozen
class RevenueRow:
    """One group of the report: ``key`` holds its value for each breakdown, in the order
    asked (``None`` for no product or no category); ``gross == net + vat``."""

    key: tuple[str | None, ...]
    net: Money
    vat: Money
    gross: Money
    lines: int


@attrs.frozen
class RevenueReport:
    """Revenue of ``[since, until)`` broken down ``by``; ``rows`` in key order (nothing
    last), then by currency, and ``totals`` one row per currency with the key ``()``.
    With ``rates``, every amount is in ``currency``."""

    by: tuple[str, ...]
    since: datetime | None
    until: datetime | None
    currency: str | None
    rows: tuple[RevenueRow, ...]
    totals: tuple[RevenueRow, ...]


def total_lines(
    lines: Iterable[RevenueLine],
    *,
    period: Period,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RevenueTotal]:
    """*lines* of ``[since, until)`` summed as storage sums them
    (:meth:`crmkit.storage.protocols.RevenueRepository.totals`), for backends without SQL."""
    sums: dict[tuple[str | None, str, int | None], list[int]] = {}
    for x in lines:
        if (since is not None and x.occurred_at < since) or (
            until is not None and x.occurred_at >= until
        ):
            continue
        when = None if period is None else x.month if period == "month" else x.day
        acc = sums.setdefault((x.sku, x.currency, when), [0, 0, 0])
        acc[0] += x.net
        acc[1] += x.vat
        acc[2] += 1
    return [RevenueTotal(k[0], k[2], k[1], *v) for k, v in sums.items()]


def check_by(by: object) -> tuple[str, ...]:
    """*by* as a tuple of known breakdowns (a single name is allowed), each once."""
    names = (by,) if isinstance(by, str) else by
    if not isinstance(names, Sequence) or not all(isinstance(n, str) for n in names):
        raise ValidationError("by", by, f"expected names from {BREAKDOWNS}")
    unknown = [n for n in names if n not in BREAKDOWNS]
    if unknown or len(set(names)) != len(names):
        raise ValidationError("by", by, f"expected distinct names from {BREAKDOWNS}")
    return tuple(names)


def period_needed(by: tuple[str, ...], *, converting: bool) -> Period:
    """The time grouping storage must do: days to convert at each day's rate, months for
    any calendar breakdown, else none."""
    if converting:
        return "day"
    return "month" if {"year", "quarter", "month"} & set(by) else None


def _calendar(when: int, period: Period) -> dict[str, str]:
    if period == "day":
        day = date.fromordinal(_EPOCH.toordinal() + when)
        year, month = day.year, day.month
    else:
        year, month = divmod(when, 100)
    quarter = (month - 1) // 3 + 1
    return {
        "year": f"{year:04d}",
        "quarter": f"{year:04d}-Q{quarter}",
        "month": f"{year:04d}-{month:02d}",
    }


def _catalogue(products: Iterable[Product]) -> dict[str, dict[str, str | None]]:
    """Each SKU key's product and category labels. Categories compare folded; a category
    is named as its lowest SKU's product spells it."""
    by_key = {p.key: p for p in products}
    spelled: dict[str, str] = {}
    for product in sorted(by_key.values(), key=lambda p: p.key, reverse=True):
        if product.category is not None:
            spelled[category_key(product.category)] = product.category
    return {
        key: {
            "product": p.sku,
            "category": None if p.category is None else spelled[category_key(p.category)],
        }
        for key, p in by_key.items()
    }


class _Keys:
    """A total's key for the breakdowns asked, from labels worked out once per SKU and
    once per period (a report has thousands of totals over a few hundred of each)."""

    def __init__(self, by: tuple[str, ...], period: Period, products: Iterable[Product]):
        self._by = by
        self._period = period
        self._products = _catalogue(products)
        self._times: dict[int | None, dict[str, str]] = {}
        self._done: dict[tuple[str | None, int | None], tuple[str | None, ...]] = {}

    def of(self, total: RevenueTotal) -> tuple[str | None, ...]:
        found = self._done.get((total.sku, total.period))
        if found is not None:
            return found
        sku = total.sku
        labels: dict[str, str | None] = {"product": sku, "category": None}
        if sku is not None and sku in self._products:
            labels = dict(self._products[sku])
        if total.period is not None:
            if total.period not in self._times:
                self._times[total.period] = _calendar(total.period, self._period)
            labels.update(self._times[total.period])
        key = tuple(labels[name] for name in self._by)
        self._done[total.sku, total.period] = key
        return key


def _converted(rates: RatesTable, units: int, currency: str, on: date, target: str) -> Decimal:
    return rates.convert(Money(_from_minor(units, currency), currency), on, target).amount


def _order(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((part is None, part or "") for part in key)


def _row(key: tuple[str | None, ...], net: Money, vat: Money, lines: int) -> RevenueRow:
    return RevenueRow(key, net, vat, net + vat, lines)


def assemble(
    totals: Iterable[RevenueTotal],
    *,
    by: tuple[str, ...],
    period: Period,
    products: Iterable[Product],
    since: datetime | None = None,
    until: datetime | None = None,
    rates: RatesTable | None = None,
    currency: str | None = None,
) -> RevenueReport:
    """The report from storage's *totals* (grouped as *period* says) and the catalogue.

    Without *rates* each currency has rows of its own. With them every total is converted
    at the rate of its UTC day (storage grouped by day), summed exactly, and each row's net
    and VAT are rounded half up to the target currency's minor unit at the end.
    """
    keys = _Keys(by, period, products)
    target = None if rates is None else (currency or rates.base)
    sums: dict[tuple[tuple[str | None, ...], str], list[Decimal | int]] = {}
    for total in totals:
        key = keys.of(total)
        if rates is None or target is None:
            net: Decimal | int = total.net
            vat: Decimal | int = total.vat
            cur = total.currency
        else:
            on = date.fromordinal(_EPOCH.toordinal() + (total.period or 0))
            net = _converted(rates, total.net, total.currency, on, target)
            vat = _converted(rates, total.vat, total.currency, on, target)
            cur = target
        acc = sums.setdefault((key, cur), [0, 0, 0])
        acc[0] += net
        acc[1] += vat
        acc[2] += total.lines
    rows = []
    for (key, cur), (net_sum, vat_sum, count) in sorted(
        sums.items(), key=lambda item: (_order(item[0][0]), item[0][1])
    ):
        if rates is None:
            net_m = Money(_from_minor(int(net_sum), cur), cur)
            vat_m = Money(_from_minor(int(vat_sum), cur), cur)
        else:
            net_m, vat_m = round_money(Decimal(net_sum), cur), round_money(Decimal(vat_sum), cur)
        rows.append(_row(key, net_m, vat_m, int(count)))
    return RevenueReport(by, since, until, target, tuple(rows), _totals(rows))


def _totals(rows: Sequence[RevenueRow]) -> tuple[RevenueRow, ...]:
    per: dict[str, RevenueRow] = {}
    for row in rows:
        cur = row.net.currency
        old = per.get(cur)
        per[cur] = (
            _row((), row.net, row.vat, row.lines)
            if old is None
            else _row((), old.net + row.net, old.vat + row.vat, old.lines + row.lines)
        )
    return tuple(per[c] for c in sorted(per))
