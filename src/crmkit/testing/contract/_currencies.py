"""``rates=`` on segments, RFM and breakdowns: a ledger in several currencies, on every backend.

Without rates a purchase total or RFM that meets a second currency raises
:class:`crmkit.errors.CurrencyMismatchError`, as before; with a
:class:`crmkit.value.rates.RatesTable` each purchase is converted with ``Decimal`` at the
rate of its day. (Random worlds checking the backends against the in-memory evaluator with
rates are in the segment pushdown contract.)
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.errors import CurrencyMismatchError, MissingRateError, ValidationError
from crmkit.segments import purchases, rfm_group
from crmkit.testing.contract._base import T0, ContractBase
from crmkit.value.rates import RatesTable

__all__ = ["CurrenciesContract"]

# One lev is 0.50 EUR until 20 April 2026, then 0.25 EUR.
RATES = RatesTable("EUR", [("2020-01-01", "BGN", "0.50"), ("2026-04-20", "BGN", "0.25")])
NOW = T0 + timedelta(days=1)


def _ledger(crm: Any) -> dict[str, str]:
    """Ana paid 100 EUR; Boris 150 BGN before the change (75 EUR) and 40 BGN after
    (10 EUR): 85 EUR, or 340 BGN at today's rate; Vera bought nothing."""
    ids = {name: crm.contacts.create(name=name).id for name in ("Ana", "Boris", "Vera")}
    for who, amount, days_ago in (
        ("Ana", Money("100.00", "EUR"), 3),
        ("Boris", Money("150.00", "BGN"), 20),
        ("Boris", Money("40.00", "BGN"), 2),
    ):
        crm.transactions.add(
            ids[who], kind="purchase", amount=amount, occurred_at=T0 - timedelta(days=days_ago)
        )
    return ids


class CurrenciesContract(ContractBase):
    """Purchase totals, RFM and breakdowns over a ledger in euros and leva."""

    def test_a_total_over_two_currencies_needs_rates(self, crm: Any) -> None:
        _ledger(crm)
        with pytest.raises(CurrencyMismatchError):
            crm.segments.members(purchases().total >= Money("80", "EUR"), now=NOW)

    def test_totals_convert_each_purchase_at_its_days_rate(self, crm: Any) -> None:
        ids = _ledger(crm)
        rich = purchases().total >= Money("85", "EUR")
        assert [c.name for c in crm.segments.members(rich, now=NOW, rates=RATES)] == sorted(
            ["Ana", "Boris"], key=lambda n: ids[n]
        )
        assert crm.segments.count(purchases().total > Money("85", "EUR"), now=NOW, rates=RATES) == 1
        # In leva: Ana's 100 EUR are 400 BGN at today's rate, Boris has 190 BGN.
        in_leva = purchases().total.between(Money("150", "BGN"), Money("200", "BGN"))
        assert [c.name for c in crm.segments.members(in_leva, now=NOW, rates=RATES)] == ["Boris"]

    def test_a_missing_rate_is_named(self, crm: Any) -> None:
        _ledger(crm)
        only_eur = RatesTable("EUR", [])
        with pytest.raises(MissingRateError):
            crm.segments.count(purchases().total >= Money("1", "EUR"), now=NOW, rates=only_eur)

    def test_rates_must_be_a_rates_table(self, crm: Any) -> None:
        with pytest.raises(ValidationError):
            crm.segments.count(purchases().total >= Money("1", "EUR"), now=NOW, rates={"BGN": 1})
        with pytest.raises(ValidationError):
            crm.rfm(as_of=NOW, rates="EUR")

    def test_rfm_over_two_currencies_needs_rates(self, crm: Any) -> None:
        ids = _ledger(crm)
        with pytest.raises(CurrencyMismatchError):
            crm.rfm(as_of=NOW)
        scores = crm.rfm(as_of=NOW, rates=RATES)
        assert {n: scores[ids[n]].total for n in ("Ana", "Boris")} == {
            "Ana": Money("100.00", "EUR"),
            "Boris": Money("85.0000", "EUR"),
        }
        assert ids["Vera"] not in scores
        assert scores[ids["Boris"]].purchases == 2
        assert scores[ids["Boris"]].total.amount == Decimal("85")

    def test_rfm_in_one_currency_needs_no_rates(self, crm: Any) -> None:
        ana = crm.contacts.create(name="Ana")
        crm.transactions.add(ana.id, kind="purchase", amount=Money("9", "BGN"), occurred_at=T0)
        assert crm.rfm(as_of=NOW)[ana.id].total == Money("9", "BGN")

    def test_segments_on_rfm_groups_take_rates(self, crm: Any) -> None:
        _ledger(crm)
        with pytest.raises(CurrencyMismatchError):
            crm.segments.count(rfm_group().is_in(["champions"]), now=NOW)
        groups = {s.group for s in crm.rfm(as_of=NOW, rates=RATES).values()}
        seg = rfm_group().is_in(sorted(groups))
        assert crm.segments.count(seg, now=NOW, rates=RATES) == 2

    def test_breakdowns_take_rates_for_their_segment_and_flags(self, crm: Any) -> None:
        _ledger(crm)
        big = purchases().total >= Money("90", "EUR")
        with pytest.raises(CurrencyMismatchError):
            crm.breakdown("customer_type", flags={"big": big}, now=NOW)
        report = crm.breakdown(
            "customer_type",
            flags={"big": big},
            segment=purchases().total > Money("0", "EUR"),
            now=NOW,
            rates=RATES,
        )
        assert report["customer_type"].total == 2
        assert [(r.value, r.count) for r in report["big"].rows] == [(False, 1), (True, 1)]
