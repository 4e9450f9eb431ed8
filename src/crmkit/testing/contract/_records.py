"""Contract: the generic record store (``uow.records``) and kinds declared on it."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    AlreadyExistsError,
    RecordNotFoundError,
    StaleVersionError,
    UniqueKeyError,
    ValidationError,
)
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.kinds import RECORD_KINDS
from crmkit.storage.protocols import Storage
from crmkit.storage.records import StoredRecord
from crmkit.storage.typed import StoredKind
from crmkit.testing.contract._base import T0, ContractBase, make_contact

__all__ = ["RecordsContract"]


def _rec(rid: str, contact_id: str | None = None, version: int = 1, **keys: str) -> StoredRecord:
    body = {"n": int(rid.rsplit("-", 1)[-1]), "text": "Zgjidhje e shpejtë, спасибо, ممنون"}
    return StoredRecord("ticket", rid, contact_id, version, body, keys, {"code"})


@attrs.frozen
class Warranty:
    """A toy kind the contract declares itself: no backend knows it."""

    id: str
    contact_id: str | None
    version: int
    serial: str
    ends_on: date
    note: str = ""


def _anonymise(w: Warranty) -> Warranty:
    return attrs.evolve(w, note="")


WARRANTIES = StoredKind(
    "warranties",
    AttrsCodec(Warranty, keys=lambda w: {"serial": w.serial}, unique={"serial"}),
    on_erasure=_anonymise,
)


class RecordsContract(ContractBase):
    def _two_contacts(self, storage: Storage) -> tuple[Contact, Contact]:
        a, b = make_contact(name="Besa Kola"), make_contact(name="Ivan Petrov")
        self._add(storage, a, b)
        return a, b

    def test_records_round_trip_exactly(self, storage: Storage) -> None:
        a, _ = self._two_contacts(storage)
        written = _rec("t-1", a.id, status="open", code="A-1")
        with storage.unit_of_work(self.workspace) as uow:
            uow.records.add(written)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.records.get("ticket", "t-1") == written
            assert uow.records.for_contact("ticket", a.id) == [written]
            with pytest.raises(RecordNotFoundError) as err:
                uow.records.get("ticket", "t-404")
            assert (err.value.kind, err.value.key) == ("ticket", "t-404")
            # Kinds and workspaces never see each other's records.
            with pytest.raises(RecordNotFoundError):
                uow.records.get("other", "t-1")
        with storage.unit_of_work("elsewhere", read_only=True) as uow:
            assert uow.records.count("ticket") == 0

    def test_key_lookups_order_by_value_then_id(self, storage: Storage) -> None:
        with storage.unit_of_work(self.workspace) as uow:
            for i, due in enumerate(["2026-05-03", "2026-05-01", "2026-05-02", "2026-05-01"]):
                status = "open" if i % 2 == 0 else "closed"
                uow.records.add(_rec(f"t-{i}", due=due, status=status))
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            r = uow.records
            assert [x.id for x in r.select("ticket")] == ["t-0", "t-1", "t-2", "t-3"]
            assert [x.id for x in r.select("ticket", "due")] == ["t-1", "t-3", "t-2", "t-0"]
            assert [x.id for x in r.select("ticket", "due", at_most="2026-05-02")] == [
                "t-1",
                "t-3",
                "t-2",
            ]
            assert [x.id for x in r.select("ticket", "due", at_least="2026-05-02")] == [
                "t-2",
                "t-0",
            ]
            assert [x.id for x in r.select("ticket", "status", equals="open", limit=1)] == ["t-0"]
            assert r.count("ticket", "status", equals="closed") == 2
            assert r.count("ticket", "due", at_least="2026-05-02", at_most="2026-05-02") == 1
            assert r.select("ticket", "nothing") == []
            assert r.select("ticket", limit=0) == []
            with pytest.raises(ValidationError):
                r.select("ticket", equals="open")  # a value with no key
            with pytest.raises(ValidationError):
                r.select("ticket", "due", equals="x", at_least="y")
            with pytest.raises(ValidationError):
                r.select("ticket", limit=-1)

    def test_update_is_versioned_and_replaces_the_keys(self, storage: Storage) -> None:
        with storage.unit_of_work(self.workspace) as uow:
            uow.records.add(_rec("t-1", status="open", code="A-1"))
            with pytest.raises(StaleVersionError):
                uow.records.update(_rec("t-1", version=3, status="closed"))
            uow.records.update(_rec("t-1", version=2, status="closed"))
            with pytest.raises(RecordNotFoundError):
                uow.records.update(_rec("t-9", version=2))
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.records.get("ticket", "t-1").version == 2
            assert uow.records.count("ticket", "status", equals="open") == 0
            assert uow.records.count("ticket", "code", equals="A-1") == 0  # the key went

    def test_unique_keys_refuse_a_second_holder_and_write_nothing(self, storage: Storage) -> None:
        with storage.unit_of_work(self.workspace) as uow:
            uow.records.add(_rec("t-1", code="A-1"))
            uow.records.add(_rec("t-2", code="A-2"))
            with pytest.raises(UniqueKeyError) as err:
                uow.records.add(_rec("t-3", code="A-1", status="open"))
            assert (err.value.key_name, err.value.key) == ("code", "A-1")
            assert uow.records.count("ticket") == 2
            assert uow.records.count("ticket", "status", equals="open") == 0
            with pytest.raises(UniqueKeyError):
                uow.records.update(_rec("t-2", version=2, code="A-1", status="open"))
            assert uow.records.get("ticket", "t-2") == _rec("t-2", code="A-2")
            with pytest.raises(AlreadyExistsError):
                uow.records.add(_rec("t-1"))
            uow.records.update(_rec("t-1", version=2, code="A-1", status="kept"))  # its own
            uow.records.remove("ticket", "t-2")
            uow.records.add(_rec("t-4", code="A-2"))  # freed by the removal
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [x.id for x in uow.records.select("ticket")] == ["t-1", "t-4"]

    def test_rollback_leaves_nothing(self, storage: Storage) -> None:
        with storage.unit_of_work(self.workspace) as uow:
            uow.records.add(_rec("t-1", code="A-1"))
            uow.commit()
        with storage.unit_of_work(self.workspace) as uow:
            uow.records.add(_rec("t-2", code="A-2"))
            uow.records.update(_rec("t-1", version=2, code="B-1"))
            uow.records.remove("ticket", "t-1")
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.records.select("ticket") == [_rec("t-1", code="A-1")]
            assert uow.records.count("ticket", "code", equals="A-2") == 0

    def test_records_move_between_contacts_and_go_with_one(self, storage: Storage) -> None:
        a, b = self._two_contacts(storage)
        with storage.unit_of_work(self.workspace) as uow:
            for i in range(3):
                uow.records.add(_rec(f"t-{i}", a.id))
            uow.records.add(_rec("t-9", None))
            assert uow.records.reassign_contact("ticket", a.id, b.id) == ["t-0", "t-1", "t-2"]
            uow.records.assign_contact("ticket", ["t-1"], a.id)
            uow.commit()
        with storage.unit_of_work(self.workspace) as uow:
            assert [x.id for x in uow.records.for_contact("ticket", b.id)] == ["t-0", "t-2"]
            assert uow.records.erase_contact("ticket", b.id) == 2
            assert uow.records.erase_contact("other", a.id) == 0
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [x.id for x in uow.records.select("ticket")] == ["t-1", "t-9"]

    # -- a kind declared once, outside every backend -----------------------------------------

    @pytest.fixture
    def kind_crm(self, storage: Storage) -> CRM:
        kinds = (*RECORD_KINDS, WARRANTIES.kind)
        return CRM(
            storage=storage,
            workspace=self.workspace,
            default_region="AL",
            clock=lambda: T0,
            record_kinds=kinds,
        )

    def _warranty(self, crm: CRM, contact_id: str, serial: str, rid: str = "w-1") -> Warranty:
        w = Warranty(rid, contact_id, 1, serial, date(2028, 1, 31), note="under stairs")
        with crm.storage.unit_of_work(crm.workspace) as uow:
            WARRANTIES.on(uow).add(w)
            uow.commit()
        return w

    def _warranties(self, crm: CRM) -> list[Warranty]:
        with crm.storage.unit_of_work(crm.workspace, read_only=True) as uow:
            return WARRANTIES.on(uow).select()

    def test_a_declared_kind_follows_merge_and_unmerge(self, kind_crm: CRM) -> None:
        keep = kind_crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        other = kind_crm.contacts.create(name="B. Kola", phones=["069 123 4567"])
        w = self._warranty(kind_crm, other.id, "SN-1")
        merged = kind_crm.merge(keep.id, other.id)
        assert merged.moved["warranties"] == 1
        assert self._warranties(kind_crm) == [attrs.evolve(w, contact_id=keep.id)]
        kind_crm.unmerge(merged.merge_id or "")
        assert self._warranties(kind_crm) == [w]

    def test_a_declared_kind_is_exported_and_anonymised_on_erasure(self, kind_crm: CRM) -> None:
        besa = kind_crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        w = self._warranty(kind_crm, besa.id, "SN-2")
        exported = kind_crm.contacts.export(besa.id)["warranties"]
        assert exported == [
            {
                "id": w.id,
                "contact_id": besa.id,
                "version": 1,
                "serial": "SN-2",
                "ends_on": "2028-01-31",
                "note": "under stairs",
            }
        ]
        kind_crm.contacts.erase(besa.id)
        # on_erasure kept an anonymised copy, detached from the person.
        assert self._warranties(kind_crm) == [attrs.evolve(w, contact_id=None, note="", version=2)]

    def test_a_declared_kind_keeps_its_unique_keys(self, kind_crm: CRM) -> None:
        besa = kind_crm.contacts.create(name="Besa Kola")
        self._warranty(kind_crm, besa.id, "SN-3")
        with pytest.raises(UniqueKeyError):
            self._warranty(kind_crm, besa.id, "SN-3", rid="w-2")
        with kind_crm.storage.unit_of_work(kind_crm.workspace, read_only=True) as uow:
            found = WARRANTIES.on(uow).select("serial", equals="SN-3")
            assert [x.id for x in found] == ["w-1"]
