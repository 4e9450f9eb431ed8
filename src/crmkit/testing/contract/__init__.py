"""The contract every storage backend passes: memory, SQLite, PostgreSQL and yours.

The classes have no ``Test`` prefix so pytest collects them only through a subclass that
provides the ``storage`` fixture. Each capability's part lives in its own module;
:class:`StorageContract` combines them all.
"""

from __future__ import annotations

from crmkit.testing.contract._automation import AutomationContract
from crmkit.testing.contract._base import ContractBase
from crmkit.testing.contract._contacts import ContactsContract
from crmkit.testing.contract._facade import FacadeContract
from crmkit.testing.contract._funnel import FunnelContract
from crmkit.testing.contract._interactions import InteractionsContract
from crmkit.testing.contract._ledger import LedgerContract
from crmkit.testing.contract._merge import MergeContract
from crmkit.testing.contract._segments import SegmentsContract
from crmkit.testing.contract._tasks import TasksContract

__all__ = [
    "AutomationContract",
    "ContactsContract",
    "ContractBase",
    "FacadeContract",
    "FunnelContract",
    "InteractionsContract",
    "LedgerContract",
    "MergeContract",
    "SegmentsContract",
    "StorageContract",
    "TasksContract",
]


class StorageContract(
    ContactsContract,
    InteractionsContract,
    LedgerContract,
    FunnelContract,
    TasksContract,
    AutomationContract,
    SegmentsContract,
    FacadeContract,
    MergeContract,
):
    """Behaviour every backend must show. Override the ``storage`` fixture."""
