"""Contract: ``crm.revenue`` and the ledger lines that name catalogue products.

The property test holds every backend to a plain model written here from the rule alone
(each line rounded half up to the currency's minor unit, refunds negative, UTC months), so
memory, SQLite, PostgreSQL and the generic repositories all give one answer.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.customer_file.revenue import BREAKDOWNS
from crmkit.errors import MissingRateError, UnknownSkuError, ValidationError
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase
from crmkit.value.ledger import LineItem
from crmkit.value.rates import RatesTable

__all__ = ["RevenueContract"]

EUR = "EUR"
DEC = datetime(2026, 12, 5, 10, tzinfo=UTC)
# SKU, category, VAT rate: two categories spelled differently by case, one product without.
_CATALOGUE = (
    ("GOLD-12", "Packages", Decimal("0.20")),
    ("SILVER", "packages", Decimal("0.09")),
    ("SETUP", "Services", Decimal("0.08")),
    ("MISC", None, Decimal("0")),
)
_QUANTA = {"EUR": Decimal("0.01"), "JPY": Decimal("1"), "KWD": Decimal("0.001")}


def _line(sku: str | None, price: str, qty: int = 1, currency: str = EUR) -> LineItem:
    return LineItem.new(sku=sku, quantity=qty, unit_price=Money(price, currency))


def _stock(crm: CRM) -> None:
    for sku, category, rate in _CATALOGUE:
        crm.products.create(
            sku=sku, name=sku.title(), category=category, price=Money("1", EUR), vat_rate=rate
        )


_entries = st.lists(
    st.tuples(
        st.sampled_from(["purchase", "purchase", "refund", "payment"]),
        st.sampled_from(sorted(_QUANTA)),
        # Minutes around three month ends, so UTC months and local offsets both matter.
        st.integers(min_value=-3000, max_value=3000),
        st.sampled_from([0, 2 * 60, -5 * 60]),
        st.lists(
            st.tuples(
                st.sampled_from(["GOLD-12", "silver", "SETUP", "MISC", "free-1", None]),
                st.integers(min_value=0, max_value=99_999),
                st.integers(min_value=1, max_value=3),
            ),
            max_size=3,
        ),
    ),
    max_size=12,
)


def _model(crm: CRM, entries: list[Any], by: tuple[str, ...], since: Any, until: Any) -> Any:
    """The report's rows as ``{(key, currency): (net, vat, lines)}``, from the rule."""
    products = {p.key: p for p in crm.products.all()}
    spelled = {}
    for p in sorted(products.values(), key=lambda p: p.key, reverse=True):
        if p.category is not None:
            spelled[p.category.casefold()] = p.category
    out: dict[Any, list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for kind, currency, when, lines in entries:
        if kind == "payment" or (since and when < since) or (until and when >= until):
            continue
        sign = 1 if kind == "purchase" else -1
        q = _QUANTA[currency]
        month = when.astimezone(UTC).strftime("%Y-%m")
        for sku, amount in lines:
            product = products.get(sku.casefold()) if sku else None
            net = amount.quantize(q, rounding=ROUND_HALF_UP)
            rate = product.vat_rate if product else Decimal(0)
            vat = (net * rate).quantize(q, rounding=ROUND_HALF_UP)
            parts = {
                "product": product.sku if product else (sku.casefold() if sku else None),
                "category": spelled[product.category.casefold()]
                if product and product.category
                else None,
                "month": month,
                "quarter": f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}",
                "year": month[:4],
            }
            acc = out[(tuple(parts[b] for b in by), currency)]
            acc[0] += sign * net
            acc[1] += sign * vat
            acc[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


class RevenueContract(ContractBase):
    def _revenue_crm(self, storage: Storage, workspace: str | None = None) -> CRM:
        return CRM(storage=storage, workspace=workspace or self.workspace, clock=lambda: T0)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(
        entries=_entries,
        by=st.lists(st.sampled_from(BREAKDOWNS), min_size=1, max_size=3, unique=True),
        # In half hours from a month's end: part days at either end, whole days (48), one day.
        window=st.sampled_from(
            [(None, None), (-1500, None), (None, 1201), (-2000, 2000), (-48, 48), (10, 20)]
        ),
    )
    def test_revenue_equals_the_rule_on_every_backend(
        self, storage: Storage, entries: list[Any], by: list[str], window: Any
    ) -> None:
        crm = self._revenue_crm(storage, workspace=f"revenue-{uuid.uuid4().hex[:10]}")
        _stock(crm)
        buyer = crm.contacts.create(name="Besa Kola")
        month_end = datetime(2026, 12, 1, tzinfo=UTC)
        recorded = []
        for i, (kind, currency, minutes, offset, raw) in enumerate(entries):
            zone = timezone(timedelta(minutes=offset))
            when = (month_end + timedelta(minutes=minutes * 30 + i)).astimezone(zone)
            quantum = _QUANTA[currency]
            lines = [
                _line(sku, str(Decimal(n) * quantum / 7), qty, currency) for sku, n, qty in raw
            ]
            total = sum((x.total.amount for x in lines), Decimal(0))
            crm.transactions.add(
                buyer.id,
                kind=kind,
                amount=Money(total, currency),
                occurred_at=when,
                lines=lines,
                free_text=True,
            )
            counted = [(x.sku, x.unit_price.amount * x.quantity) for x in lines] or [(None, total)]
            recorded.append((kind, currency, when, counted))
        since, until = (
            None if m is None else month_end + timedelta(minutes=m * 30) for m in window
        )
        report = crm.revenue(by=tuple(by), since=since, until=until)
        got = {
            (row.key, row.net.currency): (row.net.amount, row.vat.amount, row.lines)
            for row in report.rows
        }
        assert got == _model(crm, recorded, tuple(by), since, until)
        for row in report.rows:
            assert row.gross == row.net + row.vat

    def test_refunds_are_netted_in_the_month_they_happen(self, crm: CRM) -> None:
        _stock(crm)
        c = crm.contacts.create(name="Besa Kola")
        sale = [_line("GOLD-12", "600.00", 2)]
        crm.transactions.add(
            c.id, kind="purchase", amount=Money("1440", EUR), occurred_at=DEC, lines=sale
        )
        crm.transactions.add(
            c.id,
            kind="refund",
            amount=Money("720", EUR),
            occurred_at=DEC + timedelta(days=40),
            lines=[_line("GOLD-12", "600")],
        )
        crm.transactions.add(c.id, kind="payment", amount=Money("1440", EUR), occurred_at=DEC)
        by_month = crm.revenue(by=("category", "month"))
        assert [(r.key, r.gross) for r in by_month.rows] == [
            (("Packages", "2026-12"), Money("1440.00", EUR)),
            (("Packages", "2027-01"), Money("-720.00", EUR)),
        ]
        (total,) = crm.revenue(by="year").totals
        assert (total.net, total.vat, total.gross, total.lines) == (
            Money("600.00", EUR),
            Money("120.00", EUR),
            Money("720.00", EUR),
            2,
        )

    def test_an_unknown_sku_is_refused_and_nothing_is_written(self, crm: CRM) -> None:
        _stock(crm)
        c = crm.contacts.create(name="Besa Kola")
        lines = [_line("GOLD-12", "600"), _line("NOPE", "1")]
        with pytest.raises(UnknownSkuError) as one:
            crm.transactions.add(
                c.id, kind="purchase", amount=Money("601", EUR), occurred_at=DEC, lines=lines
            )
        assert (one.value.field, one.value.value) == ("lines[1].sku", "NOPE")
        row = {
            "contact_id": c.id,
            "kind": "purchase",
            "amount": Money("601", EUR),
            "occurred_at": DEC,
        }
        with pytest.raises(UnknownSkuError) as many:
            crm.transactions.add_many([{**row, "lines": lines[:1]}, {**row, "lines": lines}])
        assert many.value.field == "rows[1].lines[1].sku"
        assert crm.transactions.for_contact(c.id) == []
        assert crm.revenue().rows == ()

    def test_free_text_lines_count_without_product_or_vat(self, crm: CRM) -> None:
        _stock(crm)
        c = crm.contacts.create(name="Besa Kola")
        crm.transactions.add(
            c.id,
            kind="purchase",
            amount=Money("10", EUR),
            occurred_at=DEC,
            lines=[_line("Gift-Wrap", "10")],
            free_text=True,
        )
        crm.transactions.add(c.id, kind="purchase", amount=Money("5", EUR), occurred_at=DEC)
        report = crm.revenue(by=("product", "category"))
        assert [(r.key, r.net, r.vat) for r in report.rows] == [
            (("gift-wrap", None), Money("10.00", EUR), Money("0.00", EUR)),
            ((None, None), Money("5.00", EUR), Money("0.00", EUR)),
        ]

    def test_a_later_vat_change_leaves_past_sales_as_they_were(self, crm: CRM) -> None:
        _stock(crm)
        c = crm.contacts.create(name="Besa Kola")
        crm.transactions.add(
            c.id,
            kind="purchase",
            amount=Money("720", EUR),
            occurred_at=DEC,
            lines=[_line("GOLD-12", "600")],
        )
        crm.products.update("GOLD-12", vat_rate=Decimal("0.25"), category="Bundles")
        (row,) = crm.revenue(by="category").rows
        # The category is the catalogue's today; the VAT is the one charged on the day.
        assert (row.key, row.vat) == (("Bundles",), Money("120.00", EUR))

    def test_rates_convert_each_line_at_its_days_rate(self, crm: CRM) -> None:
        _stock(crm)
        c = crm.contacts.create(name="Besa Kola")
        for day, amount in ((DEC, "1000"), (DEC + timedelta(days=30), "2000")):
            crm.transactions.add(
                c.id, kind="purchase", amount=Money(amount, "ALL"), occurred_at=day
            )
        crm.transactions.add(c.id, kind="purchase", amount=Money("3", EUR), occurred_at=DEC)
        rates = RatesTable(
            "EUR", [("2026-01-01", "ALL", "0.0100"), ("2027-01-01", "ALL", "0.0110")]
        )
        report = crm.revenue(by="month", rates=rates)
        assert report.currency == EUR
        assert [(r.key, r.net) for r in report.rows] == [
            (("2026-12",), Money("13.00", EUR)),
            (("2027-01",), Money("22.00", EUR)),
        ]
        in_all = crm.revenue(by="year", rates=rates, currency="ALL")
        assert [r.net for r in in_all.rows] == [Money("1300.00", "ALL"), Money("2000.00", "ALL")]
        with pytest.raises(MissingRateError):
            crm.revenue(rates=RatesTable("EUR", []))

    def test_revenue_survives_merges_and_erasures(self, crm: CRM) -> None:
        _stock(crm)
        a, b = crm.contacts.create(name="Besa Kola"), crm.contacts.create(name="B. Kola")
        for who in (a, b):
            crm.transactions.add(
                who.id,
                kind="purchase",
                amount=Money("720", EUR),
                occurred_at=DEC,
                lines=[_line("GOLD-12", "600")],
            )
        before = crm.revenue()
        merge = crm.merge(a.id, b.id)
        assert merge.merge_id is not None
        assert crm.revenue() == before
        crm.unmerge(merge.merge_id)
        crm.contacts.erase(b.id)
        assert crm.revenue() == before

    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({"by": ("category", "weekday")}, "by"),
            ({"by": ("month", "month")}, "by"),
            ({"by": 3}, "by"),
            ({"since": DEC, "until": DEC - timedelta(days=1)}, "until"),
            ({"since": datetime(2026, 1, 1)}, "since"),
            ({"rates": {"ALL": "0.01"}}, "rates"),
            ({"currency": "USD"}, "currency"),
        ],
    )
    def test_bad_options_name_the_field(self, crm: CRM, options: Any, field: str) -> None:
        with pytest.raises(ValidationError) as info:
            crm.revenue(**options)
        assert info.value.field == field
