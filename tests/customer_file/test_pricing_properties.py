"""Properties of quote arithmetic: exact sums, per-line rounding, no drift without discount."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.customer_file.pricing import line_amounts, minor_unit
from crmkit.customer_file.quotes import Quote, priced_line

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
currencies = st.sampled_from(["EUR", "JPY", "KWD", "PLN"])
quantities = st.integers(min_value=1, max_value=10_000)
rates = st.decimals(min_value=0, max_value=1, places=4)
discounts = st.decimals(min_value=0, max_value=Decimal("0.9999"), places=4)


@st.composite
def prices(draw: st.DrawFn, currency: str) -> Money:
    places = -int(minor_unit(currency).as_tuple().exponent)
    cents = draw(st.integers(min_value=0, max_value=10**9))
    return Money(Decimal(cents).scaleb(-places), currency)


@st.composite
def lines(draw: st.DrawFn) -> tuple[Money, int, Decimal, Decimal]:
    currency = draw(currencies)
    return draw(prices(currency)), draw(quantities), draw(discounts), draw(rates)


@given(st.lists(lines(), min_size=1, max_size=8), currencies)
def test_gross_is_net_plus_vat_exactly(
    drawn: list[tuple[Money, int, Decimal, Decimal]], currency: str
) -> None:
    priced = [
        priced_line(None, "x", Money(price.amount, currency), rate, qty, off)
        for price, qty, off, rate in drawn
    ]
    quote = Quote.new("c-1", priced, valid_until=date(2026, 12, 31), at=AT)
    assert quote.gross.amount == quote.net.amount + quote.vat.amount
    assert quote.net.amount == sum(line.net.amount for line in priced)
    assert sum((m.amount for m in quote.vat_by_rate().values()), Decimal(0)) == quote.vat.amount


@given(lines())
def test_each_line_is_rounded_once_to_the_minor_unit(
    line: tuple[Money, int, Decimal, Decimal],
) -> None:
    price, qty, off, rate = line
    net, vat = line_amounts(price, qty, off, rate)
    unit = minor_unit(price.currency)
    assert net.amount == net.amount.quantize(unit)
    assert vat.amount == vat.amount.quantize(unit)
    assert abs(net.amount - price.amount * qty * (1 - off)) <= unit / 2
    assert abs(vat.amount - net.amount * rate) <= unit / 2


@given(lines())
def test_no_discount_leaves_price_times_quantity(line: tuple[Money, int, Decimal, Decimal]) -> None:
    price, qty, _, rate = line
    net, _ = line_amounts(price, qty, Decimal(0), rate)
    assert net == price * qty


def test_halves_round_up_not_to_even() -> None:
    # 0.125 at 20 % → 0.025 VAT → 0.03 (half up), where banker's rounding would give 0.02
    assert line_amounts(Money("0.125", "EUR"), 1, Decimal(0), Decimal("0.20")) == (
        Money("0.13", "EUR"),
        Money("0.03", "EUR"),
    )
