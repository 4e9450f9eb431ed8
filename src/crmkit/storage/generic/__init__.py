"""crmkit's own implementations of the storage contract on top of the generic record store.

A backend that implements only the core (contacts, interactions, ``records`` and the unit
of work's transaction) gets every other repository from here through :func:`complete`,
which :class:`crmkit.CRM` applies to the storage it is given. Each aggregate is a record
kind whose name starts with ``_`` (``_org``, ``_task``, ...): kind names starting with
``_`` are reserved for crmkit.
"""

from __future__ import annotations

from crmkit.storage.generic._bulk import add_records, key_index, key_values
from crmkit.storage.generic._complete import (
    CORE_MEMBERS,
    GENERIC_REPOSITORIES,
    CompletedStorage,
    complete,
    missing_members,
)

__all__ = [
    "CORE_MEMBERS",
    "GENERIC_REPOSITORIES",
    "CompletedStorage",
    "add_records",
    "complete",
    "key_index",
    "key_values",
    "missing_members",
]
