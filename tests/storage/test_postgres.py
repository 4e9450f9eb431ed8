"""The PostgreSQL backend against the same contract as every backend, plus concurrency.

Runs when CRMKIT_TEST_POSTGRES_DSN is set (CI sets it) and fails, not skips, when that server
is unreachable. Every storage lives in its own schema, dropped afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from crmkit import CRM
from crmkit.errors import SchemaVersionError, StorageUnavailableError
from crmkit.testing import StorageContract, StorageMachine

DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")
pytestmark = pytest.mark.postgres
if not DSN:
    pytest.skip("CRMKIT_TEST_POSTGRES_DSN is not set", allow_module_level=True)

from crmkit.storage.postgres import PostgresStorage  # noqa: E402 - needs the skip above


class ThrowawayPostgresStorage(PostgresStorage):
    """A storage in a fresh schema that is dropped when the storage closes."""

    def __init__(self) -> None:
        super().__init__(DSN, schema=f"crmkit_test_{uuid.uuid4().hex[:16]}")

    def close(self) -> None:
        self.drop_schema()


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[PostgresStorage]:
        storage = ThrowawayPostgresStorage()
        yield storage
        storage.close()


TestPostgresMachine = StorageMachine.for_backend(ThrowawayPostgresStorage).TestCase
TestPostgresMachine.settings = settings(
    max_examples=10,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_database_from_a_newer_crmkit_is_refused() -> None:
    storage = ThrowawayPostgresStorage()
    try:
        with storage._connect() as conn:
            conn.execute("INSERT INTO crmkit_schema_version (version) VALUES (999)")
            conn.commit()
        with pytest.raises(SchemaVersionError) as info:
            PostgresStorage(DSN, schema=storage.schema)
        assert info.value.found == 999
    finally:
        storage.close()


@pytest.mark.parametrize(
    ("dsn", "advice"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "is PostgreSQL running"),
        ("postgresql://postgres@127.0.0.1:5432/crmkit_no_such_db", "create the database"),
    ],
)
def test_unreachable_database_names_what_to_do(dsn: str, advice: str) -> None:
    with pytest.raises(StorageUnavailableError) as info:
        PostgresStorage(dsn, connect_timeout=2)
    assert advice in str(info.value)


def _record_in_process(schema: str, n: int, queue: multiprocessing.Queue[str]) -> None:
    storage = PostgresStorage(DSN, schema=schema, pool_size=2)
    crm = CRM(storage=storage)
    for i in range(n):
        queue.put(crm.record(channel="phone", phone="+359888000111", summary=f"{i}").contact_id)
    storage.close()


def test_separate_processes_recording_one_new_phone_create_one_contact() -> None:
    storage = ThrowawayPostgresStorage()
    assert storage.schema is not None
    try:
        ctx = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue[str] = ctx.Queue()
        workers = [
            ctx.Process(target=_record_in_process, args=(storage.schema, 5, queue))
            for _ in range(4)
        ]
        for w in workers:
            w.start()
        owners = {queue.get(timeout=60) for _ in range(20)}
        for w in workers:
            w.join(timeout=60)
            assert w.exitcode == 0
        crm = CRM(storage=storage)
        assert len(owners) == 1
        assert crm.contacts.count() == 1
        assert len(crm.timeline(owners.pop(), limit=None)) == 20
    finally:
        storage.close()


def test_lost_update_between_two_connections_is_refused() -> None:
    from crmkit.contacts import Contact
    from crmkit.errors import StaleVersionError

    storage = ThrowawayPostgresStorage()
    try:
        original = Contact.new(name="Besa")
        with storage.unit_of_work("w") as uow:
            uow.contacts.add(original)
            uow.commit()
        with storage.unit_of_work("w") as first, storage.unit_of_work("w") as second:
            mine = first.contacts.get(original.id).changed(city="Tiranë")
            theirs = second.contacts.get(original.id).changed(city="Durrës")
            first.contacts.update(mine)
            first.commit()
            with pytest.raises(StaleVersionError):
                second.contacts.update(theirs)
        with storage.unit_of_work("w", read_only=True) as uow:
            assert uow.contacts.get(original.id).city == "Tiranë"
    finally:
        storage.close()
