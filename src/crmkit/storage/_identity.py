"""The identity-uniqueness rule, shared by every backend so they cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crmkit.contacts import Contact
from crmkit.errors import DuplicateContactError

__all__ = ["check_identities"]

# (contact_id, shared) pairs of the current owners of one identity key.
OwnersOf = Callable[[str], Sequence[tuple[str, bool]]]


def check_identities(contact: Contact, owners_of: OwnersOf) -> None:
    """Raise ``DuplicateContactError`` if *contact* claims an identity another contact holds.

    A key may have several owners only when every one of them marks it shared (a family
    landline); one exclusive claim on either side is a conflict.
    """
    for key in sorted(contact.identity_keys()):
        mine_shared = key in contact.shared_identities
        for owner_id, owner_shared in owners_of(key):
            if owner_id == contact.id:
                continue
            if not (mine_shared and owner_shared):
                raise DuplicateContactError(key, owner_id)
