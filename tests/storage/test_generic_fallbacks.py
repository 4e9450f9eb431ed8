"""complete(storage): what it detects, what it leaves alone, and the size of the core a
backend writes (crmkit.storage.generic)."""

from __future__ import annotations

import typing
from datetime import date
from types import TracebackType
from typing import Any, Self

import attrs
import pytest

from crmkit import CRM
from crmkit.errors import ConfigurationError, ValidationError
from crmkit.storage import MemoryStorage, SQLiteStorage, complete, protocols
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic import CompletedStorage, missing_members
from crmkit.storage.records import RecordStore
from crmkit.storage.typed import StoredKind

CORE_UNIT = (
    "workspace",
    "contacts",
    "interactions",
    "records",
    "commit",
    "rollback",
    "__enter__",
    "__exit__",
)


def _members(proto: type) -> set[str]:
    """The members a class implementing *proto* must write (its protocol bases' too)."""
    names: set[str] = set()
    for cls in proto.__mro__:
        if getattr(cls, "_is_protocol", False) and cls is not typing.Protocol:
            names |= {n for n in vars(cls) if not n.startswith("_") or n in CORE_UNIT}
    return names


def _repositories() -> dict[str, set[str]]:
    unit = protocols.UnitOfWork
    found = {}
    for name in _members(unit):
        attr = getattr(unit, name)
        if isinstance(attr, property):
            returned = typing.get_type_hints(attr.fget)["return"]
            found[name] = _members(returned) if returned is not str else set()
    return found


def test_a_minimal_backend_writes_a_quarter_of_the_members() -> None:
    repos = _repositories()
    everything = 2 + len(_members(protocols.UnitOfWork)) + sum(map(len, repos.values()))
    core = 2 + len(CORE_UNIT) + sum(len(repos[n]) for n in ("contacts", "interactions"))
    core += len(_members(RecordStore))
    # Published in docs/storage.md and benchmarks/README.md: update them with these.
    assert (everything, core) == (198, 44)


class _Unit:
    """The core methods of a unit of work and nothing else."""

    workspace = "w"

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _Storage:
    def __init__(self, unit: Any) -> None:
        self.unit = unit
        self.after_erasure = "the backend's own attribute"

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> Any:
        return self.unit

    def close(self) -> None: ...


@pytest.mark.parametrize("make", [MemoryStorage, lambda: SQLiteStorage(":memory:")])
def test_backends_with_every_member_are_returned_unchanged(make: Any) -> None:
    storage = make()
    assert complete(storage) is storage
    assert CRM(storage=storage).storage is storage
    storage.close()


def test_missing_members_are_read_from_the_class_and_only_gaps_are_filled() -> None:
    class Unit(_Unit):
        contacts = interactions = records = None
        tasks = "the backend's tasks"

    missing = missing_members(Unit)
    assert "tasks" not in missing
    assert {"organizations", "linked", "segment_count"} <= missing
    completed = complete(_Storage(Unit()))
    assert isinstance(completed, CompletedStorage)
    assert complete(completed) is completed
    with completed.unit_of_work("w") as uow:
        assert uow.tasks == "the backend's tasks"
        assert type(uow.organizations).__name__ == "GenericOrganizationRepository"
    assert getattr(completed, "after_erasure") == "the backend's own attribute"  # noqa: B009


def test_a_repository_set_on_the_instance_wins_over_the_generic_one() -> None:
    unit = _Unit()
    unit.organizations = "set on entering"  # type: ignore[attr-defined]
    with complete(_Storage(unit)).unit_of_work("w") as uow:
        assert uow.organizations == "set on entering"


def test_a_unit_lacking_a_core_method_is_refused_by_name() -> None:
    class Unit:
        def __enter__(self) -> Self:
            return self

    with pytest.raises(ConfigurationError, match="commit"):
        complete(_Storage(Unit())).unit_of_work("w")


@attrs.frozen
class _Warranty:
    id: str
    contact_id: str
    ends_on: date


def test_kind_names_starting_with_an_underscore_are_crmkits() -> None:
    with pytest.raises(ValidationError, match="crmkit"):
        StoredKind("_task", AttrsCodec(_Warranty))
