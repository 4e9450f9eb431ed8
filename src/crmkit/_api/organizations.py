"""``crm.organizations``: the companies and institutions contacts belong to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from crmkit._api._base import Context
from crmkit._keywords import UNSET, Unset, given, refuse_unknown
from crmkit.errors import StaleVersionError
from crmkit.organizations import Organization

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

    @refuse_unknown("an organization")
    def create(
        self,
        *,
        name: str,
        legal_form: str | None = None,
        tax_id: str | None = None,
        vat_id: str | None = None,
        domain: str | None = None,
        industry: str | None = None,
        country: str | None = None,
        custom: Mapping[str, object] | None = None,
        id: str | None = None,
    ) -> Organization:
        """A new organization: *country* is a two-letter code; *vat_id* is kept without
        spaces, *domain* without ``www.``; *custom* holds JSON-safe values."""
        org = Organization.new(name=name, **given(locals(), absent=None, skip=("name",)))
        with self._ctx.write() as uow:
            uow.organizations.add(org)
            uow.commit()
        return org

    def get(self, org_id: str) -> Organization:
        """The organization, or :class:`crmkit.errors.OrganizationNotFoundError`."""
        with self._ctx.read() as uow:
            return uow.organizations.get(org_id)

    @refuse_unknown("an organization")
    def update(
        self,
        org_id: str,
        *,
        expected_version: int | None = None,
        name: str | Unset = UNSET,
        legal_form: str | Unset | None = UNSET,
        tax_id: str | Unset | None = UNSET,
        vat_id: str | Unset | None = UNSET,
        domain: str | Unset | None = UNSET,
        industry: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        custom: Mapping[str, object] | Unset | None = UNSET,
    ) -> Organization:
        """Change the fields given (``None`` clears one) and return the new version;
        ``expected_version`` refuses a lost update as for ``crm.contacts.update``."""
        fields = given(locals(), skip=("org_id", "expected_version"))
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
