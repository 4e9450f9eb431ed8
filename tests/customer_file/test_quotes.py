from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from crmkit._types import Money
from crmkit.customer_file.quotes import Quote, QuoteStatus, accept, decline, priced_line, send
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidMoneyError,
    InvalidTransitionError,
    ValidationError,
)

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
GOLD = priced_line("GOLD-12", "Gold", Money("600.00", "EUR"), Decimal("0.20"), 2)


def _quote(**fields: object) -> Quote:
    return Quote.new("c-1", [GOLD], valid_until=date(2026, 11, 30), at=AT, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("quantity", [0, -1, 1.0, True, "2"])
def test_a_quantity_is_a_positive_whole_number(quantity: object) -> None:
    with pytest.raises(ValidationError) as err:
        priced_line("X", "X", Money("1", "EUR"), Decimal(0), quantity)
    assert (err.value.field, err.value.value) == ("quantity", quantity)


@pytest.mark.parametrize("discount", [Decimal(1), Decimal("-0.01"), 0.1])
def test_a_discount_is_from_zero_up_to_not_including_one(discount: object) -> None:
    with pytest.raises(ValidationError, match="discount"):
        priced_line("X", "X", Money("1", "EUR"), Decimal(0), 1, discount)


def test_a_negative_price_is_refused() -> None:
    with pytest.raises(InvalidMoneyError, match="price"):
        priced_line("X", "X", Money("-1", "EUR"), Decimal(0), 1)


def test_one_currency_per_quote() -> None:
    usd = priced_line("X", "X", Money("1", "USD"), Decimal(0), 1)
    with pytest.raises(CurrencyMismatchError, match="USD"):
        Quote.new("c-1", [GOLD, usd], valid_until=date(2026, 11, 30), at=AT)


def test_valid_until_may_not_have_passed() -> None:
    with pytest.raises(InvalidDatetimeError, match="valid_until"):
        Quote.new("c-1", [GOLD], valid_until=date(2026, 11, 1), at=AT)


def test_draft_sent_accepted() -> None:
    quote = accept(send(_quote(), at=AT), at=AT + timedelta(days=1))
    assert (quote.status, quote.version, quote.decided_at) == (
        QuoteStatus.ACCEPTED,
        3,
        AT + timedelta(days=1),
    )


def test_a_decided_quote_stays_decided() -> None:
    declined = decline(send(_quote(), at=AT), at=AT)
    for move in (accept, decline, send):
        with pytest.raises(InvalidTransitionError):
            move(declined, at=AT)


def test_expiry_is_read_from_the_date_and_the_last_day_still_counts() -> None:
    sent = send(_quote(), at=AT)
    assert sent.status_on(date(2026, 11, 30)) is QuoteStatus.SENT
    assert sent.status_on(date(2026, 12, 1)) is QuoteStatus.EXPIRED
    assert accept(sent, at=datetime(2026, 11, 30, 23, tzinfo=UTC)).status is QuoteStatus.ACCEPTED
    with pytest.raises(InvalidTransitionError, match="expired"):
        decline(sent, at=datetime(2026, 12, 1, tzinfo=UTC))


def test_moves_are_dated_in_order_but_may_precede_entry() -> None:
    sent = send(_quote(), at=AT - timedelta(days=3))  # sent last week, entered today
    assert (sent.sent_at, sent.updated_at) == (AT - timedelta(days=3), AT)
    with pytest.raises(InvalidDatetimeError, match="last move"):
        accept(sent, at=AT - timedelta(days=4))
    with pytest.raises(InvalidDatetimeError):
        send(_quote(), at=datetime(2026, 11, 3))
