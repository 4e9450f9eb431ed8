"""Value: the ledger of purchases, refunds and payments, and the exchange rates that
bring money in several currencies to one.

* :mod:`crmkit.value.ledger` - transactions and per-contact summaries.
* :mod:`crmkit.value.rates` - :class:`~crmkit.value.rates.RatesTable`.

The customer-lifetime-value models built on the ledger are :mod:`crmkit.clv`.
"""
