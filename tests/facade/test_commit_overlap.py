"""The import reads its next batch while the last one commits (``commit_while``), and what
happens when either side fails."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from crmkit import CRM
from crmkit._api import _import_batch, importing
from crmkit._api._overlap import commit_while
from crmkit.errors import ImportInterruptedError, StorageError
from crmkit.storage.protocols import commits_off_thread
from crmkit.storage.sqlite import SQLiteStorage


class _Unit:
    """A unit of work that records the thread its commit ran on."""

    def __init__(self, *, off_thread: bool, fail: bool = False) -> None:
        if off_thread:
            self.commits_off_thread = True
        self.fail = fail
        self.committed_on: threading.Thread | None = None
        self.started = threading.Event()
        self.release = threading.Event()

    def commit(self) -> None:
        self.started.set()
        if getattr(self, "commits_off_thread", False):
            # Waits for the caller's work: sequential code would never get there.
            assert self.release.wait(10), "the work did not run while the commit waited"
        self.committed_on = threading.current_thread()
        if self.fail:
            raise StorageError("disk I/O error")


def test_the_work_runs_while_the_commit_runs_on_another_thread() -> None:
    unit = _Unit(off_thread=True)

    def work() -> str:
        assert unit.started.wait(10)
        unit.release.set()
        return "read"

    assert commit_while(unit, work) == ("read", None)  # type: ignore[arg-type]
    assert unit.committed_on not in (None, threading.current_thread())


def test_without_the_flag_the_commit_ends_before_the_work_begins() -> None:
    unit = _Unit(off_thread=False)
    seen: list[bool] = []
    result = commit_while(unit, lambda: seen.append(unit.committed_on is not None))  # type: ignore[arg-type]
    assert seen == [True]
    assert result == (None, None)
    assert unit.committed_on is threading.current_thread()


def test_a_failed_commit_is_raised_once_the_work_has_ended() -> None:
    unit = _Unit(off_thread=True, fail=True)
    done: list[str] = []

    def work() -> None:
        unit.release.set()
        done.append("work")

    with pytest.raises(StorageError, match="disk I/O"):
        commit_while(unit, work)  # type: ignore[arg-type]
    assert done == ["work"]


@pytest.mark.parametrize("error", [ValueError("bad"), KeyboardInterrupt()])
def test_the_works_failure_is_handed_back_after_the_commit(error: BaseException) -> None:
    unit = _Unit(off_thread=True)

    def work() -> None:
        unit.release.set()
        raise error

    result, raised = commit_while(unit, work)  # type: ignore[arg-type]
    assert result is None
    assert raised is error
    assert unit.committed_on is not None


def test_sqlite_commits_off_thread_and_memory_does_not(tmp_path: Path) -> None:
    from crmkit.storage.memory import MemoryStorage

    with SQLiteStorage(str(tmp_path / "c.sqlite")).unit_of_work("w") as uow:
        assert commits_off_thread(uow)
    with MemoryStorage().unit_of_work("w") as uow:
        assert not commits_off_thread(uow)


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"full_name": f"Person {i}", "email": f"p{i}@example.al"} for i in range(n)]


def test_an_import_whose_next_batch_cannot_be_read_keeps_the_batch_committed_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = _import_batch.prepare_rows

    def prepare_rows(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        if len(calls) == 2:  # the second batch, read while the first commits
            raise MemoryError("no room for the next batch")
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "prepare_rows", prepare_rows)
    with CRM.open(str(tmp_path / "crm.sqlite"), default_region="AL") as crm:
        with pytest.raises(ImportInterruptedError) as info:
            crm.import_contacts(_rows(7), batch_size=3)
        assert info.value.committed == 3
        assert "MemoryError" in str(info.value)
        assert crm.contacts.count() == 3
    assert calls == [0, 3]


def test_a_batched_sqlite_import_gives_what_one_transaction_gives(tmp_path: Path) -> None:
    rows = [*_rows(10), *_rows(4), {"full_name": "Person 3", "phone": "069 123 4567"}]
    reports = []
    for size in (3, len(rows)):
        with CRM.open(str(tmp_path / f"crm{size}.sqlite"), default_region="AL") as crm:
            report = crm.import_contacts(rows, batch_size=size)
            reports.append(([(r.action, r.index) for r in report.rows], crm.contacts.count()))
    assert reports[0] == reports[1]
    assert reports[0][1] == 11
