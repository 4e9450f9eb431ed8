"""A record kind declared outside crmkit follows its contact through merge, unmerge, erasure
and export, with no change to any of them (crmkit.storage.kinds)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
import pytest

from crmkit import CRM
from crmkit.errors import ValidationError
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.storage.kinds import RECORD_KINDS, RecordKind, check_kinds
from crmkit.storage.protocols import Storage, UnitOfWork


@attrs.frozen
class Badge:
    id: str
    contact_id: str
    label: str


Badges = dict[str, dict[str, Badge]]  # workspace -> badge id -> badge


class BadgeRepository:
    """A toy repository over one workspace's dict. It does not join the unit of work's
    transaction (a real one stores through the backend), which these tests never need."""

    def __init__(self, rows: dict[str, Badge]) -> None:
        self._rows = rows

    def add(self, badge: Badge) -> None:
        self._rows[badge.id] = badge

    def for_contact(self, contact_id: str) -> list[Badge]:
        return sorted(
            (b for b in self._rows.values() if b.contact_id == contact_id), key=lambda b: b.id
        )

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        moved = [b.id for b in self.for_contact(from_id)]
        self.assign_contact(moved, to_id)
        return moved

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        for key in record_ids:
            self._rows[key] = attrs.evolve(self._rows[key], contact_id=contact_id)

    def erase_contact(self, contact_id: str) -> int:
        gone = [b.id for b in self.for_contact(contact_id)]
        for key in gone:
            del self._rows[key]
        return len(gone)


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    made: Storage = MemoryStorage() if request.param == "memory" else SQLiteStorage(":memory:")
    yield made
    made.close()


@pytest.fixture
def badges() -> Badges:
    return {}


@pytest.fixture
def crm(storage: Storage, badges: Badges) -> CRM:
    def repository(uow: UnitOfWork) -> BadgeRepository:
        return BadgeRepository(badges.setdefault(uow.workspace, {}))

    kind = RecordKind(
        "badges", repository, export=lambda uow, cid: repository(uow).for_contact(cid)
    )
    return CRM(storage=storage, workspace="acme", record_kinds=(*RECORD_KINDS, kind))


def _badge(crm: CRM, badges: Badges, contact_id: str) -> Badge:
    badge = Badge("b-1", contact_id, "early adopter")
    badges.setdefault(crm.workspace, {})[badge.id] = badge
    return badge


def test_merge_moves_the_records_of_a_declared_kind(crm: CRM, badges: Badges) -> None:
    keep, other = crm.contacts.create(name="Besa Kola"), crm.contacts.create(name="B. Kola")
    _badge(crm, badges, other.id)
    result = crm.merge(keep.id, other.id)
    assert result.moved["badges"] == 1
    assert badges["acme"]["b-1"].contact_id == keep.id


def test_unmerge_returns_them(crm: CRM, badges: Badges) -> None:
    keep, other = crm.contacts.create(name="Besa Kola"), crm.contacts.create(name="B. Kola")
    _badge(crm, badges, other.id)
    crm.unmerge(crm.merge(keep.id, other.id).merge_id or "")
    assert badges["acme"]["b-1"].contact_id == other.id


def test_erasure_removes_them(crm: CRM, badges: Badges) -> None:
    besa = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
    _badge(crm, badges, besa.id)
    assert crm.contacts.erase(besa.id).removed["badges"] == 1
    assert badges["acme"] == {}


def test_export_shows_them(crm: CRM, badges: Badges) -> None:
    besa = crm.contacts.create(name="Besa Kola")
    _badge(crm, badges, besa.id)
    assert crm.contacts.export(besa.id)["badges"] == [
        {"id": "b-1", "contact_id": besa.id, "label": "early adopter"}
    ]


def test_units_of_work_derive_their_linked_repositories_from_the_kinds(storage: Storage) -> None:
    with storage.unit_of_work("acme", read_only=True) as uow:
        assert list(uow.linked()) == [k.name for k in RECORD_KINDS if k.repository is not None]


def test_a_kind_name_given_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="tasks"):
        check_kinds((*RECORD_KINDS, RecordKind("tasks", None)))
