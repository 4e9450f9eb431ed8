"""A touchpoint whose identities belong to more than one contact.

A message from Besa's mailbox that gives the family landline (Agron's) must not be lost and
must not merge two people. The touchpoint goes to the owner of the identity it came in on (the
mailbox of an email, the number of a call, the handle of a DM); failing that, to the owner the
rest of the evidence (name, city) scores best. The identities the others hold stay theirs, and
a review item asks a person whether the contacts are one (unless every identity linking them
is one they declare shared, such as a household line).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crmkit._api.identity._identities import IdentityArgs
from crmkit._types import new_id
from crmkit.contacts import Contact
from crmkit.identity.contact_match import score_contacts
from crmkit.identity.model import MatchModel
from crmkit.identity.prepare import PreparedRecord
from crmkit.identity.resolution import Candidate
from crmkit.identity.review import ReviewItem
from crmkit.storage.protocols import UnitOfWork

__all__ = ["choose_owner", "entry_key"]

# Channels whose messages arrive from a phone number or a mailbox.
_PHONE_CHANNELS = frozenset({"phone", "call", "sms", "voice", "whatsapp", "viber"})
_EMAIL_CHANNELS = frozenset({"email", "e-mail", "mail"})


def entry_key(ids: IdentityArgs, channel: str) -> str | None:
    """The identity key the touchpoint came in on, when the channel says which."""
    keys = dict(ids.lookup_keys())
    if ids.handle is not None and ids.handle[0] == channel:
        return keys[f"{channel} handle"]
    if channel in _EMAIL_CHANNELS:
        return keys.get("email")
    if channel in _PHONE_CHANNELS:
        return keys.get("phone")
    return None


def choose_owner(
    uow: UnitOfWork,
    owners: Sequence[Candidate],
    ids: IdentityArgs,
    channel: str,
    query: PreparedRecord,
    model: MatchModel | None,
    now: datetime,
) -> tuple[Contact, IdentityArgs, ReviewItem | None]:
    """The contact the touchpoint goes to, the identities it may take (those nobody else
    holds), and the review item to file (``None`` when one is open already or the contacts
    are linked only by identities they declare shared)."""
    by_id = {c.contact.id: c.contact for c in owners}
    # Who holds each identity of the touchpoint, read once for every use below.
    holders = {
        key: {c.id for c in uow.contacts.find_by_identity(key)} for _, key in ids.lookup_keys()
    }
    chosen: Contact | None = None
    entry = entry_key(ids, channel)
    if entry is not None and len(holders[entry]) == 1:
        chosen = by_id[next(iter(holders[entry]))]
    if chosen is None:
        scored = score_contacts(query, by_id.values(), model=model, min_score=0.0)
        # owners are ordered by how many identities each matched, then age: the fallback.
        chosen = scored[0].contact if scored else owners[0].contact
    free = _free_identities(holders, ids, chosen.id)
    others = [c for c in owners if c.contact.id != chosen.id]
    linked = [c for c in others if not _only_shared(c.contact, ids)]
    return chosen, free, _review(uow, chosen, linked, now)


def _free_identities(
    holders: dict[str, set[str]], ids: IdentityArgs, contact_id: str
) -> IdentityArgs:
    """*ids* without the identities held by a contact other than *contact_id*."""
    keys = dict(ids.lookup_keys())

    def free(label: str) -> bool:
        return holders[keys[label]] <= {contact_id}

    return IdentityArgs(
        email=ids.email if ids.email and free("email") else None,
        phone=ids.phone if ids.phone and free("phone") else None,
        handle=ids.handle if ids.handle and free(f"{ids.handle[0]} handle") else None,
        external_id=ids.external_id if ids.external_id and free("external id") else None,
    )


def _only_shared(other: Contact, ids: IdentityArgs) -> bool:
    """Whether *other* is linked to the touchpoint only by identities it declares shared
    (the household landline): that says nothing about being the same person."""
    held = [key for _, key in ids.lookup_keys() if key in other.identity_keys()]
    return bool(held) and all(key in other.shared_identities for key in held)


def _review(
    uow: UnitOfWork, chosen: Contact, linked: Sequence[Candidate], now: datetime
) -> ReviewItem | None:
    if not linked:
        return None
    candidates = tuple(c.contact.id for c in linked)
    for item in uow.reviews.for_contact(chosen.id):
        if item.status == "open" and set(item.contact_ids) == {chosen.id, *candidates}:
            return None  # the next message from the pair does not file it again
    reasons = tuple(dict.fromkeys(r for c in linked for r in c.reasons))
    return ReviewItem(
        id=new_id(),
        contact_id=chosen.id,
        candidate_ids=candidates,
        score=1.0,
        reasons=("one touchpoint's identities", *reasons),
        created_at=now,
    )
