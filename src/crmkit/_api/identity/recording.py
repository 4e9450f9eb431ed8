"""``CRM.record``: resolve the sender of a touchpoint (or create them) and log it, in one
unit of work, retried when a concurrent writer claimed the same identity meanwhile."""

from __future__ import annotations

from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._api._races import retry_lost_races
from crmkit._api.identity._identities import IdentityArgs
from crmkit._api.identity.api import enrich
from crmkit._api.identity.resolve import Evidence, MatchPolicy, resolve_or_create
from crmkit._api.privacy.erasure import Suppression
from crmkit.errors import ConflictError, DuplicateContactError, SuppressedContactError
from crmkit.interactions import Interaction
from crmkit.storage.protocols import UnitOfWork, writes_side_by_side

__all__ = ["record_touchpoint"]

# record() retries when a concurrent writer created the same person between our lookup and
# our insert: the retry then finds that contact instead of failing the caller.
_RECORD_ATTEMPTS = 3


class _ConcurrentWriterError(ConflictError):
    """Another writer claimed an identity between our lookup and our write."""


def _check_still_held(uow: UnitOfWork, via: str, contact_id: str) -> None:
    """Refuse (to be retried) a message whose identity changed hands while it was written.

    Where write units run side by side (PostgreSQL), an unmerge may give the identity back to
    the merged contact after our lookup: writing the interaction waited for the unmerge's
    lock on the contact, and this look-up, made after, sees the identity's owner now.
    """
    if not writes_side_by_side(uow.contacts):
        return  # one write unit at a time: nothing can have changed since the lookup
    if all(c.id != contact_id for c in uow.contacts.find_by_identity(via)):
        raise _ConcurrentWriterError(f"identity {via!r} changed hands while recording")


def record_touchpoint(
    ctx: Context,
    policy: MatchPolicy,
    channel: str,
    direction: Any,
    ids: IdentityArgs,
    ev: Evidence,
    fields: dict[str, Any],
) -> Interaction:
    """The logged interaction; see :meth:`crmkit.CRM.record`."""
    return retry_lost_races(
        lambda: _record_once(ctx, policy, channel, direction, ids, ev, fields),
        attempts=_RECORD_ATTEMPTS,
        final=(DuplicateContactError, SuppressedContactError),
    )


def _record_once(
    ctx: Context,
    policy: MatchPolicy,
    channel: str,
    direction: Any,
    ids: IdentityArgs,
    ev: Evidence,
    fields: dict[str, Any],
) -> Interaction:
    now = ctx.clock()
    with ctx.write() as uow:
        found = resolve_or_create(uow, ids, ev, policy, now, channel)
        contact = holder = found.contact
        try:
            if found.is_new:
                Suppression(ctx, uow).check_change(None, contact)
                uow.contacts.add(contact)
            else:
                holder = enrich(contact, found.attach, now)
                if holder is not contact:
                    Suppression(ctx, uow).check_change(contact, holder)
                    uow.contacts.update(holder)
        except DuplicateContactError as exc:
            # Our lookup found nobody, yet the identity is taken now: a concurrent writer
            # created this person after we looked. Retrying finds that contact.
            raise _ConcurrentWriterError(str(exc)) from exc
        if found.review is not None:
            uow.reviews.add(found.review)
        # The identity that found the contact (strongest first; one it just gained when a
        # name match found it): an unmerge sends the interaction back with that identity.
        keys = [key for _, key in ids.lookup_keys()]
        found_by = contact.identity_keys()
        via = next((k for k in keys if k in found_by), None) or next(
            (k for k in keys if k in holder.identity_keys()), None
        )
        logged = Interaction.new(
            contact_id=contact.id, channel=channel, direction=direction, now=now, **fields
        )
        interaction = attrs.evolve(logged, via=via)
        uow.interactions.add(interaction)
        if not found.is_new and via is not None and via in found_by:
            _check_still_held(uow, via, contact.id)
        uow.commit()
    return interaction
