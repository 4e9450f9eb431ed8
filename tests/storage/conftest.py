"""The database servers the PostgreSQL-family tests run against, named by the environment.

``CRMKIT_TEST_POSTGRES_DSN``: plain PostgreSQL. ``CRMKIT_TEST_CITUS_DSN``: a Citus
coordinator (``tools/citus-cluster.sh createdb NAME`` prints one); there every storage's
tables are distributed on ``workspace`` before it is used. A variable that is unset skips
its tests; one that is set but unreachable fails them (CI sets both).

A SQL database as an older crmkit left it: ``sql_backend.back_to(version, *sql)`` undoes
the newer migrations (then runs *sql*, to write what that crmkit could), so a test can check
what opening it with this crmkit does.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from crmkit.storage.migrations import load_migrations
from crmkit.storage.postgres import PostgresStorage, _crmkit_tables, distribute
from crmkit.storage.protocols import Storage

SERVERS = {"postgresql": "CRMKIT_TEST_POSTGRES_DSN", "citus": "CRMKIT_TEST_CITUS_DSN"}


def with_options(dsn: str, options: str) -> str:
    """``dsn`` with server settings added to its URL (crmkit keeps them beside its own)."""
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options={options.replace(' ', '%20').replace('=', '%3D')}"


class Throwaway(PostgresStorage):
    """A storage in its own schema, dropped when the storage closes."""

    def close(self) -> None:
        self.drop_schema()


class Recycled(PostgresStorage):
    """A storage whose ``close`` empties its schema (one TRUNCATE, in the background) and
    keeps it for a later test: on Citus, distributing 33 tables takes seconds."""

    def __init__(self, server: Server, schema: str) -> None:
        super().__init__(server.dsn, schema=schema)
        self.server = server

    def close(self) -> None:
        self.server.give_back(self)

    def empty(self) -> None:
        with self._pool.connection() as conn:
            conn.execute(f"TRUNCATE {', '.join(_crmkit_tables())}".encode())


class Server:
    """One database server of the tests: opens storages in fresh or emptied schemas."""

    def __init__(self, kind: str, dsn: str) -> None:
        self.kind = kind
        # Two shards per table (one on each worker) instead of Citus's default 32: the same
        # routing, and a schema's tables distribute in a fraction of the time.
        self.dsn = with_options(dsn, "-c citus.shard_count=2") if kind == "citus" else dsn
        self._idle: list[tuple[Recycled, Future[None]]] = []
        self._emptier = ThreadPoolExecutor(max_workers=1)

    def _new_schema(self) -> str:
        schema = f"crmkit_test_{uuid.uuid4().hex[:16]}"
        if self.kind == "citus":
            distribute(self.dsn, schema=schema)
        return schema

    def throwaway(self, *, pool_size: int = 8) -> Throwaway:
        return Throwaway(self.dsn, schema=self._new_schema(), pool_size=pool_size)

    def recycled(self) -> Recycled:
        """An empty storage: one emptied by an earlier test, else a new one."""
        for n, (storage, emptied) in enumerate(self._idle):
            if emptied.done() or len(self._idle) > 2:
                del self._idle[n]
                if emptied.exception() is None:
                    return storage
                # Emptied while a test had a worker down: not reusable, start afresh.
                break
        return Recycled(self, self._new_schema())

    def give_back(self, storage: Recycled) -> None:
        if all(storage is not s for s, _ in self._idle):
            self._idle.append((storage, self._emptier.submit(storage.empty)))

    def drop_all(self) -> None:
        while self._idle:
            storage, emptied = self._idle.pop()
            emptied.exception()  # waits; a failed emptying still leaves a schema to drop
            storage.drop_schema()
        self._emptier.shutdown()


_SERVERS: dict[str, Server] = {}


@pytest.fixture(scope="session", autouse=True)
def _drop_recycled_schemas() -> Iterator[None]:
    yield
    for server in _SERVERS.values():
        server.drop_all()


def server_from_environment(kind: str) -> Server:
    variable = SERVERS[kind]
    dsn = os.environ.get(variable, "")
    if not dsn:
        pytest.skip(f"{variable} is not set")
    if kind not in _SERVERS:
        _SERVERS[kind] = Server(kind, dsn)
    return _SERVERS[kind]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run only when asked for (``-m slow``)."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long-running: run with -m slow")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Server:
    """Each server the environment names, in turn."""
    return server_from_environment(request.param)


@pytest.fixture
def citus() -> Server:
    return server_from_environment("citus")


@pytest.fixture
def plain_postgres() -> Server:
    return server_from_environment("postgresql")


@pytest.fixture
def shared(server: Server) -> Iterator[PostgresStorage]:
    """An empty storage on each server in turn, for tests of concurrent writers."""
    storage = server.recycled()
    yield storage
    storage.close()


# -- databases as an older crmkit left them ----------------------------------------

DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")
_ADDED = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)")
_CREATED = re.compile(r"CREATE TABLE (\w+)")
_UNIQUE = re.compile(r"CREATE UNIQUE INDEX (\w+)")


def _undo(package: str, version: int) -> list[str]:
    """SQL that takes a database at the newest schema back to *version*, newest first."""
    out: list[str] = []
    for migration in reversed(load_migrations(package)[version:]):
        out += [f"DROP TABLE {t}" for t in reversed(_CREATED.findall(migration.sql))]
        # SQLite keeps a column an index covers; PostgreSQL would drop the index with it.
        out += [f"DROP INDEX IF EXISTS {i}" for i in _UNIQUE.findall(migration.sql)]
        out += [f"ALTER TABLE {t} DROP COLUMN {c}" for t, c in _ADDED.findall(migration.sql)]
    return out


class SQLiteBackend:
    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self) -> Storage:
        from crmkit.storage import SQLiteStorage

        return SQLiteStorage(self.path)

    def back_to(self, version: int, *then: str) -> None:
        conn = sqlite3.connect(self.path)
        for statement in _undo("crmkit.storage.sqlite.migrations", version):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
        for statement in then:
            conn.execute(statement)
        conn.commit()
        conn.close()

    def drop(self) -> None:
        pass


class PostgresBackend:
    def __init__(self) -> None:
        self.schema = f"crmkit_test_{uuid.uuid4().hex[:16]}"

    def open(self) -> Storage:
        from crmkit.storage.postgres import PostgresStorage

        return PostgresStorage(DSN, schema=self.schema, pool_size=2)

    def back_to(self, version: int, *then: str) -> None:
        from crmkit.storage.postgres import PostgresStorage

        storage = self.open()  # at the newest schema: opening it changes nothing
        assert isinstance(storage, PostgresStorage)
        with storage._connect() as conn:
            for statement in _undo("crmkit.storage.postgres.migrations", version):
                conn.execute(statement.encode())
            conn.execute(f"DELETE FROM crmkit_schema_version WHERE version > {version}".encode())
            for statement in then:
                conn.execute(statement.encode())
        storage.close()

    def drop(self) -> None:
        from crmkit.storage.postgres import PostgresStorage

        storage = self.open()
        assert isinstance(storage, PostgresStorage)
        storage.drop_schema()


@pytest.fixture(params=["sqlite", *(["postgres"] if DSN else [])])
def sql_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[SQLiteBackend | PostgresBackend]:
    made: SQLiteBackend | PostgresBackend = (
        SQLiteBackend(tmp_path / "crm.sqlite") if request.param == "sqlite" else PostgresBackend()
    )
    yield made
    made.drop()
