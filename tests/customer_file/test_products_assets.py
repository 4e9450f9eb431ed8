from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crmkit._types import Money
from crmkit.customer_file import Asset, Product
from crmkit.errors import InvalidDatetimeError, InvalidMoneyError, ValidationError

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _product(**fields: object) -> Product:
    values: dict[str, object] = {
        "sku": "GOLD-12",
        "name": "Gold",
        "price": Money("600", "EUR"),
        "vat_rate": Decimal("0.2"),
    }
    return Product.new(at=AT, **{**values, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [Decimal("1.0001"), Decimal(-1), Decimal("NaN"), 0.2, True])
def test_a_vat_rate_is_a_decimal_from_zero_to_one(rate: object) -> None:
    with pytest.raises(ValidationError) as err:
        _product(vat_rate=rate)
    assert (err.value.field, err.value.value is rate) == ("vat_rate", True)


def test_zero_and_one_are_valid_vat_rates() -> None:
    assert _product(vat_rate=0).vat_rate == 0
    assert _product(vat_rate=Decimal(1)).vat_rate == 1


def test_a_price_is_money_and_not_negative() -> None:
    with pytest.raises(InvalidMoneyError):
        _product(price=Decimal("600"))
    with pytest.raises(InvalidMoneyError):
        _product(price=Money("-1", "EUR"))


def test_a_sku_and_name_are_required() -> None:
    for field in ("sku", "name"):
        with pytest.raises(ValidationError, match=field):
            _product(**{field: " "})


def test_changed_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="changes"):
        _product().changed(at=AT, colour="red")


def test_an_asset_needs_warranty_after_installation() -> None:
    with pytest.raises(InvalidDatetimeError, match="warranty_until"):
        Asset.new(
            "c-1",
            sku="R",
            serial="S",
            at=AT,
            installed_on=date(2027, 1, 2),
            warranty_until=date(2027, 1, 1),
        )
    asset = Asset.new("c-1", sku="R", serial="S", at=AT)
    assert asset.under_warranty_on(date(2027, 1, 1)) is False
