"""The PostgreSQL backend against the same contract as every backend.

Runs when CRMKIT_TEST_POSTGRES_DSN is set (CI sets it) and fails, not skips, when that server
is unreachable. Every storage lives in its own schema, dropped afterwards. Concurrent
writers are tested on PostgreSQL and on Citus alike in test_shared_writers.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from crmkit import Money
from crmkit.contacts import Contact
from crmkit.errors import (
    ConfigurationError,
    ConflictError,
    SchemaVersionError,
    StorageError,
    StorageUnavailableError,
    ValidationError,
)
from crmkit.interactions import Interaction
from crmkit.storage.migrations import load_migrations
from crmkit.testing import RecordStoreMachine, StorageContract, StorageMachine
from crmkit.value.ledger import Transaction

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")
pytestmark = pytest.mark.postgres
if not DSN:
    pytest.skip(
        "PostgreSQL suite not run: set CRMKIT_TEST_POSTGRES_DSN=postgresql://user@host/db "
        "(CI sets it)",
        allow_module_level=True,
    )

from crmkit.storage.postgres import (  # noqa: E402 - needs the skip above
    PostgresStorage,
    _crmkit_tables,
    distribute,
)


class ThrowawayPostgresStorage(PostgresStorage):
    """A storage in a fresh schema that is dropped when the storage closes."""

    def __init__(self) -> None:
        super().__init__(DSN, schema=f"crmkit_test_{uuid.uuid4().hex[:16]}")

    def close(self) -> None:
        self.drop_schema()


@pytest.fixture
def storage() -> Iterator[PostgresStorage]:
    storage = ThrowawayPostgresStorage()
    yield storage
    storage.close()


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def storage(self, plain_postgres: Any) -> Iterator[PostgresStorage]:
        # A schema an earlier test left, emptied by one TRUNCATE, when there is one (as the
        # Citus suite does): migrating a fresh schema for each of the contract's tests cost
        # more than most of the tests themselves.
        storage = plain_postgres.recycled()
        yield storage
        storage.close()


TestPostgresMachine = StorageMachine.for_backend(ThrowawayPostgresStorage).TestCase
TestPostgresMachine.settings = settings(
    max_examples=10,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


TestPostgresRecordsMachine = RecordStoreMachine.for_backend(ThrowawayPostgresStorage).TestCase
TestPostgresRecordsMachine.settings = settings(
    max_examples=8,
    stateful_step_count=20,
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


def test_a_negative_schema_version_is_refused_naming_it() -> None:
    storage = ThrowawayPostgresStorage()
    try:
        with storage._connect() as conn:
            conn.execute("DELETE FROM crmkit_schema_version")
            conn.execute("INSERT INTO crmkit_schema_version (version) VALUES (-1)")
            conn.commit()
        with pytest.raises(SchemaVersionError, match=r"version -1 is not one crmkit") as info:
            PostgresStorage(DSN, schema=storage.schema)
        assert info.value.found == -1
    finally:
        storage.close()


@pytest.mark.parametrize(
    ("dsn", "advice"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "is PostgreSQL running"),
        ("postgresql://postgres@127.0.0.1:5432/crmkit_no_such_db", "create the database"),
        ("postgresql://crmkit_no_such_role@127.0.0.1:5432/test", "check the user name"),
    ],
)
def test_unreachable_database_names_what_to_do(dsn: str, advice: str) -> None:
    with pytest.raises(StorageUnavailableError) as info:
        PostgresStorage(dsn, connect_timeout=2)
    assert advice in str(info.value)


def test_processes_opening_a_new_schema_at_once_migrate_it_once() -> None:
    schema = f"crmkit_test_{uuid.uuid4().hex[:16]}"
    opened: list[PostgresStorage] = []
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            opened = list(
                pool.map(lambda _: PostgresStorage(DSN, schema=schema, pool_size=1), range(4))
            )
        with opened[0]._connect() as conn:
            versions = [r[0] for r in conn.execute("SELECT version FROM crmkit_schema_version")]
        expected = [m.version for m in load_migrations("crmkit.storage.postgres.migrations")]
        assert sorted(versions) == expected
    finally:
        for s in opened[1:]:
            s.close()
        if opened:
            opened[0].drop_schema()


def test_failed_statement_asks_for_a_new_unit_of_work(storage: PostgresStorage) -> None:
    contact = Contact.new(name="A")
    it = Interaction.new(contact_id=contact.id, channel="phone")
    with storage.unit_of_work("w") as uow:
        uow.contacts.add(contact)
        uow.interactions.add(it)
        with pytest.raises(ConflictError):
            uow.interactions.add(it)
        with pytest.raises(StorageError, match="new unit of work"):
            uow.contacts.count()


def test_read_only_unit_refuses_writes_and_keeps_nothing(storage: PostgresStorage) -> None:
    contact = Contact.new(name="A")
    with storage.unit_of_work("w", read_only=True) as uow:
        with pytest.raises(StorageError, match="read-only"):
            uow.contacts.add(contact)
        with pytest.raises(StorageError, match="read-only"):
            uow.interactions.add_many([Interaction.new(contact_id=contact.id, channel="sms")])
    with storage.unit_of_work("w", read_only=True) as uow:
        assert uow.contacts.count() == 0


def test_bulk_copy_into_an_unknown_contact_is_a_conflict_and_writes_nothing(
    storage: PostgresStorage,
) -> None:
    rows = [Interaction.new(contact_id="nobody", channel="phone") for _ in range(3)]
    with storage.unit_of_work("w") as uow, pytest.raises(ConflictError):
        uow.interactions.add_many(rows)
    with storage.unit_of_work("w", read_only=True) as uow:
        assert uow.interactions.count() == 0


def test_bulk_ledger_rows_read_back_exactly(storage: PostgresStorage) -> None:
    contact = Contact.new(name="Buyer")
    with storage.unit_of_work("w") as uow:
        uow.contacts.add(contact)
        uow.commit()
    contact_id = contact.id
    txs = [
        Transaction.new(
            contact_id=contact_id,
            kind="purchase",
            amount=Money(f"{n}.10", "EUR"),
            occurred_at=T0 + timedelta(days=n),
            note=f"#{n}",
        )
        for n in range(5)
    ]
    with storage.unit_of_work("w") as uow:
        assert uow.transactions.add_many(txs) == 5
        uow.commit()
    with storage.unit_of_work("w", read_only=True) as uow:
        assert uow.transactions.for_contact(contact_id) == txs


def test_connections_run_in_utc_and_keep_options_from_the_url(storage: PostgresStorage) -> None:
    sep = "&" if "?" in DSN else "?"
    dsn = f"{DSN}{sep}options=-c%20statement_timeout%3D4321"
    other = PostgresStorage(dsn, schema=storage.schema, pool_size=1)
    try:
        with other.unit_of_work("w", read_only=True) as uow:
            assert uow.session.fetchone("SHOW statement_timeout") == ("4321ms",)
            assert uow.session.fetchone("SHOW TimeZone") == ("UTC",)
            assert uow.session.fetchone("SHOW search_path") == (storage.schema,)
    finally:
        other.close()


# -- the schema stays distributable by workspace (Citus) -----------------------------------

_KEYS = """
SELECT c.conrelid::regclass::text, c.contype,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
             ORDER BY k.pos),
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num
             ORDER BY k.pos)
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname = %s AND c.contype IN ('p', 'u', 'f')
"""
_UNIQUE_INDEXES = """
SELECT i.indexrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey))
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = %s AND i.indisunique
"""


def _tables(storage: PostgresStorage) -> set[str]:
    with storage._connect() as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (storage.schema,)
        ).fetchall()
    return {r[0] for r in rows} - {"crmkit_schema_version"}


def test_every_key_starts_with_or_carries_the_workspace(storage: PostgresStorage) -> None:
    with storage._connect() as conn:
        keys = conn.execute(_KEYS, (storage.schema,)).fetchall()
        unique = conn.execute(_UNIQUE_INDEXES, (storage.schema,)).fetchall()
    tables_with_pk = {table for table, kind, _, _ in keys if kind == "p"}
    assert tables_with_pk == _tables(storage)
    for table, kind, columns, referenced in keys:
        assert columns[0] == "workspace", (table, kind, columns)
        if kind == "f":
            assert referenced[0] == "workspace", (table, referenced)
    for index, columns in unique:
        assert "workspace" in columns, index


def test_distribute_covers_every_table_the_migrations_create(storage: PostgresStorage) -> None:
    """``distribute`` reads its tables from the migrations: they must be every table the
    database has, except the schema version (which has no workspace and stays plain)."""
    assert set(_crmkit_tables()) == _tables(storage)
    assert len(_crmkit_tables()) == len(set(_crmkit_tables()))


def test_docs_show_distribute_instead_of_hand_written_sql() -> None:
    page = (Path(__file__).parents[2] / "docs" / "postgres.md").read_text(encoding="utf-8")
    assert "distribute(" in page
    assert "crmkit db distribute --db" in page
    assert "create_distributed_table('" not in page


def test_distribute_refuses_a_server_without_citus_and_writes_nothing() -> None:
    schema = f"crmkit_test_{uuid.uuid4().hex[:16]}"
    with pytest.raises(ConfigurationError, match="has no citus extension"):
        distribute(DSN, schema=schema)
    with psycopg.connect(DSN) as conn:
        row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    assert row is None


# -- which schema crmkit's tables go in ----------------------------------------------------


@pytest.fixture
def foreign_schema() -> Iterator[str]:
    """A schema holding an application's own table and none of crmkit's."""
    schema = f"app_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"'.encode())
        conn.execute(f'CREATE TABLE "{schema}".orders (id int)'.encode())
    yield schema
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE'.encode())


def _tables_in(schema: str) -> set[str]:
    with psycopg.connect(DSN) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
        return {r[0] for r in rows}


def test_a_schema_of_other_tables_is_not_filled_unless_asked(foreign_schema: str) -> None:
    with pytest.raises(ConfigurationError, match=r"holds 1 tables and none of crmkit's"):
        PostgresStorage(DSN, schema=foreign_schema)
    assert _tables_in(foreign_schema) == {"orders"}  # nothing created
    PostgresStorage(DSN, schema=foreign_schema, create=True).close()
    assert {"orders", "contacts", "crmkit_schema_version"} <= _tables_in(foreign_schema)
    PostgresStorage(DSN, schema=foreign_schema).close()  # crmkit's now: opens as usual


def test_create_false_refuses_a_schema_without_crmkit_and_creates_nothing() -> None:
    schema = f"crmkit_test_{uuid.uuid4().hex[:16]}"
    with pytest.raises(ConfigurationError, match="holds no crmkit tables"):
        PostgresStorage(DSN, schema=schema, create=False)
    assert _tables_in(schema) == set()
    storage = PostgresStorage(DSN, schema=schema)  # absent: created
    try:
        PostgresStorage(DSN, schema=schema, create=False).close()  # now it has them
    finally:
        storage.drop_schema()
        storage.close()


def test_crm_open_keeps_crmkit_in_its_own_schema_by_default() -> None:
    from crmkit import CRM

    with CRM.open(DSN, workspace="schema-default") as crm:
        assert crm.storage.schema == "crmkit"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="only a PostgreSQL database has schemas"):
        CRM.open(":memory:", schema="crmkit")
