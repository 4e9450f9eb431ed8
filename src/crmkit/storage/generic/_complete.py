"""Fill the gaps of a backend that implements only the core of the storage contract.

The core is ``Storage.unit_of_work``/``close`` and, on a unit of work, ``workspace``,
``contacts``, ``interactions``, ``records``, ``commit``, ``rollback``, ``__enter__`` and
``__exit__``. Every other member a unit of work's *class* lacks is served by crmkit: the
repositories by the generic ones of this package on the same ``uow.records`` (so they commit
and roll back with everything else), ``segment_members``/``segment_count`` by
:func:`crmkit.storage.segment_members_in_memory` and its count twin, and ``linked`` by
:func:`crmkit.storage.kinds.linked_repositories`. A backend that has them all is returned
as it is.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, cast

from crmkit.contacts import Contact
from crmkit.errors import ConfigurationError
from crmkit.segments import Segment
from crmkit.storage._segment_data import segment_count_in_memory, segment_members_in_memory
from crmkit.storage.generic._automation import (
    GenericAutomationRepository,
    GenericOutboxRepository,
    GenericRoutingRepository,
)
from crmkit.storage.generic._campaigns import GenericCampaignMemberRepository
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
from crmkit.storage.generic._revenue import GenericRevenueRepository
from crmkit.storage.generic._service import GenericCaseFactRepository
from crmkit.storage.generic._tasks import GenericTaskRepository, GenericUserRepository
from crmkit.storage.kinds import linked_repositories
from crmkit.storage.protocols import ContactRecords, Storage, UnitOfWork
from crmkit.value.rates import RatesTable

__all__ = ["CORE_MEMBERS", "GENERIC_REPOSITORIES", "complete", "missing_members"]

# The core methods a backend's unit of work class must have; its ``workspace``, ``contacts``,
# ``interactions`` and ``records`` may be set per instance (on entering, say).
CORE_MEMBERS = ("commit", "rollback", "__enter__", "__exit__")

# Each repository crmkit can serve, made from the completed unit of work.
GENERIC_REPOSITORIES: Mapping[str, Callable[[UnitOfWork], object]] = {
    "organizations": lambda u: GenericOrganizationRepository(u.records),
    "merges": lambda u: GenericMergeRepository(u.records),
    "transactions": lambda u: GenericTransactionRepository(u.records),
    "pipelines": lambda u: GenericPipelineRepository(u.records),
    "deals": lambda u: GenericDealRepository(u.records),
    "stage_changes": lambda u: GenericStageChangeRepository(u.records),
    "lifecycle": lambda u: GenericLifecycleRepository(u.records),
    "consents": lambda u: GenericConsentRepository(u.records),
    "segments": lambda u: GenericSegmentRepository(u.records),
    "tasks": lambda u: GenericTaskRepository(u.records),
    "users": lambda u: GenericUserRepository(u.records),
    "erasures": lambda u: GenericErasureRepository(u.records),
    "lists": lambda u: GenericListRepository(u.records),
    "reviews": lambda u: GenericReviewRepository(u.records),
    "import_rows": lambda u: GenericImportRowRepository(u.records),
    "case_facts": lambda u: GenericCaseFactRepository(u.records),
    "revenue": lambda u: GenericRevenueRepository(u.records),
    "automation": GenericAutomationRepository,
    "outbox": lambda u: GenericOutboxRepository(u.records),
    "routing": lambda u: GenericRoutingRepository(u.records),
    "campaign_members": lambda u: GenericCampaignMemberRepository(u.records, u),
}
_METHODS = ("segment_members", "segment_count", "linked")


def _has(cls: type, name: str) -> bool:
    try:
        inspect.getattr_static(cls, name)
    except AttributeError:
        return False
    return True


@functools.cache
def missing_members(unit_class: type) -> frozenset[str]:
    """The members crmkit must serve for units of work of this class (looked up on the
    class, never called); :class:`ConfigurationError` if it lacks part of the core.

    A class with ``__getattr__`` is a proxy whose members cannot be seen without calling
    it: it is trusted to delegate to a complete unit of work."""
    if _has(unit_class, "__getattr__"):
        return frozenset()
    lacking = [name for name in CORE_MEMBERS if not _has(unit_class, name)]
    if lacking:
        raise ConfigurationError(
            f"{unit_class.__qualname__} lacks the core storage members {lacking}; "
            "see 'Writing a minimal backend' in docs/storage.md"
        )
    return frozenset(n for n in (*GENERIC_REPOSITORIES, *_METHODS) if not _has(unit_class, n))


@functools.cache
def _declared_unit_class(storage_class: type) -> type | None:
    """The unit-of-work class ``unit_of_work`` is annotated to return, if it names one."""
    method: Any = getattr(storage_class, "unit_of_work", None)
    try:
        found = typing.get_type_hints(method).get("return")
    except Exception:  # an annotation we cannot read only costs the shortcut
        return None
    # Any is a class since Python 3.11, and a protocol names no implementation.
    concrete = isinstance(found, type) and found is not Any
    concrete = concrete and not getattr(found, "_is_protocol", False)
    return found if concrete else None


def complete(storage: Storage) -> Storage:
    """*storage* itself when its units of work provide every member, otherwise a thin
    wrapper whose units of work fill the missing ones (see the module docstring).

    >>> from crmkit.storage import MemoryStorage
    >>> storage = MemoryStorage()
    >>> complete(storage) is storage
    True
    """
    if isinstance(storage, CompletedStorage):
        return storage
    declared = _declared_unit_class(type(storage))
    if declared is not None and not missing_members(declared):
        return storage
    return CompletedStorage(storage)


class CompletedStorage:
    """A backend whose units of work get crmkit's generic members where they lack them.
    Other attributes (a backend's ``compact``, ``after_erasure``) are the backend's."""

    def __init__(self, storage: Storage) -> None:
        self.backend = storage

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> UnitOfWork:
        unit = self.backend.unit_of_work(workspace, read_only=read_only)
        missing = missing_members(type(unit))
        if not missing:
            return unit
        return cast(UnitOfWork, CompletedUnitOfWork(unit, missing))

    def close(self) -> None:
        self.backend.close()

    def __getattr__(self, name: str) -> Any:
        if name == "backend":  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self.backend, name)

    def __repr__(self) -> str:
        return f"complete({self.backend!r})"


class CompletedUnitOfWork:
    """The backend's unit of work, plus crmkit's repositories where it has none."""

    def __init__(self, unit: UnitOfWork, missing: frozenset[str]) -> None:
        self._unit = unit
        self._missing = missing
        self._made: dict[str, object] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never the backend's privates (nor before __init__ ran)
            raise AttributeError(name)
        # A repository the class lacks may still be set on the instance: the backend's wins.
        own = getattr(self._unit, "__dict__", {})
        if name in self._missing and name in GENERIC_REPOSITORIES and name not in own:
            made = self._made.get(name)
            if made is None:
                made = self._made[name] = GENERIC_REPOSITORIES[name](cast(UnitOfWork, self))
            return made
        return getattr(self._unit, name)

    def segment_members(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> list[Contact]:
        if "segment_members" in self._missing:
            unit = cast(UnitOfWork, self)
            return segment_members_in_memory(unit, segment, now=now, rates=rates)
        extra = {} if rates is None else {"rates": rates}
        return self._unit.segment_members(segment, now=now, **extra)

    def segment_count(
        self, segment: Segment, *, now: datetime, rates: RatesTable | None = None
    ) -> int:
        if "segment_count" in self._missing:
            return segment_count_in_memory(cast(UnitOfWork, self), segment, now=now, rates=rates)
        extra = {} if rates is None else {"rates": rates}
        return self._unit.segment_count(segment, now=now, **extra)

    def linked(self) -> Mapping[str, ContactRecords]:
        if "linked" in self._missing:
            return linked_repositories(cast(UnitOfWork, self))
        return self._unit.linked()

    def commit(self) -> None:
        self._unit.commit()

    def rollback(self) -> None:
        self._unit.rollback()

    def __enter__(self) -> Self:
        self._unit.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._unit.__exit__(exc_type, exc, tb)
        finally:
            self._made.clear()
