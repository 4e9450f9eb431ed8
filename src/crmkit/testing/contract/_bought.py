"""Contract: segments by product or category bought (``crmkit.segments.bought``) select the
same contacts on every backend, from the ledger's lines and the catalogue of today."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import InvalidSegmentError
from crmkit.segments import Segment, bought, tag
from crmkit.testing.contract._base import T0, ContractBase
from crmkit.value.ledger import LineItem

__all__ = ["BoughtSegmentContract"]


def _line(sku: str) -> LineItem:
    return LineItem.new(sku=sku, unit_price=Money("10.00", "EUR"))


class BoughtSegmentContract(ContractBase):
    def _bought_world(self, crm: CRM) -> dict[str, str]:
        for sku, category in (("GOLD-12", "Packages"), ("SILVER", "packages"), ("SETUP", None)):
            crm.products.create(
                sku=sku,
                name=sku,
                category=category,
                price=Money("10.00", "EUR"),
                vat_rate=Decimal("0.20"),
            )
        people = {
            n: crm.contacts.create(name=n, tags={"vip"} if n == "ana" else set()).id
            for n in ("ana", "ben", "cem", "dea", "eli")
        }

        def buy(who: str, kind: str, days_ago: int, *skus: str, free: bool = False) -> None:
            crm.transactions.add(
                people[who],
                kind=kind,
                amount=Money("10", "EUR"),
                occurred_at=T0 - timedelta(days=days_ago),
                lines=[_line(s) for s in skus],
                free_text=free,
            )

        buy("ana", "purchase", 400, "gold-12")
        buy("ben", "purchase", 3, "Silver", "SETUP")
        buy("cem", "refund", 3, "GOLD-12")  # a refund is not a purchase
        buy("dea", "purchase", 10, "Gift-Wrap", free=True)
        crm.transactions.add(
            people["eli"], kind="purchase", amount=Money("5", "EUR"), occurred_at=T0
        )  # no lines: no product
        return people

    def _who(self, crm: CRM, segment: Segment) -> list[str]:
        return sorted(c.name or "" for c in crm.segments.members(segment))

    def test_bought_selects_by_sku_and_by_category_of_today(self, crm: CRM) -> None:
        self._bought_world(crm)
        assert self._who(crm, bought(sku="GOLD-12")) == ["ana"]
        assert self._who(crm, bought(category="PACKAGES")) == ["ana", "ben"]
        assert self._who(crm, bought(category="packages", within_days=30)) == ["ben"]
        assert self._who(crm, bought(sku="gift-wrap")) == ["dea"]
        assert self._who(crm, bought(category="nothing")) == []
        assert crm.segments.count(bought(sku="setup")) == 1
        crm.products.update("SETUP", category="Packages")
        assert self._who(crm, bought(category="packages", within_days=5)) == ["ben"]

    def test_bought_combines_and_is_saved_like_any_segment(self, crm: CRM) -> None:
        self._bought_world(crm)
        assert self._who(crm, ~bought(category="packages")) == ["cem", "dea", "eli"]
        assert self._who(crm, bought(sku="silver") | tag("vip")) == ["ana", "ben"]
        crm.segments.save("package buyers", bought(category="Packages", within_days=365))
        assert crm.segments.get("package buyers") == bought(category="packages", within_days=365)
        assert self._who(crm, crm.segments.get("package buyers")) == ["ben"]

    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({}, "sku"),
            ({"sku": "A", "category": "B"}, "sku"),
            ({"sku": " "}, "sku"),
            ({"category": 3}, "category"),
            ({"sku": "A", "within_days": -1}, "within_days"),
        ],
    )
    def test_bought_refuses_bad_arguments(self, options: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidSegmentError) as info:
            bought(**options)  # type: ignore[arg-type]
        assert info.value.field == field
