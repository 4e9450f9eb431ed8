"""The database servers the PostgreSQL-family tests run against, named by the environment.

``CRMKIT_TEST_POSTGRES_DSN``: plain PostgreSQL. ``CRMKIT_TEST_CITUS_DSN``: a Citus
coordinator (``tools/citus-cluster.sh createdb NAME`` prints one); there every storage's
tables are distributed on ``workspace`` before it is used. A variable that is unset skips
its tests; one that is set but unreachable fails them (CI sets both).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from crmkit.storage.postgres import PostgresStorage, _crmkit_tables, distribute

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
                emptied.result()
                return storage
        return Recycled(self, self._new_schema())

    def give_back(self, storage: Recycled) -> None:
        if all(storage is not s for s, _ in self._idle):
            self._idle.append((storage, self._emptier.submit(storage.empty)))

    def drop_all(self) -> None:
        while self._idle:
            storage, emptied = self._idle.pop()
            emptied.result()
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
def shared(server: Server) -> Iterator[PostgresStorage]:
    """An empty storage on each server in turn, for tests of concurrent writers."""
    storage = server.recycled()
    yield storage
    storage.close()
