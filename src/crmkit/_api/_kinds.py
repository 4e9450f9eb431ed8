"""The record kinds a :class:`crmkit.CRM` handles unless told otherwise: the storage
layer's :data:`crmkit.storage.kinds.RECORD_KINDS` plus those the services declare on the
generic record store (service cases; the customer file's quotes, contracts and assets)."""

from __future__ import annotations

from crmkit._api.customer_file_kinds import ASSETS, CONTRACTS_KIND, QUOTES
from crmkit._api.service_kinds import CASES_KIND
from crmkit.storage.kinds import RECORD_KINDS, RecordKind

__all__ = ["DEFAULT_RECORD_KINDS"]

DEFAULT_RECORD_KINDS: tuple[RecordKind, ...] = (
    *RECORD_KINDS,
    CASES_KIND,
    QUOTES.kind,
    CONTRACTS_KIND,
    ASSETS.kind,
)
