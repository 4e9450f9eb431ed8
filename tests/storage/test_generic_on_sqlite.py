"""crmkit's generic repositories on a real SQL record store: SQLite seen through its core
only (contacts, interactions, records), completed by ``crmkit.storage.complete``. The whole
contract must pass, as it does for SQLite's own repositories."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

import pytest

from crmkit.storage import SQLiteStorage, complete
from crmkit.storage.protocols import Storage, UnitOfWork
from crmkit.testing import StorageContract


class CoreUnit:
    """A unit of work offering the core members of another one and nothing else."""

    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit
        self.workspace = unit.workspace

    def __enter__(self) -> Self:
        self._unit.__enter__()
        self.contacts = self._unit.contacts
        self.interactions = self._unit.interactions
        self.records = self._unit.records
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._unit.__exit__(t, e, tb)

    def commit(self) -> None:
        self._unit.commit()

    def rollback(self) -> None:
        self._unit.rollback()


class CoreStorage:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> Any:
        return CoreUnit(self._storage.unit_of_work(workspace, read_only=read_only))

    def close(self) -> None:
        self._storage.close()


class TestGenericRepositoriesOnSQLite(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        storage = complete(CoreStorage(SQLiteStorage(":memory:")))
        yield storage
        storage.close()
