"""Contract: bulk writes, through the backend's fast paths and through the one-by-one
fallbacks a backend without them gets: the same results, the same refusals, nothing partly
written. Records: :class:`crmkit.storage.records.BulkRecordStore` and
:class:`~crmkit.storage.records.KeyValues`; messages queued once per idempotency key:
:func:`crmkit.storage.protocols.queue_once`; many contacts' ledger entries:
:func:`crmkit.storage.protocols.transactions_of`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.errors import AlreadyExistsError, UniqueKeyError
from crmkit.storage.generic import add_records, key_index, key_values
from crmkit.storage.protocols import Storage, queue_once, transactions_of
from crmkit.storage.records import RecordStore, StoredRecord
from crmkit.tasks import QueuedMessage
from crmkit.testing.contract._base import T0, ContractBase, make_contact
from crmkit.value.ledger import Transaction, TransactionKind

__all__ = ["BulkRecordsContract"]


def _rec(n: int, contact_id: str | None = None, code: str | None = None) -> StoredRecord:
    keys = {"status": "open" if n % 2 else "done", "code": code or f"C-{n:03d}"}
    return StoredRecord(
        "ticket", f"t-{n:03d}", contact_id, 1, {"n": n, "text": "ёжик"}, keys, {"code"}
    )


_FAST = ("add_many", "record_keys", "put_many", "key_values", "key_index", "for_contacts")


class _OneByOne:
    """A repository without the bulk fast paths: what a third-party backend may offer."""

    def __init__(self, repository: Any) -> None:
        self._repository = repository

    def __getattr__(self, name: str) -> Any:
        if name in _FAST:
            raise AttributeError(name)
        return getattr(self._repository, name)


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

    @pytest.mark.parametrize("path", ["fast", "fallback"])
    def test_messages_are_queued_once_per_key(self, storage: Storage, path: str) -> None:
        a, b = make_contact(name="Ana"), make_contact(name="Bo")
        self._add(storage, a, b)

        def msg(n: int, contact_id: str, key: str) -> QueuedMessage:
            return QueuedMessage(f"m-{n}", key, "promo", contact_id, "spring", T0.date(), "email")

        first = [msg(1, a.id, "promo:a"), msg(2, b.id, "promo:b"), msg(3, a.id, "promo:a")]
        again = [msg(4, a.id, "promo:a"), msg(5, b.id, "promo:c")]
        with storage.unit_of_work(self.workspace) as uow:
            unit: Any = uow
            if path == "fallback":
                unit = SimpleNamespace(
                    automation=_OneByOne(uow.automation), outbox=_OneByOne(uow.outbox)
                )
            assert queue_once(unit, first, T0) == 2  # the repeated key's first message only
            assert queue_once(unit, again, T0 + timedelta(hours=1)) == 1
            assert queue_once(unit, [], T0) == 0
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [m.id for m in uow.outbox.pending()] == ["m-1", "m-2", "m-5"]
            assert uow.automation.done_keys(["promo:a", "promo:b", "promo:c", "x"]) == {
                "promo:a",
                "promo:b",
                "promo:c",
            }

    @contextlib.contextmanager
    def _stored(
        self, storage: Storage, path: str, batch: list[StoredRecord]
    ) -> Iterator[tuple[Any, Any]]:
        """A read unit of work over *batch*, and its record store with or without the
        fast paths (*path*)."""
        with storage.unit_of_work(self.workspace) as uow:
            add_records(uow.records, batch)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            yield uow, (uow.records if path == "fast" else _OneByOne(uow.records))

    @pytest.mark.parametrize("path", ["fast", "fallback"])
    def test_key_values_read_what_select_finds(self, storage: Storage, path: str) -> None:
        a = make_contact(name="Besa Kola")
        self._add(storage, a)
        batch = [_rec(n, a.id if n % 3 else None) for n in range(1, 8)]
        with self._stored(storage, path, batch) as (uow, store):
            tries: list[dict[str, Any]] = [
                {},
                {"equals": "open"},
                {"at_least": "C-003", "at_most": "C-005"},
            ]
            for bounds in tries:
                name = "code" if "at_least" in bounds else "status"
                expected = uow.records.select("ticket", name, **bounds)
                got = key_values(store, "ticket", name, **bounds)
                assert got == sorted((r.id, r.contact_id, r.keys[name]) for r in expected)
            assert key_values(store, "other", "status") == []

    @pytest.mark.parametrize("path", ["fast", "fallback"])
    def test_key_index_reads_ids_and_values_in_value_order(
        self, storage: Storage, path: str
    ) -> None:
        batch = [_rec(n, code=f"C-{(7 * n) % 10:03d}-{n}") for n in range(1, 10)]
        with self._stored(storage, path, batch) as (uow, store):
            tries: list[dict[str, Any]] = [
                {},
                {"at_least": "C-003"},
                {"at_least": "C-002", "at_most": "C-005"},
            ]
            for bounds in tries:
                expected = uow.records.select("ticket", "code", **bounds)
                got = key_index(store, "ticket", "code", **bounds)
                assert got == [(r.id, r.keys["code"]) for r in expected]  # by value, then id
                assert got == sorted(got, key=lambda p: (p[1], p[0]))
            some = ["t-002", "t-005", "t-009", "t-404"]
            by_id = key_index(store, "ticket", "status", record_ids=some)
            assert by_id == [("t-002", "done"), ("t-005", "open"), ("t-009", "open")]
            narrowed = key_index(store, "ticket", "status", at_least="e", record_ids=some)
            assert narrowed == [("t-005", "open"), ("t-009", "open")]
            assert key_index(store, "other", "status") == []

    @pytest.mark.parametrize("path", ["fast", "fallback"])
    def test_many_contacts_ledgers_in_a_window(self, storage: Storage, path: str) -> None:
        a, b, c = (make_contact(name=n) for n in ("Ana", "Bo", "Cy"))
        self._add(storage, a, b, c)
        day = timedelta(days=1)

        def buy(contact_id: str, days: int, amount: str) -> Transaction:
            return Transaction.new(
                contact_id=contact_id,
                kind=TransactionKind.PURCHASE,
                amount=Money(amount, "EUR"),
                occurred_at=T0 + days * day,
            )

        entries = [buy(a.id, 1, "5"), buy(a.id, 0, "7"), buy(a.id, 9, "1"), buy(b.id, 10, "2")]
        entries.append(buy(c.id, 3, "4"))
        with storage.unit_of_work(self.workspace) as uow:
            uow.transactions.add_many(entries)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            ledger: Any = uow.transactions if path == "fast" else _OneByOne(uow.transactions)
            got = transactions_of(ledger, [a.id, b.id, "nobody"], since=T0, until=T0 + 9 * day)
            assert got == {a.id: [entries[1], entries[0]]}  # oldest first; b's is too late
