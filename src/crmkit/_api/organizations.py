"""``crm.organizations``: the companies and institutions contacts belong to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmkit._api._base import Context
from crmkit.contacts import Organization
from crmkit.errors import StaleVersionError

__all__ = ["OrganizationsAPI"]


class OrganizationsAPI:
    """Organizations of the CRM's workspace.

    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> alfa = crm.organizations.create(name="Alfa Trade", vat_id="BG 123456789", country="BG")
    >>> ivan = crm.contacts.create(name="Ivan Petrov", organization_id=alfa.id)
    >>> crm.organizations.get(ivan.organization_id).vat_id
    'BG123456789'
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(self, *, name: str, **fields: Any) -> Organization:
        org = Organization.new(name=name, **fields)
        with self._ctx.write() as uow:
            uow.organizations.add(org)
            uow.commit()
        return org

    def get(self, org_id: str) -> Organization:
        """The organization, or :class:`crmkit.errors.OrganizationNotFoundError`."""
        with self._ctx.read() as uow:
            return uow.organizations.get(org_id)

    def update(
        self, org_id: str, *, expected_version: int | None = None, **fields: Any
    ) -> Organization:
        with self._ctx.write() as uow:
            current = uow.organizations.get(org_id)
            if expected_version is not None and current.version != expected_version:
                raise StaleVersionError("organization", org_id, expected_version, current.version)
            new = current.changed(**fields)
            uow.organizations.update(new)
            uow.commit()
        return new

    def all(self) -> Iterator[Organization]:
        with self._ctx.read() as uow:
            return iter(list(uow.organizations.iter_all()))
