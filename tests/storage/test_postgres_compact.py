"""``PostgresStorage.compact``: after it, nothing of an erased person is in the table files.

The byte scan reads the server's relation files (``pg_relation_filepath``), so it runs only
where the test process can read the server's data directory (a local server, run as root or
as the postgres user); elsewhere it is skipped and says why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crmkit import CRM

DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")
pytestmark = pytest.mark.postgres
if not DSN:
    pytest.skip("PostgreSQL tests not run: set CRMKIT_TEST_POSTGRES_DSN", allow_module_level=True)

import psycopg  # noqa: E402 - needs the skip above

from crmkit.storage.postgres import PostgresStorage  # noqa: E402

NAME = "Zyxwvut Qwertyuiop"
EMAIL = "zyxw.secret@zyxwmail.al"
NEEDLES = {"name": NAME.encode(), "email": EMAIL.encode(), "phone": b"355695551234"}


@pytest.fixture
def storage() -> Iterator[PostgresStorage]:
    storage = PostgresStorage(DSN, schema=f"crmkit_test_{uuid.uuid4().hex[:16]}")
    yield storage
    storage.drop_schema()


def _files(storage: PostgresStorage) -> list[Path]:
    """The data files of every table, index and TOAST table in the storage's schema."""
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # shared buffers written out, so the files are current
        (data_dir,) = conn.execute("SHOW data_directory").fetchone() or ("",)
        rows = conn.execute(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "UNION SELECT pg_relation_filepath(c.reltoastrelid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.reltoastrelid <> 0",
            (storage.schema, storage.schema),
        ).fetchall()
    return [Path(data_dir) / r[0] for r in rows if r[0]]


def _residue(storage: PostgresStorage) -> dict[str, int]:
    found: dict[str, int] = {}
    for file in _files(storage):
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            continue  # not created yet (an empty relation)
        except PermissionError:
            pytest.skip(f"the server's files are not readable by this process ({file})")
        for what, needle in NEEDLES.items():
            if count := data.count(needle):
                found[f"{file.name}: {what}"] = found.get(f"{file.name}: {what}", 0) + count
    return found


def _erase_a_person(crm: CRM) -> None:
    for i in range(20):
        crm.contacts.create(name=f"Other {i}", emails=[f"other{i}@example.al"])
    c = crm.contacts.create(
        name=NAME, emails=[EMAIL], phones=["+355 69 555 1234"], birthday=date(1987, 11, 23)
    )
    for i in range(3):
        crm.record(channel="email", email=EMAIL, summary=f"note {i} from {NAME}")
    crm.contacts.erase(c.id)


def test_deleted_rows_stay_in_the_files_until_compacted(storage: PostgresStorage) -> None:
    _erase_a_person(CRM(storage, default_region="AL"))
    assert _residue(storage)  # what compact() is for: dead tuples and index entries


def test_nothing_of_an_erased_person_is_in_the_files_after_compact(
    storage: PostgresStorage,
) -> None:
    crm = CRM(storage, default_region="AL")
    _erase_a_person(crm)
    tables = storage.compact()
    assert {"contacts", "identities", "interactions", "automation_keys"} <= set(tables)
    assert _residue(storage) == {}
    assert crm.contacts.count() == 20  # the living are untouched


def test_a_plain_vacuum_leaves_the_tables_usable(storage: PostgresStorage) -> None:
    crm = CRM(storage, default_region="AL")
    _erase_a_person(crm)
    assert "contacts" in storage.compact(full=False)
    assert crm.contacts.count() == 20
