"""The ledger's values: what they accept, what they refuse, and how they add up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Money, RatesTable
from crmkit.clv import historical_clv
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidMoneyError,
    ValidationError,
)
from crmkit.value.ledger import LineItem, Transaction, TransactionKind, total

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def tx(amount: Money, kind: str = "purchase", when: datetime = DAY, who: str = "c1") -> Transaction:
    return Transaction.new(contact_id=who, kind=kind, amount=amount, occurred_at=when)


def test_negative_purchase_is_refused_naming_the_amount() -> None:
    with pytest.raises(InvalidMoneyError) as info:
        tx(Money("-5.00", "EUR"))
    assert info.value.field == "amount"
    assert "-5.00" in str(info.value)


def test_unknown_currency_is_refused_naming_the_code() -> None:
    with pytest.raises(InvalidMoneyError) as info:
        tx(Money("5", "XYZ"))
    assert (info.value.field, info.value.value) == ("currency", "XYZ")


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(InvalidDatetimeError) as info:
        tx(Money("5", "EUR"), when=datetime(2026, 3, 1))
    assert info.value.field == "occurred_at"


def test_unknown_kind_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as info:
        tx(Money("5", "EUR"), kind="gift")
    assert (info.value.field, info.value.value) == ("kind", "gift")


def test_plain_numbers_are_not_money() -> None:
    with pytest.raises(InvalidMoneyError):
        Transaction.new(contact_id="c1", kind="purchase", amount=Decimal("5"), occurred_at=DAY)


def test_line_items_must_share_the_transaction_currency() -> None:
    line = LineItem.new(sku="A", quantity=2, unit_price=Money("5", "USD"))
    with pytest.raises(InvalidMoneyError):
        Transaction.new(
            contact_id="c1",
            kind="purchase",
            amount=Money("10", "EUR"),
            occurred_at=DAY,
            lines=[line],
        )


@pytest.mark.parametrize("quantity", [0, -1, 1.5])
def test_line_item_quantity_must_be_a_positive_exact_number(quantity: object) -> None:
    with pytest.raises(ValidationError) as info:
        LineItem.new(quantity=quantity, unit_price=Money("1", "EUR"))
    assert info.value.field == "quantity"


def test_offset_datetimes_are_stored_in_utc_and_values_are_frozen() -> None:
    plus_two = datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(0)
    t = tx(Money("5", "EUR"), when=plus_two.astimezone(UTC))
    assert t.occurred_at.tzinfo is UTC
    assert t.kind is TransactionKind.PURCHASE
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        t.note = "changed"  # type: ignore[misc]
    assert attrs.evolve(t, note="changed").note == "changed"


def test_total_never_adds_two_currencies_silently() -> None:
    txs = [tx(Money("10", "EUR")), tx(Money("1000", "ALL"))]
    with pytest.raises(CurrencyMismatchError):
        total(txs)


def test_total_converts_each_amount_at_the_rate_of_its_own_date() -> None:
    rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.010"), ("2026-02-01", "ALL", "0.020")])
    txs = [
        tx(Money("100", "ALL"), when=datetime(2026, 1, 15, tzinfo=UTC)),
        tx(Money("100", "ALL"), when=datetime(2026, 2, 15, tzinfo=UTC)),
    ]
    assert total(txs, rates=rates) == Money("3.000", "EUR")


def test_total_of_one_kind_leaves_the_others_out() -> None:
    txs = [
        tx(Money("10", "EUR")),
        tx(Money("3", "EUR"), kind="refund"),
        tx(Money("99", "EUR"), kind="payment"),
    ]
    assert total(txs, kind="purchase") == Money("10", "EUR")
    assert total(txs, kind="refund") == Money("3", "EUR")
    assert total(txs, kind="payout") is None


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=20))
def test_total_in_one_currency_is_the_exact_decimal_sum(amounts: list[Decimal]) -> None:
    txs = [tx(Money(a, "EUR")) for a in amounts]
    assert total(txs) == Money(sum(amounts, Decimal(0)), "EUR")


def test_historical_value_is_margin_on_purchases_minus_refunds_per_contact() -> None:
    txs = [
        tx(Money("100", "EUR")),
        tx(Money("40", "EUR"), kind="refund"),
        tx(Money("500", "EUR"), kind="payment"),
        tx(Money("10", "EUR"), who="c2"),
    ]
    assert historical_clv(txs, margin=Decimal("0.5")) == {
        "c1": Money("30", "EUR"),
        "c2": Money("5", "EUR"),
    }
