"""Quote arithmetic: exact ``Decimal`` sums, rounded per line to the currency's minor unit.

The rule, for each line::

    net = round(unit price × quantity × (1 − discount))
    vat = round(net × VAT rate)

with ``round`` to the currency's minor unit (cents for EUR, none for JPY, three decimals
for KWD), halves away from zero (``ROUND_HALF_UP``, commercial rounding as invoices and
most VAT authorities use it, not banker's rounding). The quote's net and VAT are the sums
of its lines' rounded amounts and its gross is ``net + vat``, exactly: no second rounding,
so the totals always add up to what the lines show. VAT per rate sums the lines of each
rate (it may differ by a few minor units from rounding the rate's net sum once).

>>> line_amounts(Money("19.99", "EUR"), 3, Decimal("0.10"), Decimal("0.20"))
(Money('53.97', 'EUR'), Money('10.79', 'EUR'))
>>> line_amounts(Money("1000", "JPY"), 1, Decimal("0.055"), Decimal("0.10"))
(Money('945', 'JPY'), Money('95', 'JPY'))
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from crmkit._types import Money

__all__ = ["ROUNDING", "line_amounts", "minor_unit", "round_money"]

ROUNDING = ROUND_HALF_UP

# ISO 4217 currencies whose minor unit is not the cent; every other one has two decimals.
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_DECIMALS = {
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
}


def minor_unit(currency: str) -> Decimal:
    """The currency's smallest unit as a quantum: ``Decimal('0.01')`` for EUR.

    >>> minor_unit("EUR"), minor_unit("JPY"), minor_unit("KWD")
    (Decimal('0.01'), Decimal('1'), Decimal('0.001'))
    """
    return Decimal(1).scaleb(-_DECIMALS.get(currency, 2))


def round_money(amount: Decimal, currency: str) -> Money:
    """*amount* rounded half up to the currency's minor unit."""
    return Money(amount.quantize(minor_unit(currency), rounding=ROUNDING), currency)


def line_amounts(
    unit_price: Money, quantity: int, discount: Decimal, vat_rate: Decimal
) -> tuple[Money, Money]:
    """``(net, vat)`` of one line, each rounded (see the module's rule)."""
    net = round_money(unit_price.amount * quantity * (1 - discount), unit_price.currency)
    vat = round_money(net.amount * vat_rate, net.currency)
    return net, vat
