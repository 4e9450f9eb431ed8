"""Equipment a customer holds: a serial number, unique in the workspace, and its warranty.

A serial is compared without case and outer spaces, as a SKU is. The SKU is kept as given:
equipment may come from outside the catalogue (the asset's ``product_id`` names the
catalogue product when its SKU is one).

>>> from datetime import UTC, date, datetime
>>> a = Asset.new("c-1", sku="ROUTER-X", serial=" SN-0001 ", installed_on=date(2027, 1, 10),
...               warranty_until=date(2029, 1, 9), at=datetime(2027, 1, 10, tzinfo=UTC))
>>> a.serial, a.key, a.under_warranty_on(date(2028, 6, 1))
('SN-0001', 'sn-0001', True)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from crmkit._text_limits import clean_text
from crmkit._types import ensure_aware, ensure_day, new_id
from crmkit.errors import InvalidDatetimeError

__all__ = ["Asset", "serial_key"]


def serial_key(serial: str) -> str:
    """A serial as the unique key compares it: outer spaces and case ignored."""
    return serial.strip().casefold()


@attrs.frozen
class Asset:
    """One piece of equipment at one contact, optionally under one of its contracts."""

    id: str
    contact_id: str
    version: int
    sku: str
    serial: str
    added_at: datetime
    installed_on: date | None = None
    warranty_until: date | None = None
    contract_id: str | None = None
    product_id: str | None = None

    @property
    def key(self) -> str:
        return serial_key(self.serial)

    def under_warranty_on(self, day: date) -> bool:
        return self.warranty_until is not None and day <= self.warranty_until

    @classmethod
    def new(
        cls,
        contact_id: str,
        *,
        sku: Any,
        serial: Any,
        at: datetime,
        installed_on: Any = None,
        warranty_until: Any = None,
        contract_id: str | None = None,
        product_id: str | None = None,
    ) -> Asset:
        code = clean_text("sku", sku, required=True)
        number = clean_text("serial", serial, required=True)
        assert code is not None
        assert number is not None
        installed = None if installed_on is None else ensure_day(installed_on, "installed_on")
        warranty = None if warranty_until is None else ensure_day(warranty_until, "warranty_until")
        if installed is not None and warranty is not None and warranty < installed:
            raise InvalidDatetimeError(
                "warranty_until", warranty_until, f"before installed_on ({installed})"
            )
        return cls(
            id=new_id(),
            contact_id=contact_id,
            version=1,
            sku=code,
            serial=number,
            added_at=ensure_aware(at, "at"),
            installed_on=installed,
            warranty_until=warranty,
            contract_id=contract_id,
            product_id=product_id,
        )
