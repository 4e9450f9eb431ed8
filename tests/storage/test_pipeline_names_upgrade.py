"""A database written before pipeline names were unique (migration 0020) may hold two
pipelines named alike: it opens, the oldest keeps the name, the younger get a suffix.

PostgreSQL runs when CRMKIT_TEST_POSTGRES_DSN is set (see conftest.py).
"""

from __future__ import annotations

from typing import Protocol

import pytest

from crmkit import CRM
from crmkit.errors import DuplicateNameError
from crmkit.storage.protocols import Storage


class _Backend(Protocol):  # tests/storage/conftest.py
    def open(self) -> Storage: ...

    def back_to(self, version: int, *then: str) -> None: ...


def test_an_older_database_with_names_alike_opens_with_each_name_once(
    sql_backend: _Backend,
) -> None:
    storage = sql_backend.open()
    a = CRM(storage=storage, workspace="a")
    sales, other, third = (a.pipelines.create(n, stages=["New"]) for n in ("Sales", "B", "C"))
    theirs = CRM(storage=storage, workspace="b").pipelines.create("Sales", stages=["New"])
    storage.close()
    sql_backend.back_to(  # as a crmkit from before unique names left it
        19,
        f"UPDATE pipelines SET name = 'SALES' WHERE id = '{other.id}'",
        f"UPDATE pipelines SET name = 'Sales' WHERE id = '{third.id}'",
    )
    storage = sql_backend.open()  # migrates, then keys the names of every workspace once
    try:
        a = CRM(storage=storage, workspace="a")
        assert [(p.id, p.name, p.version) for p in a.pipelines.all()] == [
            (sales.id, "Sales", 1),
            (other.id, "SALES (2)", 2),
            (third.id, "Sales (3)", 2),
        ]
        assert a.pipelines.get("sales").id == sales.id
        assert a.pipelines.get("Sales (3)").id == third.id
        with pytest.raises(DuplicateNameError):
            a.pipelines.create("sales (2)", stages=["New"])
        b = CRM(storage=storage, workspace="b")
        assert [(p.id, p.name, p.version) for p in b.pipelines.all()] == [(theirs.id, "Sales", 1)]
        with storage.unit_of_work("", read_only=True) as uow:
            session = uow.session  # type: ignore[attr-defined]
            assert session.fetchall("SELECT workspace FROM pipeline_names_pending") == []
    finally:
        storage.close()
