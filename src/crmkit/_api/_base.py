"""What every part of the facade shares: the storage, the workspace and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from crmkit._api._kinds import DEFAULT_RECORD_KINDS
from crmkit.privacy.consent import DEFAULT_PURPOSES
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import Storage, UnitOfWork

__all__ = ["Context"]


@attrs.frozen
class Context:
    storage: Storage
    workspace: str
    default_region: str | None
    clock: Callable[[], datetime]
    # The consent purposes this CRM knows, and the secret mixed into suppression markers.
    purposes: frozenset[str] = DEFAULT_PURPOSES
    suppression_pepper: str | bytes | None = attrs.field(default=None, repr=False)
    # What merge, unmerge, erasure and export do with each kind of contact-linked record.
    record_kinds: tuple[RecordKind, ...] = DEFAULT_RECORD_KINDS

    def write(self) -> UnitOfWork:
        return self.storage.unit_of_work(self.workspace)

    def read(self) -> UnitOfWork:
        return self.storage.unit_of_work(self.workspace, read_only=True)
