"""Organizations on any SQL backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmkit.contacts import Organization
from crmkit.errors import AlreadyExistsError, OrganizationNotFoundError, StaleVersionError
from crmkit.storage.sql._session import Dialect, Row, SQLSession

__all__ = ["SQLOrganizationRepository"]

_COLUMNS = ("id", "name", "legal_form", "tax_id", "vat_id", "domain", "industry", "country",
            "custom", "created_at", "version")  # fmt: skip
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM organizations WHERE workspace = ? "


def _to_row(o: Organization, d: Dialect) -> tuple[Any, ...]:
    return (o.id, o.name, o.legal_form, o.tax_id, o.vat_id, o.domain, o.industry, o.country,
            d.json(dict(o.custom)), d.ts(o.created_at), o.version)  # fmt: skip


def _from_row(r: Row, d: Dialect) -> Organization:
    return Organization(
        id=r[0], name=r[1], legal_form=r[2], tax_id=r[3], vat_id=r[4], domain=r[5],
        industry=r[6], country=r[7], custom=d.json_out(r[8]), created_at=d.ts_out(r[9]),
        version=r[10],
    )  # fmt: skip


class SQLOrganizationRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def add(self, org: Organization) -> None:
        if self.find_by_id(org.id) is not None:
            raise AlreadyExistsError("organization", org.id)
        self._db.execute(
            f"INSERT INTO organizations (workspace, {', '.join(_COLUMNS)}) "
            f"VALUES (?{', ?' * len(_COLUMNS)})",
            (self._ws, *_to_row(org, self._db.dialect)),
        )

    def get(self, org_id: str) -> Organization:
        found = self.find_by_id(org_id)
        if found is None:
            raise OrganizationNotFoundError(org_id)
        return found

    def find_by_id(self, org_id: str) -> Organization | None:
        row = self._db.fetchone(_SELECT + "AND id = ?", (self._ws, org_id))
        return None if row is None else _from_row(row, self._db.dialect)

    def update(self, org: Organization) -> None:
        old = self.get(org.id)
        if org.version != old.version + 1:
            raise StaleVersionError("organization", org.id, org.version - 1, old.version)
        row = _to_row(org, self._db.dialect)
        changed = self._db.execute(
            "UPDATE organizations SET "
            + ", ".join(f"{c} = ?" for c in _COLUMNS[1:])
            + " WHERE workspace = ? AND id = ? AND version = ?",
            (*row[1:], self._ws, org.id, old.version),
        )
        if changed != 1:
            raise StaleVersionError("organization", org.id, old.version, None)

    def iter_all(self) -> Iterator[Organization]:
        rows = self._db.fetchall(_SELECT + "ORDER BY id", (self._ws,))
        return (_from_row(r, self._db.dialect) for r in rows)

    def count(self) -> int:
        row = self._db.fetchone(
            "SELECT count(*) FROM organizations WHERE workspace = ?", (self._ws,)
        )
        return int(row[0]) if row else 0
