"""A SQL database as an older crmkit left it: ``sql_backend.back_to(version, *sql)`` undoes
the newer migrations (then runs *sql*, to write what that crmkit could), so a test can check
what opening it with this crmkit does.

PostgreSQL runs when CRMKIT_TEST_POSTGRES_DSN is set, in a schema of its own dropped after.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmkit.storage.migrations import load_migrations
from crmkit.storage.protocols import Storage

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
