"""``crm.lists``: static lists (snapshots with membership history) beside saved segments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from crmkit._api._base import Context
from crmkit._api.segments.api import SegmentsAPI
from crmkit._types import ensure_aware
from crmkit.contacts import Contact
from crmkit.errors import ContactNotFoundError, ValidationError
from crmkit.privacy.consent import AudienceMember, audience, check_purpose
from crmkit.segments import Segment
from crmkit.segments.lists import ListChange, StaticList, check_list_name, members_at
from crmkit.storage.protocols import UnitOfWork

__all__ = ["ListsAPI"]


def _ids(contact_ids: Iterable[str]) -> list[str]:
    if isinstance(contact_ids, str):
        raise ValidationError("contact_ids", contact_ids, "a collection of ids, not one id")
    out = list(dict.fromkeys(contact_ids))
    for cid in out:
        if not isinstance(cid, str) or not cid:
            raise ValidationError("contact_ids", cid, "expected a contact id")
    return out


def _by(by: str | None) -> str | None:
    if by is not None and (not isinstance(by, str) or not by.strip()):
        raise ValidationError("by", by, "the name of who changed the list")
    return by


class ListsAPI:
    """Named snapshot lists whose members change only when somebody changes them; every
    addition and removal is kept with who and when, so past membership can be read back.

    >>> from crmkit import CRM
    >>> from crmkit.segments import tag
    >>> crm = CRM()
    >>> ana = crm.contacts.create(name="Ana", tags={"vip"})
    >>> ivo = crm.contacts.create(name="Ivo")
    >>> _ = crm.lists.create("May launch", from_segment=tag("vip"), by="arta")
    >>> crm.lists.add("May launch", [ivo.id], by="arta")
    1
    >>> [c.name for c in crm.lists.members("May launch")], crm.lists.list()
    (['Ana', 'Ivo'], ['May launch'])
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _change(
        self, uow: UnitOfWork, name: str, ids: list[str], added: bool, by: str | None
    ) -> int:
        """Record additions (or removals) of the ids not already in (or out of) the list."""
        known = uow.contacts.existing_ids(ids)
        missing = [cid for cid in ids if cid not in known]
        if missing:
            raise ContactNotFoundError(missing[0])
        current = set(members_at(uow.lists.changes(name)))
        at = self._ctx.clock()
        changes = [
            ListChange.new(list_name=name, contact_id=cid, added=added, at=at, by=by)
            for cid in ids
            if (cid in current) != added
        ]
        uow.lists.add_changes(changes)
        return len(changes)

    def create(
        self,
        name: str,
        *,
        from_segment: Segment | None = None,
        contact_ids: Iterable[str] = (),
        by: str | None = None,
    ) -> StaticList:
        """A new list holding the segment's members now (a snapshot, never re-evaluated)
        and/or the given contacts; :class:`crmkit.errors.AlreadyExistsError` if the name
        is taken."""
        list_name = check_list_name(name)
        who = _by(by)
        ids = _ids(contact_ids)
        definition = None
        from_seg: list[str] = []
        if from_segment is not None:
            if not isinstance(from_segment, Segment):
                raise ValidationError("from_segment", from_segment, "expected a Segment")
            definition = json.loads(json.dumps(from_segment.to_dict()))
            from_seg = [c.id for c in SegmentsAPI(self._ctx).members(from_segment)]
        static = StaticList(list_name, self._ctx.clock(), who, definition)
        with self._ctx.write() as uow:
            uow.lists.add(static)
            # Members of the segment erased or merged away since it was evaluated are gone;
            # contacts named explicitly must exist.
            known = uow.contacts.existing_ids(from_seg)
            wanted = dict.fromkeys([*(cid for cid in from_seg if cid in known), *ids])
            self._change(uow, list_name, list(wanted), True, who)
            uow.commit()
        return static

    def add(self, name: str, contact_ids: Iterable[str], *, by: str | None = None) -> int:
        """Add contacts; returns how many were not members yet (members are left alone)."""
        name = check_list_name(name)
        ids, who = _ids(contact_ids), _by(by)
        with self._ctx.write() as uow:
            uow.lists.get(name)
            n = self._change(uow, name, ids, True, who)
            uow.commit()
        return n

    def remove(self, name: str, contact_ids: Iterable[str], *, by: str | None = None) -> int:
        """Remove contacts; returns how many were members."""
        name = check_list_name(name)
        ids, who = _ids(contact_ids), _by(by)
        with self._ctx.write() as uow:
            uow.lists.get(name)
            n = self._change(uow, name, ids, False, who)
            uow.commit()
        return n

    def member_ids(self, name: str, *, as_of: datetime | None = None) -> list[str]:
        """The ids of the members at *as_of* (default: now), in the order they joined."""
        name = check_list_name(name)
        when = None if as_of is None else ensure_aware(as_of, "as_of")
        with self._ctx.read() as uow:
            uow.lists.get(name)
            return members_at(uow.lists.changes(name), when)

    def members(self, name: str, *, as_of: datetime | None = None) -> list[Contact]:
        """The members at *as_of* (default: now) as they are today, in the order they joined."""
        name = check_list_name(name)
        when = None if as_of is None else ensure_aware(as_of, "as_of")
        with self._ctx.read() as uow:
            uow.lists.get(name)
            return self._contacts(uow, members_at(uow.lists.changes(name), when))

    @staticmethod
    def _contacts(uow: UnitOfWork, ids: list[str]) -> list[Contact]:
        found = (uow.contacts.find_by_id(cid) for cid in ids)
        return [c for c in found if c is not None]

    def count(self, name: str, *, as_of: datetime | None = None) -> int:
        return len(self.member_ids(name, as_of=as_of))

    def history(self, name: str, *, contact_id: str | None = None) -> list[ListChange]:
        """Every addition and removal (optionally of one contact), oldest first."""
        name = check_list_name(name)
        with self._ctx.read() as uow:
            uow.lists.get(name)
            return uow.lists.changes(name, contact_id=contact_id)

    def get(self, name: str) -> StaticList:
        """The list, or :class:`crmkit.errors.ListNotFoundError`."""
        name = check_list_name(name)
        with self._ctx.read() as uow:
            return uow.lists.get(name)

    def list(self) -> list[str]:
        """The names of every static list, sorted."""
        with self._ctx.read() as uow:
            return uow.lists.names()

    def delete(self, name: str) -> None:
        """Delete the list and its history."""
        name = check_list_name(name)
        with self._ctx.write() as uow:
            uow.lists.delete(name)
            uow.commit()

    def audience(
        self, name: str, *, purpose: str, channel: str, at: datetime | None = None
    ) -> tuple[AudienceMember, ...]:
        """The list's members who may be contacted for *purpose* on *channel*, with the
        address to use (as :meth:`crmkit.CRM.audience` does for a segment)."""
        name = check_list_name(name)
        when = self._ctx.clock() if at is None else ensure_aware(at, "at")
        check_purpose(purpose, self._ctx.purposes)
        with self._ctx.read() as uow:
            uow.lists.get(name)
            contacts = self._contacts(uow, members_at(uow.lists.changes(name), when))
            consents = [r for c in contacts for r in uow.consents.for_contact(c.id)]
        return audience(
            contacts,
            consents,
            purpose=purpose,
            channel=channel,
            at=when,
            purposes=self._ctx.purposes,
        )
