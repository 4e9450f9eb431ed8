"""A hypothesis state machine that drives a backend next to a plain-dict model.

After every step the backend and the model must agree on every contact, every identity
owner, every blocking key's holders and every timeline, so any divergence shows up with a
minimal failing sequence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from crmkit.contacts import Contact
from crmkit.errors import DuplicateContactError
from crmkit.identity.contact_match import match_keys
from crmkit.interactions import Interaction
from crmkit.storage.protocols import Storage
from crmkit.testing.strategies import contacts, interactions

__all__ = ["StorageMachine"]


class StorageMachine(RuleBasedStateMachine):
    """Subclass via :meth:`for_backend`; ``make_storage`` builds a fresh, empty backend."""

    make_storage: ClassVar[Callable[[], Storage]]
    workspace = "stateful"
    contact_ids = Bundle("contact_ids")

    def __init__(self) -> None:
        super().__init__()
        self.storage = type(self).make_storage()
        self.contacts: dict[str, Contact] = {}
        self.interactions: dict[str, Interaction] = {}

    @classmethod
    def for_backend(cls, factory: Callable[[], Storage]) -> type[StorageMachine]:
        return type(f"{cls.__name__}For", (cls,), {"make_storage": staticmethod(factory)})

    def teardown(self) -> None:
        self.storage.close()

    # -- model -----------------------------------------------------------------------------

    def _owners(self, key: str) -> set[str]:
        return {c.id for c in self.contacts.values() if key in c.identity_keys()}

    def _conflicts(self, contact: Contact) -> bool:
        for key in contact.identity_keys():
            for owner_id in self._owners(key) - {contact.id}:
                owner = self.contacts[owner_id]
                if not (key in contact.shared_identities and key in owner.shared_identities):
                    return True
        return False

    # -- rules -----------------------------------------------------------------------------

    @rule(target=contact_ids, contact=contacts(), share=st.booleans())
    def add_contact(self, contact: Contact, share: bool) -> str:
        if share:
            contact = attrs.evolve(contact, shared_identities=contact.identity_keys())
        expect_conflict = self._conflicts(contact)
        try:
            with self.storage.unit_of_work(self.workspace) as uow:
                uow.contacts.add(contact)
                uow.commit()
        except DuplicateContactError:
            assert expect_conflict
        else:
            assert not expect_conflict
            self.contacts[contact.id] = contact
        return contact.id

    @precondition(lambda self: bool(self.contacts))
    @rule(data=st.data(), fresh=contacts())
    def update_contact(self, data: st.DataObject, fresh: Contact) -> None:
        cid = data.draw(st.sampled_from(sorted(self.contacts)))
        new = attrs.evolve(
            self.contacts[cid],
            emails=fresh.emails,
            phones=fresh.phones,
            name=fresh.name,
            birthday=fresh.birthday,
            city=fresh.city,
            tags=fresh.tags,
            version=self.contacts[cid].version + 1,
        )
        expect_conflict = self._conflicts(new)
        try:
            with self.storage.unit_of_work(self.workspace) as uow:
                uow.contacts.update(new)
                uow.commit()
        except DuplicateContactError:
            assert expect_conflict
        else:
            assert not expect_conflict
            self.contacts[cid] = new

    @precondition(lambda self: bool(self.contacts))
    @rule(data=st.data(), tags=st.frozensets(st.sampled_from(["vip", "b2b"])))
    def retag_contact(self, data: st.DataObject, tags: frozenset[str]) -> None:
        # Nothing matching reads changes: the backend may skip rewriting the blocking keys.
        cid = data.draw(st.sampled_from(sorted(self.contacts)))
        new = attrs.evolve(self.contacts[cid], tags=tags, version=self.contacts[cid].version + 1)
        with self.storage.unit_of_work(self.workspace) as uow:
            uow.contacts.update(new)
            uow.commit()
        self.contacts[cid] = new

    @precondition(lambda self: bool(self.contacts))
    @rule(data=st.data())
    def log_interaction(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(sorted(self.contacts)))
        it = data.draw(interactions(cid))
        with self.storage.unit_of_work(self.workspace) as uow:
            uow.interactions.add(it)
            uow.commit()
        self.interactions[it.id] = it

    @precondition(lambda self: len(self.contacts) >= 2)
    @rule(data=st.data())
    def move_records(self, data: st.DataObject) -> None:
        src, dst = data.draw(
            st.lists(st.sampled_from(sorted(self.contacts)), min_size=2, max_size=2, unique=True)
        )
        with self.storage.unit_of_work(self.workspace) as uow:
            moved = uow.interactions.reassign_contact(src, dst)
            uow.commit()
        expected = {i.id for i in self.interactions.values() if i.contact_id == src}
        assert set(moved) == expected
        for iid in moved:
            self.interactions[iid] = attrs.evolve(self.interactions[iid], contact_id=dst)

    @precondition(lambda self: bool(self.contacts))
    @rule(data=st.data())
    def remove_contact_without_records(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(sorted(self.contacts)))
        if any(i.contact_id == cid for i in self.interactions.values()):
            return
        with self.storage.unit_of_work(self.workspace) as uow:
            uow.contacts.remove(cid)
            uow.commit()
        del self.contacts[cid]

    @rule(contact=contacts())
    def abandoned_write_changes_nothing(self, contact: Contact) -> None:
        try:
            with self.storage.unit_of_work(self.workspace) as uow:
                uow.contacts.add(contact)
                raise _AbandonError
        except (_AbandonError, DuplicateContactError):
            pass

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def backend_agrees_with_model(self) -> None:
        with self.storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.contacts.count() == len(self.contacts)
            assert {c.id: c for c in uow.contacts.iter_all()} == self.contacts
            keys = {k for c in self.contacts.values() for k in c.identity_keys()}
            for key in keys:
                assert {c.id for c in uow.contacts.find_by_identity(key)} == self._owners(key)
            # Blocking keys: every key of every contact, and nobody else, is on file.
            filed: dict[str, set[str]] = {}
            for c in self.contacts.values():
                for key in match_keys(c):
                    filed.setdefault(key, set()).add(c.id)
            held = uow.contacts.match_key_holders({k: len(self.contacts) for k in filed})
            assert {k: set(ids) for k, ids in held.items()} == filed
            for cid in self.contacts:
                expected = sorted(
                    (i for i in self.interactions.values() if i.contact_id == cid),
                    key=lambda i: (i.occurred_at, i.id),
                    reverse=True,
                )
                assert uow.interactions.timeline(cid) == expected
            assert uow.interactions.count() == len(self.interactions)


class _AbandonError(Exception):
    """Raised inside a unit of work to leave it without committing."""
