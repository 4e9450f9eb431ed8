"""PostgreSQL checks that need no server: the missing extra, and migrations kept in step."""

from __future__ import annotations

import re
import sys

import pytest

from crmkit import CRM
from crmkit.errors import ConfigurationError
from crmkit.storage.migrations import load_migrations

_SQLITE = "crmkit.storage.sqlite.migrations"
_POSTGRES = "crmkit.storage.postgres.migrations"


@pytest.fixture
def without_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes `import psycopg` fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    for name in [m for m in sys.modules if m.startswith("crmkit.storage.postgres")]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.usefixtures("without_psycopg")
def test_opening_a_postgres_url_without_the_driver_names_the_extra() -> None:
    with pytest.raises(ConfigurationError, match=r"pip install 'crmkit\[postgres\]'"):
        CRM.open("postgresql://crm@127.0.0.1:5432/crm")


@pytest.mark.usefixtures("without_psycopg")
def test_importing_the_backend_without_the_driver_names_the_extra() -> None:
    with pytest.raises(ConfigurationError, match=r"crmkit\[postgres\]"):
        from crmkit.storage import PostgresStorage  # noqa: F401


def _tables(package: str) -> set[str]:
    sql = "\n".join(m.sql for m in load_migrations(package))
    return set(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", sql, flags=re.IGNORECASE))


def test_every_sqlite_migration_has_its_postgres_mirror() -> None:
    def names(package: str) -> list[tuple[int, str]]:
        return [(m.version, m.name) for m in load_migrations(package)]

    assert names(_POSTGRES) == names(_SQLITE)


def test_both_backends_create_the_same_tables() -> None:
    assert _tables(_POSTGRES) == _tables(_SQLITE)
