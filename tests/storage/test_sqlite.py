from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from crmkit.errors import SchemaVersionError, StorageUnavailableError
from crmkit.segments import field
from crmkit.storage import SQLiteStorage
from crmkit.storage.migrations import load_migrations
from crmkit.testing import RecordStoreMachine, StorageContract, StorageMachine


class TestSQLiteStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[SQLiteStorage]:
        storage = SQLiteStorage(tmp_path / "crm.sqlite")
        yield storage
        storage.close()


class TestSQLiteInMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[SQLiteStorage]:
        storage = SQLiteStorage(":memory:")
        yield storage
        storage.close()


class _ThrowawayFile(SQLiteStorage):
    """A database file in a folder of its own, removed when the state machine closes it
    (hundreds of runs must not leave hundreds of folders in the temporary directory)."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp()
        super().__init__(Path(self.folder) / "machine.sqlite")

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _fresh_file_storage() -> SQLiteStorage:
    return _ThrowawayFile()


TestSQLiteMachine = StorageMachine.for_backend(_fresh_file_storage).TestCase
TestSQLiteMachine.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


TestSQLiteRecordsMachine = RecordStoreMachine.for_backend(_fresh_file_storage).TestCase
TestSQLiteRecordsMachine.settings = settings(
    max_examples=20,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_reopening_a_file_keeps_the_data_and_schema_version(tmp_path: Path) -> None:
    from crmkit import CRM

    path = tmp_path / "crm.sqlite"
    with CRM.open(str(path)) as crm:
        crm.contacts.create(name="Besa")
        version = crm.storage.schema_version  # type: ignore[attr-defined]
    with CRM.open(str(path)) as crm:
        assert [c.name for c in crm.contacts.all()] == ["Besa"]
        assert crm.storage.schema_version == version >= 1  # type: ignore[attr-defined]


def test_database_from_a_newer_crmkit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    SQLiteStorage(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(SchemaVersionError) as info:
        SQLiteStorage(path)
    assert info.value.found == 999


@pytest.mark.parametrize("fresh", [True, False], ids=["empty file", "crmkit file"])
def test_a_negative_user_version_is_refused_naming_it(tmp_path: Path, fresh: bool) -> None:
    # Migrations used to run from migrations[-1:]: only the last one, then a confusing error.
    path = tmp_path / "tampered.sqlite"
    if not fresh:
        SQLiteStorage(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = -1")
    conn.close()
    with pytest.raises(SchemaVersionError, match=r"version -1 is not one crmkit writes") as info:
        SQLiteStorage(path)
    assert info.value.found == -1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == -1  # nothing was applied
    conn.close()


def test_unopenable_path_raises_storage_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailableError):
        SQLiteStorage(tmp_path / "no" / "such" / "dir" / "crm.sqlite")


def test_two_sqlite_memory_storages_are_separate() -> None:
    a, b = SQLiteStorage(":memory:"), SQLiteStorage(":memory:")
    from crmkit.contacts import Contact

    with a.unit_of_work("w") as uow:
        uow.contacts.add(Contact.new(name="A"))
        uow.commit()
    with b.unit_of_work("w") as uow:
        assert uow.contacts.count() == 0


def _back_to(path: Path, version: int) -> None:
    """Put the file back at schema *version*, as an older crmkit left it."""
    conn = sqlite3.connect(path)
    for migration in reversed(load_migrations("crmkit.storage.sqlite.migrations")[version:]):
        for table in reversed(re.findall(r"CREATE TABLE (\w+)", migration.sql)):
            conn.execute(f"DROP TABLE {table}")
        for index in re.findall(r"CREATE UNIQUE INDEX (\w+)", migration.sql):
            conn.execute(f"DROP INDEX IF EXISTS {index}")  # SQLite keeps an indexed column
        for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", migration.sql):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def _pending(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_upgrading_to_match_keys_indexes_the_contacts_already_held(tmp_path: Path) -> None:
    from crmkit import CRM

    path = tmp_path / "crm.sqlite"
    for ws in ("a", "b"):
        with CRM.open(str(path), workspace=ws, default_region="BG") as crm:
            crm.contacts.create(name="Hristo Stoyanov", city="Sofia", phones=["0887 123 456"])
    _back_to(path, 10)  # as a crmkit from before fuzzy matching left it
    for ws in ("a", "b"):
        with CRM.open(str(path), workspace=ws, default_region="BG") as crm:
            found = crm.resolve(name="Христо Стоянов", city="София").candidates
            assert [c.contact.name for c in found] == ["Hristo Stoyanov"]
            assert [c.name for c in crm.segments.members(field("city") == "SOFIA")] == [
                "Hristo Stoyanov"
            ]
    assert _pending(path, "match_keys_pending") == 0
    assert _pending(path, "fold_pending") == 0


def test_upgrading_past_the_persian_h_reading_rebuilds_stale_match_keys(tmp_path: Path) -> None:
    from crmkit import CRM

    path = tmp_path / "crm.sqlite"
    with CRM.open(str(path), default_region="IR") as crm:
        crm.contacts.create(name="زهرا احمدی", phones=["0901 650 0289"])
    conn = sqlite3.connect(path)
    # The blocking key an older crmkit filed "زهرا" under ("زهرا" was read "ira").
    conn.execute("UPDATE match_keys SET key = replace(key, 'zr', 'r')")
    conn.commit()
    conn.close()
    _back_to(path, 15)
    with CRM.open(str(path), default_region="IR") as crm:
        found = crm.resolve(name="Zahra Ahmadi").candidates
        assert [c.contact.name for c in found] == ["زهرا احمدی"]
    assert _pending(path, "match_keys_pending") == 0
