"""``crmkit db distribute``: run as a real process against the servers the environment names
(``CRMKIT_TEST_CITUS_DSN``, ``CRMKIT_TEST_POSTGRES_DSN``); bad input needs no server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from crmkit.storage.postgres import _crmkit_tables

Run = Callable[..., tuple[int, str, str]]


def crmkit(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def server(variable: str) -> str:
    dsn = os.environ.get(variable, "")
    if not dsn:
        pytest.skip(f"{variable} is not set")
    return dsn


@pytest.fixture
def schema() -> Iterator[str]:
    schema = f"crmkit_cli_{uuid.uuid4().hex[:12]}"
    yield schema
    dsn = os.environ.get("CRMKIT_TEST_CITUS_DSN")
    if not dsn:  # the test was skipped: no server, nothing to drop
        return
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


def test_a_sqlite_file_is_refused_in_one_line(run: Run, db: str) -> None:
    status, out, err = run("db", "distribute", "--db", db)
    assert (status, out) == (2, "")
    assert err == f"crmkit db: --db {db}: expected a postgresql:// URL of a Citus coordinator\n"


def test_a_bad_schema_name_is_refused_in_one_line(run: Run) -> None:
    status, _, err = run(
        "db", "distribute", "--db", "postgresql://x@127.0.0.1:1/x", "--schema", "Bad-Name"
    )
    assert status == 2
    assert err.count("\n") == 1


@pytest.mark.postgres
def test_plain_postgresql_is_refused_in_one_line_naming_citus() -> None:
    done = crmkit("db", "distribute", "--db", server("CRMKIT_TEST_POSTGRES_DSN"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "has no citus extension" in done.stderr


@pytest.mark.postgres
def test_distributes_every_table_once_then_nothing(schema: str) -> None:
    dsn = server("CRMKIT_TEST_CITUS_DSN")
    sep = "&" if "?" in dsn else "?"
    dsn = f"{dsn}{sep}options=-c%20citus.shard_count%3D2"
    first = crmkit("db", "distribute", "--db", dsn, "--schema", schema)
    assert (first.returncode, first.stderr) == (0, "")
    tables = _crmkit_tables()
    assert first.stdout == f"distributed {len(tables)} tables on workspace: {', '.join(tables)}\n"
    again = crmkit("db", "distribute", "--db", dsn, "--schema", schema)
    assert (again.returncode, again.stdout) == (
        0,
        "every crmkit table is distributed already; nothing to do\n",
    )
