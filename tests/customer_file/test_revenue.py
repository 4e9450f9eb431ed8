"""Revenue lines and the report, without storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Money
from crmkit.customer_file import Product
from crmkit.customer_file.revenue import (
    assemble,
    check_by,
    month_number,
    period_needed,
    revenue_lines,
    total_lines,
)
from crmkit.errors import InvalidMoneyError, ValidationError
from crmkit.value.ledger import LineItem, Transaction

AT = datetime(2026, 12, 5, tzinfo=UTC)


def _tx(kind: str, amount: str, currency: str = "EUR", *lines: LineItem) -> Transaction:
    return Transaction.new(
        contact_id="c", kind=kind, amount=Money(amount, currency), occurred_at=AT, lines=lines
    )


def test_a_refund_counts_negative_and_a_payment_not_at_all() -> None:
    line = LineItem.new(sku="Gold", quantity=3, unit_price=Money("19.99", "EUR"))
    (bought,) = revenue_lines(_tx("purchase", "71.96", "EUR", line), {"gold": Decimal("0.2")})
    (back,) = revenue_lines(_tx("refund", "71.96", "EUR", line), {"gold": Decimal("0.2")})
    assert (bought.sku, bought.net, bought.vat) == ("gold", 5997, 1199)
    assert (back.net, back.vat) == (-5997, -1199)
    assert revenue_lines(_tx("payment", "71.96"), {}) == []


def test_lines_round_half_up_to_the_currencys_minor_unit() -> None:
    yen = LineItem.new(sku=None, quantity=1, unit_price=Money("100.5", "JPY"))
    dinar = LineItem.new(sku=None, quantity=3, unit_price=Money("0.3335", "KWD"))
    assert [x.net for x in revenue_lines(_tx("purchase", "100.5", "JPY", yen), {})] == [101]
    assert [x.net for x in revenue_lines(_tx("purchase", "1", "KWD", dinar), {})] == [1001]


def test_an_entry_without_lines_is_one_line_without_product_or_vat() -> None:
    (only,) = revenue_lines(_tx("purchase", "12.345"), {})
    assert (only.sku, only.net, only.vat, only.line) == (None, 1235, 0, 0)


def test_months_are_utc() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert month_number(late) == 202701


@pytest.mark.parametrize("by", ["weekday", ("month", "month"), 7, ("month", 1)])
def test_unknown_or_repeated_breakdowns_are_refused(by: object) -> None:
    with pytest.raises(ValidationError) as info:
        check_by(by)
    assert info.value.field == "by"


def test_converting_needs_days_and_calendars_need_months() -> None:
    assert period_needed(("category",), converting=True) == "day"
    assert period_needed(("category", "quarter"), converting=False) == "month"
    assert period_needed(("product",), converting=False) is None


def test_quarters_and_years_and_categories_spelled_by_the_lowest_sku() -> None:
    products = [
        Product.new(sku=s, name=s, category=c, price=Money("1", "EUR"), vat_rate=Decimal(0), at=AT)
        for s, c in (("B", "packages"), ("A", "Packages"))
    ]
    lines = revenue_lines(
        _tx(
            "purchase",
            "3",
            "EUR",
            *(LineItem.new(sku=s, unit_price=Money("1", "EUR")) for s in ("a", "b", "b")),
        ),
        {},
    )
    report = assemble(
        total_lines(lines, period="month"),
        by=("category", "quarter", "year"),
        period="month",
        products=products,
    )
    assert [(r.key, r.net, r.lines) for r in report.rows] == [
        (("Packages", "2026-Q4", "2026"), Money("3.00", "EUR"), 3)
    ]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["purchase", "refund"]),
            st.integers(min_value=0, max_value=10**9),
            st.sampled_from(["EUR", "JPY"]),
            st.integers(min_value=0, max_value=400),
        ),
        max_size=20,
    )
)
def test_totals_per_currency_are_the_exact_sum_of_signed_amounts(entries: list) -> None:
    lines = []
    expected: dict[str, Decimal] = {}
    for i, (kind, cents, currency, days) in enumerate(entries):
        amount = Decimal(cents).scaleb(-2 if currency == "EUR" else 0)
        tx = Transaction.new(
            id=f"t{i}",
            contact_id="c",
            kind=kind,
            amount=Money(amount, currency),
            occurred_at=AT + timedelta(days=days),
        )
        lines += revenue_lines(tx, {})
        sign = 1 if kind == "purchase" else -1
        expected[currency] = expected.get(currency, Decimal(0)) + sign * amount
    report = assemble(
        total_lines(lines, period="month"), by=("month",), period="month", products=[]
    )
    assert {t.net.currency: t.net.amount for t in report.totals} == expected


def test_a_line_too_large_for_whole_minor_units_is_refused() -> None:
    huge = LineItem.new(sku=None, quantity=1, unit_price=Money(10**30, "EUR"))
    with pytest.raises(InvalidMoneyError) as info:
        revenue_lines(_tx("purchase", "1", "EUR", huge), {})
    assert info.value.field == "lines[0]"
    with pytest.raises(InvalidMoneyError):
        revenue_lines(_tx("purchase", str(10**30)), {})
