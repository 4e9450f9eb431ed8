"""The database servers the PostgreSQL-family tests run against, named by the environment.

``CRMKIT_TEST_POSTGRES_DSN``: plain PostgreSQL. ``CRMKIT_TEST_CITUS_DSN``: a Citus
coordinator (``tools/citus-cluster.sh createdb NAME`` prints one); there every throwaway
storage's tables are distributed on ``workspace`` before it is used. A variable that is unset
skips its tests; one that is set but unreachable fails them (CI sets both).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from crmkit.storage.postgres import PostgresStorage, distribute

SERVERS = {"postgresql": "CRMKIT_TEST_POSTGRES_DSN", "citus": "CRMKIT_TEST_CITUS_DSN"}


def with_options(dsn: str, options: str) -> str:
    """``dsn`` with server settings added to its URL (crmkit keeps them beside its own)."""
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options={options.replace(' ', '%20').replace('=', '%3D')}"


class Throwaway(PostgresStorage):
    """A storage in its own schema, dropped when the storage closes."""

    def close(self) -> None:
        self.drop_schema()


class Server:
    """One database server of the tests: opens throwaway storages in fresh schemas."""

    def __init__(self, kind: str, dsn: str) -> None:
        self.kind = kind
        # Four shards per table instead of Citus's default 32: the same routing, and a
        # throwaway schema's tables distribute in a fraction of the time.
        self.dsn = with_options(dsn, "-c citus.shard_count=4") if kind == "citus" else dsn

    def throwaway(self, *, schema: str | None = None, pool_size: int = 8) -> Throwaway:
        schema = schema or f"crmkit_test_{uuid.uuid4().hex[:16]}"
        if self.kind == "citus":
            distribute(self.dsn, schema=schema)
        return Throwaway(self.dsn, schema=schema, pool_size=pool_size)


def server_from_environment(kind: str) -> Server:
    variable = SERVERS[kind]
    dsn = os.environ.get(variable, "")
    if not dsn:
        pytest.skip(f"{variable} is not set")
    return Server(kind, dsn)


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Server:
    """Each server the environment names, in turn."""
    return server_from_environment(request.param)


@pytest.fixture
def shared(server: Server) -> Iterator[Throwaway]:
    """A throwaway storage on each server in turn, for tests of concurrent writers."""
    storage = server.throwaway()
    yield storage
    storage.close()
