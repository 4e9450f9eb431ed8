"""Concurrent writers on one database, on each PostgreSQL-family server the environment names:
plain PostgreSQL (``CRMKIT_TEST_POSTGRES_DSN``) and Citus with every table distributed on
``workspace`` (``CRMKIT_TEST_CITUS_DSN``). See conftest.py.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from crmkit import CRM
from crmkit.contacts import Contact
from crmkit.errors import ConflictError, StaleVersionError
from crmkit.storage.postgres import PostgresStorage

pytestmark = pytest.mark.postgres


def _record_in_process(dsn: str, schema: str, n: int, queue: multiprocessing.Queue[str]) -> None:
    storage = PostgresStorage(dsn, schema=schema, pool_size=2)
    crm = CRM(storage=storage)
    for i in range(n):
        queue.put(crm.record(channel="phone", phone="+359888000111", summary=f"{i}").contact_id)
    storage.close()


def test_separate_processes_recording_one_new_phone_create_one_contact(
    shared: PostgresStorage,
) -> None:
    assert shared.schema is not None
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[str] = ctx.Queue()
    workers = [
        ctx.Process(target=_record_in_process, args=(shared.dsn, shared.schema, 5, queue))
        for _ in range(4)
    ]
    for w in workers:
        w.start()
    owners = {queue.get(timeout=60) for _ in range(20)}
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    crm = CRM(storage=shared)
    assert len(owners) == 1
    assert crm.contacts.count() == 1
    assert len(crm.timeline(owners.pop(), limit=None)) == 20


def test_eight_writers_first_contact_with_one_phone_make_one_contact(
    shared: PostgresStorage,
) -> None:
    crm = CRM(storage=shared, default_region="BG")
    everyone_ready = threading.Barrier(8)

    def first_call(n: int) -> str:
        everyone_ready.wait(timeout=30)
        return crm.record(channel="phone", phone="0888 000 222", summary=f"call {n}").contact_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        owners = set(pool.map(first_call, range(8)))
    assert len(owners) == 1
    assert crm.contacts.count() == 1
    assert len(crm.timeline(owners.pop(), limit=None)) == 8


def test_lost_update_between_two_connections_is_refused(shared: PostgresStorage) -> None:
    original = Contact.new(name="Besa")
    with shared.unit_of_work("w") as uow:
        uow.contacts.add(original)
        uow.commit()
    with shared.unit_of_work("w") as first, shared.unit_of_work("w") as second:
        mine = first.contacts.get(original.id).changed(city="Tiranë")
        theirs = second.contacts.get(original.id).changed(city="Durrës")
        first.contacts.update(mine)
        first.commit()
        with pytest.raises(StaleVersionError):
            second.contacts.update(theirs)
    with shared.unit_of_work("w", read_only=True) as uow:
        assert uow.contacts.get(original.id).city == "Tiranë"


def _add_counter(storage: PostgresStorage) -> str:
    contact = Contact.new(name="Counter", custom={"n": 0})
    with storage.unit_of_work("w") as uow:
        uow.contacts.add(contact)
        uow.commit()
    return contact.id


def test_eight_writers_updating_one_read_exactly_one_wins(shared: PostgresStorage) -> None:
    contact_id = _add_counter(shared)
    everyone_has_read = threading.Barrier(8)

    def bump(n: int) -> str:
        with shared.unit_of_work("w") as uow:
            contact = uow.contacts.get(contact_id)
            everyone_has_read.wait(timeout=30)
            try:
                uow.contacts.update(contact.changed(custom={"n": n}))
            except StaleVersionError:
                return "stale"
            uow.commit()
            return "won"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(bump, range(1, 9)))
    assert outcomes == ["stale"] * 7 + ["won"]
    with shared.unit_of_work("w", read_only=True) as uow:
        assert uow.contacts.get(contact_id).version == 2


def test_writers_retrying_stale_updates_lose_no_increment(shared: PostgresStorage) -> None:
    contact_id = _add_counter(shared)

    def bump_ten_times() -> None:
        for _ in range(10):
            while True:
                try:
                    with shared.unit_of_work("w") as uow:
                        c = uow.contacts.get(contact_id)
                        n = c.custom["n"]
                        assert isinstance(n, int)
                        uow.contacts.update(c.changed(custom={"n": n + 1}))
                        uow.commit()
                    break
                except StaleVersionError:
                    continue

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(bump_ten_times) for _ in range(8)]:
            future.result()
    with shared.unit_of_work("w", read_only=True) as uow:
        final = uow.contacts.get(contact_id)
    assert (final.custom["n"], final.version) == (80, 81)


def test_merges_under_concurrent_writes_succeed_and_keep_every_write(
    shared: PostgresStorage,
) -> None:
    crm = CRM(storage=shared, default_region="AL")
    pairs = [
        (
            crm.contacts.create(name=f"A{i}", phones=[f"+35569100{i:04d}"]),
            crm.contacts.create(name=f"B{i}", phones=[f"+35569200{i:04d}"]),
        )
        for i in range(6)
    ]
    stop = threading.Event()
    written: list[str] = []

    def write(n: int) -> None:
        i = 0
        while not stop.is_set() or i < 5:
            a, b = pairs[i % len(pairs)]
            phone = (a if (i + n) % 2 else b).phones[0]
            written.append(crm.record(channel="phone", phone=phone, summary=f"{n}:{i}").id)
            i += 1

    def merge(pair: tuple[Contact, Contact]) -> str:
        for _ in range(20):  # a conflict with a concurrent write is retried, as documented
            try:
                return crm.merge(pair[0].id, pair[1].id).merge_id
            except (ConflictError, StaleVersionError):
                continue
        raise AssertionError("merge never got through")

    with ThreadPoolExecutor(max_workers=10) as pool:
        writers = [pool.submit(write, n) for n in range(4)]
        merged = list(pool.map(merge, pairs))
        stop.set()
        for w in writers:
            w.result()
    assert len(merged) == len(pairs)
    assert crm.contacts.count() == len(pairs)
    on_survivors = {i.id for a, _ in pairs for i in crm.timeline(a.id, limit=None)}
    assert on_survivors == set(written)
