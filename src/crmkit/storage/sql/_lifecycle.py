"""Contact lifecycle steps on any SQL backend."""

from __future__ import annotations

from typing import Any

from crmkit.errors import LifecycleChangeNotFoundError
from crmkit.funnel.lifecycle import LifecycleChange
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec

__all__ = ["SQLLifecycleRepository"]


def _to_row(c: LifecycleChange, d: Dialect) -> tuple[Any, ...]:
    return (c.id, c.contact_id, c.from_stage, c.to_stage, d.ts(c.at), c.by, c.reason)


def _from_row(r: Row, d: Dialect) -> LifecycleChange:
    return LifecycleChange(r[0], r[1], r[2], r[3], d.ts_out(r[4]), r[5], r[6])


LIFECYCLE_CHANGES = TableSpec(
    "lifecycle_changes",
    "lifecycle change",
    ("id", "contact_id", "from_stage", "to_stage", "at", "by_user", "reason"),
    _to_row,
    _from_row,
    LifecycleChangeNotFoundError,
    versioned=False,
    contact_column="contact_id",
)


class SQLLifecycleRepository(SQLTable[LifecycleChange]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, LIFECYCLE_CHANGES)

    def for_contact(self, contact_id: str) -> list[LifecycleChange]:
        return self.select("AND contact_id = ?", [contact_id], order="at, id")

    def latest_for_contact(self, contact_id: str) -> LifecycleChange | None:
        found = self.select("AND contact_id = ?", [contact_id], order="at DESC, id DESC LIMIT 1")
        return found[0] if found else None
