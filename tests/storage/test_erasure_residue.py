"""An erasure leaves nothing of the person readable in the SQLite files, open or closed.

The raw bytes of the database file, its write-ahead log and its shared-memory index are
scanned for the erased person's values (as stored: the phone in E.164 digits).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crmkit import CRM
from crmkit.storage import SQLiteStorage
from crmkit.tasks import BirthdayGreeting

NAME = "Zyxwvut Qwertyuiop"
EMAIL = "zyxw.secret@zyxwmail.al"
PHONE = "+355 69 555 1234"
BIRTHDAY = date(1987, 11, 23)


def _residue(path: Path, needles: dict[str, bytes]) -> dict[str, int]:
    found: dict[str, int] = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        data = file.read_bytes() if file.exists() else b""
        for what, needle in needles.items():
            if count := data.count(needle):
                found[f"{file.name}: {what}"] = count
    return found


@pytest.fixture
def erased(tmp_path: Path) -> tuple[CRM, Path, dict[str, bytes]]:
    path = tmp_path / "crm.sqlite"
    crm = CRM(SQLiteStorage(path), default_region="AL")
    for i in range(50):
        crm.contacts.create(name=f"Other {i}", emails=[f"other{i}@example.al"])
    c = crm.contacts.create(name=NAME, emails=[EMAIL], phones=[PHONE], birthday=BIRTHDAY)
    for i in range(5):
        crm.record(channel="email", email=EMAIL, name=NAME, summary=f"note {i} from {NAME}")
    crm.consent.record(
        c.id, purpose="marketing_email", granted=True, at=datetime(2027, 1, 1, tzinfo=UTC)
    )
    crm.automation.run(date(2027, 11, 23), rules=[BirthdayGreeting()])
    needles = {
        "name": NAME.encode(),
        "email": EMAIL.encode(),
        "phone": b"355695551234",
        "birthday": BIRTHDAY.isoformat().encode(),
        "birthday greeting key": f"birthday:{c.id}:".encode(),
    }
    assert _residue(path, needles)  # the scan finds the person before the erasure
    crm.contacts.erase(c.id)
    return crm, path, needles


def test_nothing_of_an_erased_person_is_in_the_open_database_files(
    erased: tuple[CRM, Path, dict[str, bytes]],
) -> None:
    crm, path, needles = erased
    assert _residue(path, needles) == {}
    crm.close()


def test_nothing_of_an_erased_person_is_in_the_closed_database_file(
    erased: tuple[CRM, Path, dict[str, bytes]],
) -> None:
    crm, path, needles = erased
    crm.close()
    assert _residue(path, needles) == {}


def test_every_connection_runs_with_secure_delete(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "crm.sqlite")
    try:
        assert storage._connection().execute("PRAGMA secure_delete").fetchone() == (1,)
    finally:
        storage.close()


def test_compact_empties_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    with CRM(SQLiteStorage(path)) as crm:
        crm.contacts.create(name="Besa")
        assert path.with_name("crm.sqlite-wal").stat().st_size > 0
        assert isinstance(crm.storage, SQLiteStorage)
        assert crm.storage.compact() is True
        assert path.with_name("crm.sqlite-wal").stat().st_size == 0
