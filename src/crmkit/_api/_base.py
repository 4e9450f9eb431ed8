"""What every part of the facade shares: the storage, the workspace and the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

import attrs

from crmkit._api._kinds import DEFAULT_RECORD_KINDS
from crmkit.privacy.consent import DEFAULT_PURPOSES
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import Storage, UnitOfWork

if TYPE_CHECKING:
    from crmkit.funnel.lifecycle import LifecycleStages
    from crmkit.identity.model import MatchModel

__all__ = ["CRMOptions", "Context"]


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


class CRMOptions(TypedDict, total=False):
    """The keyword options of :class:`crmkit.CRM`, typed for :meth:`crmkit.CRM.open`."""

    workspace: str
    default_region: str | None
    clock: Callable[[], datetime]
    lifecycle_stages: LifecycleStages | None
    purposes: Iterable[str]
    suppression_pepper: str | bytes | None
    match_threshold: float
    review_threshold: float
    match_model: MatchModel | None
    record_kinds: Iterable[RecordKind]
