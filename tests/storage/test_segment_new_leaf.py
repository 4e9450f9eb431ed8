"""Issue #13: a new leaf is one node class plus its handlers, registered from outside crmkit,
and it runs the same in memory and pushed down to SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from crmkit import CRM
from crmkit.errors import UnsupportedSegmentError
from crmkit.segments import MEMORY_COMPILER, MemoryScope, Segment, field, tag
from crmkit.storage.sql import SQL_COMPILER, SQLScope

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@attrs.frozen
class NameLongerThan(Segment):
    """Contacts whose name has more than ``length`` characters (a toy leaf)."""

    length: int


def _in_memory(node: NameLongerThan, scope: MemoryScope) -> set[int]:
    contacts = scope.data.contacts
    return {i for i, c in enumerate(contacts) if c.name is not None and len(c.name) > node.length}


def _in_sql(node: NameLongerThan, scope: SQLScope) -> tuple[str, list[object]]:
    return "(length(c.name) > ?)", [node.length]


@pytest.fixture
def leaf() -> Iterator[None]:
    MEMORY_COMPILER.register(NameLongerThan, _in_memory, cost=1)
    SQL_COMPILER.register(NameLongerThan, _in_sql, cost=1)
    yield
    MEMORY_COMPILER.unregister(NameLongerThan)
    SQL_COMPILER.unregister(NameLongerThan)


@pytest.fixture(params=["memory", "sqlite"])
def crm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CRM]:
    crm = (
        CRM(clock=lambda: NOW)
        if request.param == "memory"
        else CRM.open(str(tmp_path / "crm.sqlite"), clock=lambda: NOW)
    )
    crm.contacts.create(name="Ana", tags={"vip"}, city="Sofia")
    crm.contacts.create(name="Bogomila", tags={"vip"}, city="Sofia")
    crm.contacts.create(name="Konstantin", city="Varna")
    crm.contacts.create(emails=["nameless@example.org"])
    yield crm
    crm.close()


def _names(crm: CRM, seg: Segment) -> list[str | None]:
    return sorted((c.name for c in crm.segments.members(seg)), key=str)


@pytest.mark.usefixtures("leaf")
def test_a_new_leaf_selects_its_contacts(crm: CRM) -> None:
    assert _names(crm, NameLongerThan(5)) == ["Bogomila", "Konstantin"]
    assert crm.segments.count(NameLongerThan(5)) == 2


@pytest.mark.usefixtures("leaf")
def test_a_new_leaf_combines_with_built_in_leaves(crm: CRM) -> None:
    assert _names(crm, NameLongerThan(5) & tag("vip")) == ["Bogomila"]
    assert _names(crm, ~NameLongerThan(5) & (field("city") == "sofia")) == ["Ana"]
    # A missing name is false inside the leaf, so "not" selects the nameless contact.
    assert crm.segments.count(~NameLongerThan(5)) == 2


def test_without_handlers_the_backend_names_what_it_cannot_run(
    crm: CRM, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(UnsupportedSegmentError, match="NameLongerThan") as info:
        crm.segments.members(tag("vip") & NameLongerThan(5))
    expected = {"memory": "memory", "sqlite": "sql"}[request.node.callspec.params["crm"]]
    assert info.value.compiler == expected
