"""Organizations on any SQL backend."""

from __future__ import annotations

from typing import Any

from crmkit.errors import OrganizationNotFoundError
from crmkit.organizations import Organization
from crmkit.storage.sql._folded import ORGANIZATION_FOLDED, folded, twins
from crmkit.storage.sql._session import Dialect, Row, SQLSession
from crmkit.storage.sql._table import SQLTable, TableSpec

__all__ = ["SQLOrganizationRepository"]


def _to_row(o: Organization, d: Dialect) -> tuple[Any, ...]:
    return (
        o.id,
        o.name,
        o.legal_form,
        o.tax_id,
        o.vat_id,
        o.domain,
        o.industry,
        o.country,
        d.json(dict(o.custom)),
        d.ts(o.created_at),
        o.version,
        *folded(o, ORGANIZATION_FOLDED),
    )


def _from_row(r: Row, d: Dialect) -> Organization:
    return Organization(
        id=r[0],
        name=r[1],
        legal_form=r[2],
        tax_id=r[3],
        vat_id=r[4],
        domain=r[5],
        industry=r[6],
        country=r[7],
        custom=d.json_out(r[8]),
        created_at=d.ts_out(r[9]),
        version=r[10],
    )


ORGANIZATIONS = TableSpec(
    table="organizations",
    kind="organization",
    columns=(
        "id",
        "name",
        "legal_form",
        "tax_id",
        "vat_id",
        "domain",
        "industry",
        "country",
        "custom",
        "created_at",
        "version",
    ),
    to_row=_to_row,
    from_row=_from_row,
    not_found=OrganizationNotFoundError,
    derived=twins(ORGANIZATION_FOLDED),
)


class SQLOrganizationRepository(SQLTable[Organization]):
    def __init__(self, db: SQLSession, workspace: str) -> None:
        super().__init__(db, workspace, ORGANIZATIONS)
