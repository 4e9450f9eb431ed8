"""crmkit on a Citus cluster, every table distributed on ``workspace`` by ``distribute``.

Runs when CRMKIT_TEST_CITUS_DSN names a Citus coordinator (``tools/citus-cluster.sh createdb
NAME`` prints one; CI starts the cluster and sets it) and fails, not skips, when that server
is unreachable. The concurrency tests run here too, from test_shared_writers.py.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from crmkit import CRM, Money
from crmkit.funnel import Stage
from crmkit.segments import field, tag
from crmkit.storage.migrations import load_migrations
from crmkit.storage.postgres import PostgresStorage, _crmkit_tables, distribute
from crmkit.storage.postgres._citus import distribute_tables
from crmkit.tasks import BirthdayGreeting, PurchaseAnniversary
from crmkit.testing import StorageContract

DSN = os.environ.get("CRMKIT_TEST_CITUS_DSN", "")
pytestmark = pytest.mark.postgres
if not DSN:
    pytest.skip(
        "Citus suite not run: set CRMKIT_TEST_CITUS_DSN to a Citus coordinator's URL "
        "(tools/citus-cluster.sh createdb crmkit_test prints one; CI sets it)",
        allow_module_level=True,
    )

# Four shards per table instead of Citus's default 32: the same routing, faster to set up.
FAST = f"{DSN}{'&' if '?' in DSN else '?'}options=-c%20citus.shard_count%3D4"
T0 = datetime(2026, 11, 16, 9, 12, tzinfo=UTC)
_IDLE: list[str] = []  # distributed schemas a test emptied, ready for the next


class RecycledStorage(PostgresStorage):
    """A storage on a distributed schema; closing it empties the schema for the next test.

    Distributing 33 tables takes seconds; emptying them (one TRUNCATE) a fraction of one.
    """

    def __init__(self) -> None:
        schema = _IDLE.pop() if _IDLE else _new_schema()
        super().__init__(FAST, schema=schema)

    def close(self) -> None:
        super().close()
        with self._connect() as conn:
            conn.execute(f"TRUNCATE {', '.join(_crmkit_tables())}".encode())
            conn.commit()
        assert self.schema is not None
        _IDLE.append(self.schema)


def _new_schema() -> str:
    schema = f"crmkit_citus_{uuid.uuid4().hex[:12]}"
    distribute(FAST, schema=schema)
    return schema


@pytest.fixture(scope="module", autouse=True)
def _drop_recycled_schemas() -> Iterator[None]:
    yield
    with psycopg.connect(DSN, autocommit=True) as conn:
        while _IDLE:
            conn.execute(f'DROP SCHEMA "{_IDLE.pop()}" CASCADE'.encode())


@pytest.fixture
def storage() -> Iterator[PostgresStorage]:
    storage = RecycledStorage()
    yield storage
    storage.close()


class TestCitusStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[PostgresStorage]:
        storage = RecycledStorage()
        yield storage
        storage.close()


# -- distribute ----------------------------------------------------------------------------


def _placement(schema: str) -> dict[str, tuple[str, int]]:
    """Each table of the schema Citus knows: (method, co-location group)."""
    with psycopg.connect(DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, p.partmethod, p.colocationid FROM pg_dist_partition p "
            "JOIN pg_class c ON c.oid = p.logicalrelid WHERE c.relnamespace = %s::regnamespace",
            (schema,),
        ).fetchall()
    return {name: (method, group) for name, method, group in rows}


@pytest.fixture
def schema() -> Iterator[str]:
    schema = f"crmkit_test_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


def test_distribute_hashes_every_crmkit_table_on_workspace_co_located(schema: str) -> None:
    assert distribute(FAST, schema=schema) == _crmkit_tables()
    placed = _placement(schema)
    assert set(placed) == set(_crmkit_tables())
    assert {method for method, _ in placed.values()} == {"h"}
    assert len({group for _, group in placed.values()}) == 1


def test_distribute_starts_with_contacts_and_keeps_the_schema_version_plain(schema: str) -> None:
    tables = distribute(FAST, schema=schema)
    assert tables[0] == "contacts"
    assert "crmkit_schema_version" not in _placement(schema)


def test_distribute_again_distributes_nothing(schema: str) -> None:
    distribute(FAST, schema=schema)
    assert distribute(FAST, schema=schema) == []


def test_an_upgrade_of_a_distributed_database_distributes_the_tables_it_adds(
    schema: str,
) -> None:
    """Distributed at the schema before the newest migration, then opened by this crmkit."""
    newest = load_migrations("crmkit.storage.postgres.migrations")[-1]
    added = [t for t in _crmkit_tables() if f"CREATE TABLE {t} " in newest.sql]
    assert added  # the newest migration adds tables; otherwise pick an older one
    PostgresStorage(FAST, schema=schema, pool_size=1).close()
    with psycopg.connect(FAST, autocommit=True, options=f"-c search_path={schema}") as conn:
        for table in reversed(added):
            conn.execute(f"DROP TABLE {table}".encode())
        conn.execute("DELETE FROM crmkit_schema_version WHERE version = %s", (newest.version,))
        older = [t for t in _crmkit_tables() if t not in added]
        assert distribute_tables(conn, older) == older
    storage = PostgresStorage(FAST, schema=schema, pool_size=1)
    try:
        assert storage.schema_version == newest.version
        assert storage._distributed_on_open == added
        assert {m for m, _ in _placement(schema).values()} == {"h"}
        assert set(_placement(schema)) == set(_crmkit_tables())
    finally:
        storage.close()
    assert distribute(FAST, schema=schema) == []


# -- the README's story --------------------------------------------------------------------


def test_the_instagram_then_phone_story_on_a_distributed_database(
    storage: PostgresStorage,
) -> None:
    crm = CRM(storage=storage, workspace="acme", default_region="AL")
    dm = crm.record(channel="instagram", handle="@besa.kola", name="Besa Kola",
                    summary="Asked about the Gold package", occurred_at=T0)  # fmt: skip
    crm.contacts.add_identity(dm.contact_id, phone="069 123 4567")
    call = crm.record(channel="phone", phone="+355 69 123 45 67", summary="Called back",
                      occurred_at=T0 + timedelta(days=2))  # fmt: skip
    resolved = crm.resolve(phone="+355 69 123 45 67").contact
    assert resolved is not None
    assert (resolved.name, call.contact_id) == ("Besa Kola", dm.contact_id)
    assert [i.summary for i in crm.timeline(dm.contact_id)] == [
        "Called back",
        "Asked about the Gold package",
    ]
    other = CRM(storage=storage, workspace="other", default_region="AL")
    assert other.resolve(phone="+355 69 123 45 67").contact is None
