"""The customer file: the catalogue, quotes, contracts and the equipment customers hold.

Everything here is pure: a :class:`Product` is checked and changed, a :class:`Quote`
prices its lines (:mod:`crmkit.customer_file.pricing`) and moves draft → sent → accepted or
declined, a :class:`Contract` is signed, renewed and terminated, an :class:`Asset` keeps its
serial and warranty, and :mod:`crmkit.customer_file.revenue` sums the ledger's sales into a
:class:`RevenueReport`. The facade's ``crm.products``, ``crm.quotes``, ``crm.contracts`` and
``crm.assets`` store and read them.
"""

from crmkit.customer_file.assets import Asset
from crmkit.customer_file.contracts import Contract, ContractStatus, Renewal, RenewalMode
from crmkit.customer_file.expiring import ExpiringContracts
from crmkit.customer_file.pricing import line_amounts, minor_unit
from crmkit.customer_file.products import Product
from crmkit.customer_file.quotes import FreeTextLine, Quote, QuoteLine, QuoteStatus
from crmkit.customer_file.reminders import ContractExpiring, WarrantyExpiring
from crmkit.customer_file.revenue import RevenueReport, RevenueRow

__all__ = [
    "Asset",
    "Contract",
    "ContractExpiring",
    "ContractStatus",
    "ExpiringContracts",
    "FreeTextLine",
    "Product",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "Renewal",
    "RenewalMode",
    "RevenueReport",
    "RevenueRow",
    "WarrantyExpiring",
    "line_amounts",
    "minor_unit",
]
