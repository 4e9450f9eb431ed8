"""crmkit: a business's memory of its customers, as an importable library."""

from importlib.metadata import PackageNotFoundError, version

from crmkit._types import Money, new_id
from crmkit.card import ContactCard
from crmkit.contacts import Contact, Organization
from crmkit.crm import CRM
from crmkit.interactions import Channel, Direction, Interaction
from crmkit.value.rates import RatesTable

try:
    __version__ = version("crmkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "CRM",
    "Channel",
    "Contact",
    "ContactCard",
    "Direction",
    "Interaction",
    "Money",
    "Organization",
    "RatesTable",
    "__version__",
    "new_id",
]
