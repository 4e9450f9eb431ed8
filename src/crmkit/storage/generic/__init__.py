"""crmkit's own implementations of the storage contract on top of the generic record store.

A backend that implements only the core (contacts, interactions, ``records`` and the unit
of work's transaction) gets every other repository from here through :func:`complete`,
which :class:`crmkit.CRM` applies to the storage it is given. Each aggregate is a record
kind whose name starts with ``_``: kind names starting with ``_`` are reserved for crmkit.
"""

from __future__ import annotations

from crmkit.storage.generic._automation import (
    GenericAutomationRepository,
    GenericOutboxRepository,
    GenericRoutingRepository,
)
from crmkit.storage.generic._complete import (
    CORE_MEMBERS,
    GENERIC_REPOSITORIES,
    CompletedStorage,
    CompletedUnitOfWork,
    complete,
    missing_members,
)
from crmkit.storage.generic._funnel import (
    GenericDealRepository,
    GenericPipelineRepository,
    GenericStageChangeRepository,
)
from crmkit.storage.generic._merges import GenericMergeRepository, GenericReviewRepository
from crmkit.storage.generic._people import (
    GenericConsentRepository,
    GenericImportRowRepository,
    GenericLifecycleRepository,
    GenericOrganizationRepository,
    GenericSegmentRepository,
    GenericTransactionRepository,
)
from crmkit.storage.generic._privacy import GenericErasureRepository, GenericListRepository
from crmkit.storage.generic._tasks import GenericTaskRepository, GenericUserRepository

__all__ = [
    "CORE_MEMBERS",
    "GENERIC_REPOSITORIES",
    "CompletedStorage",
    "CompletedUnitOfWork",
    "GenericAutomationRepository",
    "GenericConsentRepository",
    "GenericDealRepository",
    "GenericErasureRepository",
    "GenericImportRowRepository",
    "GenericLifecycleRepository",
    "GenericListRepository",
    "GenericMergeRepository",
    "GenericOrganizationRepository",
    "GenericOutboxRepository",
    "GenericPipelineRepository",
    "GenericReviewRepository",
    "GenericRoutingRepository",
    "GenericSegmentRepository",
    "GenericStageChangeRepository",
    "GenericTaskRepository",
    "GenericTransactionRepository",
    "GenericUserRepository",
    "complete",
    "missing_members",
]
