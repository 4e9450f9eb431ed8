"""Contract: bulk inserts into the generic record store, through the backend's fast path
(:class:`crmkit.storage.records.BulkRecordStore`) and through the one-by-one fallback a
backend without it gets: the same records, the same refusals, nothing partly written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from crmkit.errors import AlreadyExistsError, UniqueKeyError
from crmkit.storage.generic import add_records
from crmkit.storage.protocols import Storage
from crmkit.storage.records import RecordStore, StoredRecord
from crmkit.testing.contract._base import ContractBase, make_contact

__all__ = ["BulkRecordsContract"]


def _rec(n: int, contact_id: str | None = None, code: str | None = None) -> StoredRecord:
    keys = {"status": "open" if n % 2 else "done", "code": code or f"C-{n:03d}"}
    return StoredRecord(
        "ticket", f"t-{n:03d}", contact_id, 1, {"n": n, "text": "ёжик"}, keys, {"code"}
    )


class _OneByOne:
    """A record store without the fast path: what a third-party backend may offer."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name == "add_many":
            raise AttributeError(name)
        return getattr(self._store, name)


def _bulk(path: str) -> Callable[[RecordStore, Iterable[StoredRecord]], int]:
    if path == "fast":
        return add_records
    return lambda store, records: add_records(_OneByOne(store), records)


# Each bad batch holds a good record first, so a refusal must undo a write or never make it.
_BAD_BATCHES: dict[str, tuple[list[StoredRecord], type[AlreadyExistsError], str]] = {
    "id held": ([_rec(10), _rec(1, code="C-901")], AlreadyExistsError, "t-001"),
    "id repeated": ([_rec(10), _rec(11), _rec(11, code="C-902")], AlreadyExistsError, "t-011"),
    "unique value held": ([_rec(10), _rec(11, code="C-001")], UniqueKeyError, "C-001"),
    "unique value repeated": ([_rec(10), _rec(11, code="C-010")], UniqueKeyError, "C-010"),
}


class BulkRecordsContract(ContractBase):
    @pytest.mark.parametrize("path", ["fast", "fallback"])
    def test_add_many_writes_every_record_as_add_would(self, storage: Storage, path: str) -> None:
        a = make_contact(name="Besa Kola")
        self._add(storage, a)
        batch = [_rec(n, a.id if n % 3 else None) for n in range(1, 8)]
        with storage.unit_of_work(self.workspace) as uow:
            assert _bulk(path)(uow.records, batch) == 7
            assert _bulk(path)(uow.records, []) == 0
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.records.select("ticket") == batch
            assert uow.records.for_contact("ticket", a.id) == [r for r in batch if r.contact_id]
            assert [r.id for r in uow.records.select("ticket", "code", equals="C-004")] == ["t-004"]
            assert uow.records.count("ticket", "status", equals="open") == 4

    @pytest.mark.parametrize("path", ["fast", "fallback"])
    @pytest.mark.parametrize("case", sorted(_BAD_BATCHES))
    def test_a_refused_batch_writes_nothing_and_the_unit_goes_on(
        self, storage: Storage, path: str, case: str
    ) -> None:
        batch, error, named = _BAD_BATCHES[case]
        with storage.unit_of_work(self.workspace) as uow:
            uow.records.add(_rec(1))
            uow.commit()
        with storage.unit_of_work(self.workspace) as uow:
            with pytest.raises(error) as err:
                _bulk(path)(uow.records, batch)
            assert type(err.value) is error  # exactly: a unique key error is a subclass
            assert err.value.key == named
            uow.records.add(_rec(2))  # the refusal left the unit of work usable
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [r.id for r in uow.records.select("ticket")] == ["t-001", "t-002"]
            assert uow.records.count("ticket", "code") == 2
