"""A long import into a SQLite file lets other writers in between its batches (issue #18).

The import runs in a thread and stops after its first batch (in its progress callback) until
the test lets it go on; meanwhile a second CRM on the same file, with its own connection,
records a message. That connection waits for no lock (busy timeout 0), so an import holding
the write lock makes it fail at once with "database is locked" instead of after 30 s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crmkit import CRM
from crmkit.errors import StorageError
from crmkit.importing import ImportReport
from crmkit.storage import SQLiteStorage

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ROWS = [{"full_name": f"Person {i}", "email": f"p{i}@example.al"} for i in range(30)]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "crm.sqlite"


@pytest.fixture
def other(path: Path) -> Iterator[CRM]:
    """Another process's view of the file: its own storage, so its own connection."""
    with CRM(storage=SQLiteStorage(path), default_region="AL", clock=lambda: T0) as crm:
        crm.contacts.create(name="Besa", emails=["besa@example.al"])
        crm.storage._connection().execute("PRAGMA busy_timeout = 0")  # type: ignore[attr-defined]
        yield crm


def _import_paused_after_first_batch(
    path: Path, while_paused: Callable[[], Any], **options: Any
) -> tuple[Any, ImportReport]:
    """Run the import in a thread; call *while_paused* once its first batch of 10 is done."""
    paused, resume = threading.Event(), threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        if (stage, done) == ("import", 10):
            paused.set()
            assert resume.wait(timeout=30)

    with (
        CRM.open(str(path), default_region="AL", clock=lambda: T0) as importer,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        running = pool.submit(importer.import_contacts, ROWS, progress=progress, **options)
        assert paused.wait(timeout=30)
        try:
            result = while_paused()
        except StorageError as exc:
            result = exc
        finally:
            resume.set()
        report = running.result(timeout=60)
    return result, report


def test_another_writer_records_while_an_import_is_between_batches(path: Path, other: CRM) -> None:
    def record() -> str:
        return other.record(email="besa@example.al", channel="email", summary="mid-import").id

    recorded, report = _import_paused_after_first_batch(path, record, batch_size=10)
    assert isinstance(recorded, str)
    assert report.created == 30
    besa = other.contacts.find(email="besa@example.al")
    assert besa is not None
    assert [i.id for i in other.timeline(besa.id)] == [recorded]
    assert other.contacts.count() == 31


def test_the_other_writer_sees_the_batches_committed_so_far(path: Path, other: CRM) -> None:
    counted, _ = _import_paused_after_first_batch(path, other.contacts.count, batch_size=10)
    assert counted == 1 + 10


def test_an_import_in_one_transaction_keeps_other_writers_out(path: Path, other: CRM) -> None:
    # The same set-up proves the point: without batches the second writer is refused.
    def record() -> str:
        return other.record(email="besa@example.al", channel="email").id

    refused, report = _import_paused_after_first_batch(
        path, record, batch_size=10, all_or_nothing=True
    )
    assert isinstance(refused, StorageError)
    assert "database is locked" in str(refused)
    assert report.created == 30
