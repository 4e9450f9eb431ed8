"""Imports committed in batches: the same result as one transaction, and safe to repeat."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from crmkit.crm import CRM
from crmkit.errors import ImportInterruptedError, StorageError, ValidationError
from crmkit.importing import ImportReport
from crmkit.storage.protocols import Storage, UnitOfWork
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["ImportContract"]

# Rows that find each other across batches of every size tried: by email, by phone, by the
# fingerprint of a name-only row, namesakes (the same cells again), a conflict between two
# people made by earlier rows, a bad row, likely duplicates filed for review, and two
# records of one person that only the duplicate finder links.
ROWS: list[Mapping[str, Any]] = [
    {"full_name": "Besa Kola", "email": "besa@example.al", "city": "Tiranë"},
    {"full_name": "Ivan Petrov", "phone": "+359 888 123 456", "company": "Alfa Trade"},
    {"full_name": "Drita Leka", "city": "Durrës"},
    {"full_name": "Христо Стоянов", "instagram": "hristo.st", "region": "BG"},
    {"full_name": "Arta Hoxha", "email": "arta@example.al"},
    {
        "full_name": "Elira Gashi",
        "email": "elira.gashi@gmail.com",
        "city": "Tiranë",
        "birthday": "1990-03-04",
    },
    {"full_name": "Nobody", "email": "not-an-email"},
    {"email": "BESA@example.al", "phone": "069 123 4567", "tags": "vip"},
    {"full_name": "Drita Leka", "city": "Durrës"},
    {"phone": "069 123 4567", "instagram": "besa.kola"},
    {"full_name": "Hristo Stoyanov", "phone": "+359 887 123 456"},
    {"email": "arta@example.al", "phone": "+359 888 123 456"},
    {"full_name": "Ivan Petrov", "email": "ivan@example.bg", "phone": "+359 888 123 456"},
    {"full_name": "Drita Leka", "city": "Durrës"},
    {"email": "besa@example.al", "postcode": "1001"},
    {"full_name": "Arta Hoxha", "email": "arta@example.al", "tags": "b2b"},
    {
        "full_name": "Elira Gashi",
        "phone": "069 765 4321",
        "city": "Tiranë",
        "birthday": "1990-03-04",
    },
]


def _state(crm: CRM, report: ImportReport) -> tuple[Any, ...]:
    """Everything an import decided, without the (random) ids: each row's outcome, which
    rows became one contact (a contact is named by the first row that reached it), the
    contacts, and the review items."""
    first_row: dict[str, str] = {}
    for row in report.rows:
        if row.contact_id is not None:
            first_row.setdefault(row.contact_id, f"<row {row.index}>")

    def named(text: str | None) -> str:
        text = text or ""
        for contact_id, name in first_row.items():
            text = text.replace(contact_id, name)
        return text

    outcomes = [
        (r.index, r.action, named(r.contact_id), named(r.reason), r.review_id is not None)
        for r in report.rows
    ]
    contacts = sorted(
        (
            named(c.id),
            c.name,
            c.emails,
            c.phones,
            sorted(c.handles.items()),
            sorted(c.tags),
            sorted(c.custom.items()),
            c.city,
            c.postcode,
        )
        for c in crm.contacts.all()
    )
    reviews = sorted(
        (named(i.contact_id), tuple(map(named, i.candidate_ids)), i.reasons)
        for i in crm.review_queue()
    )
    groups = sorted(sorted(map(named, g.contact_ids)) for g in crm.find_duplicates())
    return tuple(outcomes), contacts, reviews, groups


class ImportContract(ContractBase):
    """``crm.import_contacts`` commits ``batch_size`` rows per transaction on every backend."""

    def _import_crm(self, storage: Storage, workspace: str) -> CRM:
        return CRM(storage=storage, workspace=workspace, default_region="AL", clock=lambda: T0)

    def _fail_commit(self, storage: Storage, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
        """The *nth* commit from now fails, as on a full disk: nothing of its unit is written."""
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            unit_class = type(uow)
        original = unit_class.commit
        commits = itertools.count(1)

        def commit(unit: UnitOfWork) -> None:
            if next(commits) == nth:
                raise StorageError("disk I/O error (a failure the contract injects)")
            original(unit)

        monkeypatch.setattr(unit_class, "commit", commit)

    def test_every_batch_size_gives_the_same_contacts_reviews_and_duplicates(
        self, storage: Storage
    ) -> None:
        states = []
        for size in (1, 7, 1000):
            crm = self._import_crm(storage, f"batches-{size}")
            states.append(_state(crm, crm.import_contacts(ROWS, batch_size=size)))
        assert states[0] == states[1] == states[2]
        outcomes, contacts, reviews, groups = states[0]
        assert [o[1] for o in outcomes].count("conflict") == 1
        assert (len(contacts), len(reviews), len(groups)) == (10, 4, 1)

    def test_a_row_finds_the_contact_an_earlier_batch_created(self, crm: CRM) -> None:
        rows = [
            {"full_name": "Besa Kola", "email": "besa@example.al"},
            {"email": "BESA@example.al", "phone": "069 123 4567"},  # by email
            {"phone": "069 123 4567", "instagram": "besa.kola"},
        ]  # by the phone row 1 added
        report = crm.import_contacts(rows, batch_size=1)
        assert [r.action for r in report.rows] == ["created", "updated", "updated"]
        assert len({r.contact_id for r in report.rows}) == 1
        besa = crm.contacts.find(handle=("instagram", "besa.kola"))
        assert besa is not None
        assert (besa.emails, besa.phones) == (("besa@example.al",), ("+355691234567",))

    def test_progress_is_called_after_each_committed_batch(self, crm: CRM) -> None:
        seen: list[tuple[int, int | None, int]] = []

        def progress(done: int, total: int | None) -> None:
            seen.append((done, total, crm.contacts.count()))

        crm.import_contacts(ROWS[:5], batch_size=2, progress=progress)
        assert seen == [(2, 5, 2), (4, 5, 4), (5, 5, 5)]

    def test_an_interrupted_import_keeps_the_batches_before_and_says_how_many(
        self, storage: Storage, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        crm = self._import_crm(storage, "interrupted")
        self._fail_commit(storage, monkeypatch, nth=3)
        with pytest.raises(ImportInterruptedError) as info:
            crm.import_contacts(ROWS, batch_size=4)
        err = info.value
        assert (err.committed, err.total) == (8, len(ROWS))
        assert [r.index for r in err.report.rows] == list(range(8))
        assert isinstance(err.__cause__, StorageError)
        assert "stopped at rows[8]" in str(err)
        assert "disk I/O error" in str(err)
        monkeypatch.undo()
        created = sum(1 for r in err.report.rows if r.action == "created")
        assert crm.contacts.count() == created

    def test_importing_the_rows_again_after_an_interruption_finishes_the_job(
        self, storage: Storage, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        crm = self._import_crm(storage, "resumed")
        self._fail_commit(storage, monkeypatch, nth=3)
        with pytest.raises(ImportInterruptedError):
            crm.import_contacts(ROWS, batch_size=4)
        monkeypatch.undo()
        again = crm.import_contacts(ROWS, batch_size=4)
        assert {r.action for r in again.rows[:8]} <= {"unchanged", "error", "conflict"}
        whole = self._import_crm(storage, "whole")
        once = whole.import_contacts(ROWS)
        assert _state(crm, again)[1:] == _state(whole, once)[1:]
        assert crm.import_contacts(ROWS).summary() == whole.import_contacts(ROWS).summary()

    def test_all_or_nothing_writes_nothing_when_a_late_row_fails(self, crm: CRM) -> None:
        with pytest.raises(ValidationError) as info:
            crm.import_contacts(ROWS, all_or_nothing=True, batch_size=2)
        assert info.value.field == "rows[6]"
        assert crm.contacts.count() == 0
        assert crm.review_queue() == []

    def test_all_or_nothing_writes_nothing_when_storage_fails(
        self, crm: CRM, storage: Storage, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._fail_commit(storage, monkeypatch, nth=1)
        with pytest.raises(StorageError):
            crm.import_contacts(ROWS[:4], all_or_nothing=True, batch_size=1)
        monkeypatch.undo()
        assert crm.contacts.count() == 0
