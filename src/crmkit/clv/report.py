"""Per-contact value computed from the ledger: what :meth:`crmkit.CRM.clv` returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit._types import Money
from crmkit.clv._fit import ModelFit
from crmkit.clv.gammagamma import GammaGammaFit

__all__ = ["CLVReport", "CustomerValue"]


@attrs.frozen
class CustomerValue:
    """One contact's value: history, chance of being alive, and expected future value."""

    contact_id: str
    frequency: float
    recency: float
    T: float
    monetary_value: float
    historical: Money
    p_alive: float
    expected_purchases: float
    clv: Money | None  # None when the spend model cannot give a finite value


@attrs.frozen
class CLVReport:
    """Values for every contact with a purchase, and the fits behind them.

    >>> from datetime import UTC
    >>> from crmkit.clv import BetaGeoFit
    >>> lapsing = CustomerValue("c1", 2.0, 30.0, 39.0, 22.0, Money("60", "EUR"), 0.2, 0.5,
    ...                         Money("12.00", "EUR"))
    >>> report = CLVReport(datetime(2026, 1, 1, tzinfo=UTC), timedelta(weeks=1),
    ...                    timedelta(weeks=52), "EUR", (lapsing,),
    ...                    BetaGeoFit.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4), None)
    >>> at_risk = report.where(lambda v: v.p_alive < 0.3 and v.historical > Money("50", "EUR"))
    >>> [v.contact_id for v in at_risk], report.get("c1").clv, report.get("nobody")
    (['c1'], Money('12.00', 'EUR'), None)
    """

    as_of: datetime
    unit: timedelta
    horizon: timedelta
    currency: str
    customers: tuple[CustomerValue, ...]
    purchase_fit: ModelFit
    spend_fit: GammaGammaFit | None
    _index: dict[str, CustomerValue] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # get() is called once per contact when the report feeds segments: a dict, not a scan.
        object.__setattr__(self, "_index", {c.contact_id: c for c in self.customers})

    def __iter__(self) -> Iterator[CustomerValue]:
        return iter(self.customers)

    def __len__(self) -> int:
        return len(self.customers)

    def get(self, contact_id: str) -> CustomerValue | None:
        """The contact's value, or None when they have no purchase up to ``as_of``."""
        return self._index.get(contact_id)

    def where(self, predicate: Callable[[CustomerValue], bool]) -> list[CustomerValue]:
        """Customers matching *predicate*, e.g. at risk:
        ``lambda v: v.p_alive < 0.3 and v.historical > Money("500", "EUR")``."""
        return [c for c in self.customers if predicate(c)]

    def contact_ids(self, predicate: Callable[[CustomerValue], bool]) -> frozenset[str]:
        """Ids of the customers matching *predicate*, to combine with a segment's members:
        ``[c for c in crm.segments.members(seg) if c.id in report.contact_ids(at_risk)]``."""
        return frozenset(c.contact_id for c in self.customers if predicate(c))

    def to_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "contact_id": c.contact_id,
                "frequency": c.frequency,
                "recency": c.recency,
                "T": c.T,
                "monetary_value": c.monetary_value,
                "historical": str(c.historical.amount),
                "p_alive": c.p_alive,
                "expected_purchases": c.expected_purchases,
                "clv": None if c.clv is None else str(c.clv.amount),
                "currency": self.currency,
            }
            for c in self.customers
        ]
