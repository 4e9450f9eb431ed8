"""``crm.contacts``: create, read, change and look up people."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._api.funnel.lifecycle import lifecycle_history, set_lifecycle
from crmkit._api.identity._identities import lookup_keys
from crmkit._api.privacy.erasure import Suppression, erase_contact
from crmkit._keywords import UNSET, Unset, given, refuse_unknown
from crmkit._types import JSONValue
from crmkit.contacts import Contact, ExternalIds
from crmkit.errors import StaleVersionError
from crmkit.funnel.lifecycle import LifecycleChange, LifecycleStages
from crmkit.privacy.erasure import ErasureRecord
from crmkit.privacy.person_export import export_person

__all__ = ["ContactsAPI"]


class ContactsAPI:
    """Contacts of the CRM's workspace.

    >>> from crmkit import CRM
    >>> crm = CRM(default_region="AL")
    >>> c = crm.contacts.create(name="Besa Kola", phones=["069 123 4567"])
    >>> crm.contacts.find(phone="+355 69 123 4567").name
    'Besa Kola'
    """

    def __init__(self, ctx: Context, lifecycle_stages: LifecycleStages | None = None) -> None:
        self._ctx = ctx
        self._stages = lifecycle_stages or LifecycleStages.default()

    def set_lifecycle(
        self,
        contact_id: str,
        stage: str,
        *,
        at: Any = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> Contact:
        """Move the contact to a lifecycle stage (subscriber, lead, ..., customer; or an exit
        such as disqualified, which needs a reason); the step is kept in its history.

        >>> from crmkit import CRM
        >>> crm = CRM()
        >>> c = crm.contacts.create(name="Besa")
        >>> _ = crm.contacts.set_lifecycle(c.id, "lead")
        >>> c = crm.contacts.set_lifecycle(c.id, "disqualified", reason="not our market")
        >>> c.lifecycle_stage, [h.to_stage for h in crm.contacts.lifecycle_history(c.id)]
        ('disqualified', ['lead', 'disqualified'])
        """
        return set_lifecycle(
            self._ctx, self._stages, contact_id, stage, at=at, by=by, reason=reason
        )

    def export(self, contact_id: str) -> dict[str, JSONValue]:
        """Everything held on the person as JSON-ready data (a subject access request): the
        contact, its organization, and the records of every kind that declares an export
        (:data:`crmkit.storage.kinds.RECORD_KINDS`: interactions, transactions, deals,
        lifecycle steps, consents, tasks, list changes, queued messages and review items).

        >>> import json
        >>> from crmkit import CRM
        >>> crm = CRM()
        >>> c = crm.contacts.create(name="Besa", emails=["besa@example.al"])
        >>> _ = crm.interactions.log(c.id, channel="email", summary="Asked for a quote")
        >>> data = crm.contacts.export(c.id)
        >>> data["contact"]["emails"], len(data["interactions"])
        (['besa@example.al'], 1)
        >>> _ = json.dumps(data)
        """
        with self._ctx.read() as uow:
            contact = uow.contacts.get(contact_id)
            org = (
                None
                if contact.organization_id is None
                else uow.organizations.find_by_id(contact.organization_id)
            )
            records: dict[str, list[Any]] = {
                kind.name: list(kind.export(uow, contact_id))
                for kind in self._ctx.record_kinds
                if kind.export is not None
            }
        return export_person(contact, records=records, organization=org, now=self._ctx.clock())

    def erase(
        self, contact_id: str, *, by: str | None = None, reason: str | None = None
    ) -> ErasureRecord:
        """Erase the person: their data goes, a hashed marker of each identity stays so that
        an import, :meth:`crmkit.CRM.record` or :meth:`create` cannot bring them back
        (:class:`crmkit.errors.SuppressedContactError`). Ledger entries stay for the accounts,
        detached and anonymised (see :mod:`crmkit.privacy.erasure`). All in one unit of work;
        erasing again returns the same record.

        >>> from crmkit import CRM
        >>> from crmkit.errors import SuppressedContactError
        >>> crm = CRM()
        >>> c = crm.contacts.create(name="Besa", emails=["besa@example.al"])
        >>> crm.contacts.erase(c.id, reason="asked to be forgotten").markers
        1
        >>> try:
        ...     crm.contacts.create(name="B.", emails=["Besa@Example.AL"])
        ... except SuppressedContactError as err:
        ...     print(err.field, err.value)
        email besa@example.al
        """
        return erase_contact(self._ctx, contact_id, by=by, reason=reason)

    def lifecycle_history(self, contact_id: str) -> list[LifecycleChange]:
        """The contact's lifecycle steps, oldest first."""
        return lifecycle_history(self._ctx, contact_id)

    @refuse_unknown("a contact")
    def create(
        self,
        *,
        name: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        emails: Iterable[str] | None = None,
        phones: Iterable[str] | None = None,
        handles: Mapping[str, str] | None = None,
        extra_handles: Iterable[tuple[str, str]] | None = None,
        external_ids: ExternalIds | None = None,
        region: str | None = None,
        city: str | None = None,
        address: str | None = None,
        postcode: str | None = None,
        birthday: date | str | None = None,
        organization_id: str | None = None,
        tags: Iterable[str] | None = None,
        custom: Mapping[str, object] | None = None,
        owner: str | None = None,
        lifecycle_stage: str | None = None,
        id: str | None = None,
    ) -> Contact:
        """Validate, normalise and store a new contact; identities must be free.

        *handles* maps a network to its handle (``{"instagram": "@besa.kola"}``), a second
        handle on a network goes in *extra_handles* as a ``(network, handle)`` pair;
        *external_ids* are ids in other systems (``"1042"``, ``("shopify", "1042")``, a
        list of those or ``{system: id}``); *region* is the country of the person (and of
        phone numbers written without a country code); *birthday* a date or
        ``"YYYY-MM-DD"``; *custom* holds JSON-safe values. Without *name*, the name is
        *given_name* and *family_name* together.
        """
        fields = given(locals(), absent=None)
        contact = Contact.new(
            default_region=self._ctx.default_region, now=self._ctx.clock(), **fields
        )
        with self._ctx.write() as uow:
            Suppression(self._ctx, uow).check_change(None, contact)
            uow.contacts.add(contact)
            uow.commit()
        return contact

    def get(self, contact_id: str) -> Contact:
        """The contact, or :class:`crmkit.errors.ContactNotFoundError`."""
        with self._ctx.read() as uow:
            return uow.contacts.get(contact_id)

    def all(self) -> Iterator[Contact]:
        """Every contact of the workspace."""
        with self._ctx.read() as uow:
            contacts = list(uow.contacts.iter_all())
        return iter(contacts)

    def count(self) -> int:
        with self._ctx.read() as uow:
            return uow.contacts.count()

    @refuse_unknown("a contact")
    def update(
        self,
        contact_id: str,
        *,
        expected_version: int | None = None,
        name: str | Unset | None = UNSET,
        given_name: str | Unset | None = UNSET,
        family_name: str | Unset | None = UNSET,
        emails: Iterable[str] | Unset | None = UNSET,
        phones: Iterable[str] | Unset | None = UNSET,
        handles: Mapping[str, str] | Unset | None = UNSET,
        extra_handles: Iterable[tuple[str, str]] | Unset | None = UNSET,
        external_ids: ExternalIds | Unset | None = UNSET,
        region: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        address: str | Unset | None = UNSET,
        postcode: str | Unset | None = UNSET,
        birthday: date | str | Unset | None = UNSET,
        organization_id: str | Unset | None = UNSET,
        tags: Iterable[str] | Unset | None = UNSET,
        custom: Mapping[str, object] | Unset | None = UNSET,
        owner: str | Unset | None = UNSET,
        lifecycle_stage: str | Unset | None = UNSET,
    ) -> Contact:
        """Change the fields given (read as in :meth:`create`; ``None`` clears one, a list
        or mapping replaces the whole of it) and return the new version.

        Pass ``expected_version`` (the version you read) to refuse a lost update with
        :class:`crmkit.errors.StaleVersionError`.
        """
        fields = given(locals(), skip=("contact_id", "expected_version"))
        with self._ctx.write() as uow:
            current = uow.contacts.get(contact_id)
            if expected_version is not None and current.version != expected_version:
                raise StaleVersionError("contact", contact_id, expected_version, current.version)
            new = current.changed(
                default_region=self._ctx.default_region, now=self._ctx.clock(), **fields
            )
            Suppression(self._ctx, uow).check_change(current, new)
            uow.contacts.update(new)
            uow.commit()
        return new

    def find(
        self,
        *,
        email: Any = None,
        phone: Any = None,
        handle: Any = None,
        external_id: Any = None,
        region: str | None = None,
    ) -> Contact | None:
        """The one contact holding exactly this identity, or ``None``.

        A shared identity (a family landline) held by several contacts finds ``None``; use
        :meth:`crmkit.CRM.resolve` to see them all.
        """
        _, keys = lookup_keys(
            region or self._ctx.default_region,
            email=email,
            phone=phone,
            handle=handle,
            external_id=external_id,
        )
        with self._ctx.read() as uow:
            owners = {c.id: c for _, key in keys for c in uow.contacts.find_by_identity(key)}
        return next(iter(owners.values())) if len(owners) == 1 else None

    def add_identity(
        self,
        contact_id: str,
        *,
        email: Any = None,
        phone: Any = None,
        handle: Any = None,
        external_id: Any = None,
        region: str | None = None,
        shared: bool = False,
    ) -> Contact:
        """Attach another email, phone, handle or external id (``"1042"`` or
        ``("shopify", "1042")``); ``shared=True`` marks it as one that several people use (a
        family landline or inbox)."""
        ids, _ = lookup_keys(
            region or self._ctx.default_region,
            email=email,
            phone=phone,
            handle=handle,
            external_id=external_id,
        )
        with self._ctx.write() as uow:
            current = uow.contacts.get(contact_id)
            fields: dict[str, Any] = {}
            if ids.email:
                fields["emails"] = [*current.emails, ids.email]
            if ids.phone:
                fields["phones"] = [*current.phones, ids.phone]
            if ids.handle and ids.handle not in current.all_handles:
                # A second handle on a network is kept beside the first, not instead of it.
                if ids.handle[0] in current.handles:
                    fields["extra_handles"] = [*current.extra_handles, ids.handle]
                else:
                    fields["handles"] = {**current.handles, ids.handle[0]: ids.handle[1]}
            if ids.external_id and ids.external_id not in current.external_ids:
                fields["external_ids"] = [*current.external_ids, ids.external_id]
            new = current.changed(now=self._ctx.clock(), **fields)
            if shared:
                new = attrs.evolve(
                    new,
                    shared_identities=new.shared_identities | {key for _, key in ids.lookup_keys()},
                )
            Suppression(self._ctx, uow).check_change(current, new)
            uow.contacts.update(new)
            uow.commit()
        return new
