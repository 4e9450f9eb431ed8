"""``crm.referrals``: who brought whom, on the generic record store.

A referral is stored once, on the referred contact (:data:`crmkit._api.loyalty_kinds.REFERRALS`).
Merges move it with the referred contact; the referrer's id in it is read through the merge
ledger, so a referral made by a contact since merged away counts for the survivor. A merge
can turn a referral into a self-referral (the referrer merged into the person referred) or
close a loop: such a link is hidden, never deleted, and an unmerge shows it again.
"""

from __future__ import annotations

from datetime import datetime

from crmkit._api._base import Context
from crmkit._api.marketing.loyalty_kinds import REFERRALS, merged_into
from crmkit._text_limits import clean_text
from crmkit._types import ensure_aware, new_id
from crmkit.errors import ReferralError
from crmkit.marketing.referrals import Referral, ReferralNode, build_tree, would_cycle
from crmkit.storage.protocols import UnitOfWork

__all__ = ["ReferralsAPI", "referral_in_force"]


def _current(uow: UnitOfWork, contact_id: str) -> str | None:
    """The contact *contact_id* now is (following merges not undone), ``None`` if erased."""
    seen = {contact_id}
    current = contact_id
    while True:
        onward = [
            m.survivor_id
            for m in uow.merges.involving([current])
            if m.merged_id == current and m.undone_at is None and m.survivor_id not in seen
        ]
        if not onward:
            break
        current = onward[-1]
        seen.add(current)
    return current if uow.contacts.find_by_id(current) is not None else None


def referral_in_force(uow: UnitOfWork, contact_id: str) -> tuple[str, Referral] | None:
    """Who brought *contact_id* (as that contact now is, after merges), and the referral
    saying so: the oldest that is not (after merges) a self-referral."""
    for record in sorted(REFERRALS.on(uow).for_contact(contact_id), key=lambda r: r.at):
        referrer = _current(uow, record.referrer_id)
        if referrer is not None and referrer != contact_id:
            return referrer, record
    return None


def _referrer(uow: UnitOfWork, contact_id: str) -> tuple[str, datetime] | None:
    """Who brought *contact_id*, and when."""
    found = referral_in_force(uow, contact_id)
    return None if found is None else (found[0], found[1].at)


class ReferralsAPI:
    """Referrals: one referrer per contact, no self-referral, no cycles.

    >>> from datetime import UTC, datetime
    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> ana, ben, cai = (crm.contacts.create(name=n) for n in ("Ana", "Ben", "Cai"))
    >>> t = datetime(2026, 4, 1, tzinfo=UTC)
    >>> _ = crm.referrals.record(referrer_id=ana.id, referred_id=ben.id, at=t)
    >>> _ = crm.referrals.record(referrer_id=ben.id, referred_id=cai.id, at=t)
    >>> crm.referrals.referred_by(cai.id) == ben.id, crm.referrals.referred_by(ana.id)
    (True, None)
    >>> [(n.contact_id == ben.id, len(n.children)) for n in crm.referrals.tree(ana.id)]
    [(True, 1)]
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def record(self, *, referrer_id: str, referred_id: str, at: datetime | None = None) -> Referral:
        """*referrer_id* brought *referred_id*. A self-referral, a second referrer for the
        same contact, or a loop (the referred contact is up the referrer's chain) raise
        :class:`crmkit.errors.ReferralError`; nothing is written then."""
        referrer = clean_text("referrer_id", referrer_id, required=True)
        referred = clean_text("referred_id", referred_id, required=True)
        assert referrer is not None
        assert referred is not None
        when = ensure_aware(self._ctx.clock() if at is None else at, "at")
        if referrer == referred:
            raise ReferralError("referred_id", referred, "a contact cannot refer themselves")
        with self._ctx.write() as uow:
            uow.contacts.get(referrer)
            uow.contacts.get(referred)
            existing = _referrer(uow, referred)
            if existing is not None:
                raise ReferralError("referred_id", referred, f"already referred by {existing[0]!r}")
            if would_cycle(
                lambda c: (_referrer(uow, c) or (None,))[0],
                referrer_id=referrer,
                referred_id=referred,
            ):
                raise ReferralError(
                    "referred_id", referred, f"already up {referrer!r}'s referral chain"
                )
            referral = Referral(new_id(), referred, referrer, when)
            REFERRALS.on(uow).add(referral)
            uow.commit()
        return referral

    def referred_by(self, contact_id: str) -> str | None:
        """The contact who brought *contact_id*, or ``None``."""
        with self._ctx.read() as uow:
            uow.contacts.get(contact_id)
            found = _referrer(uow, contact_id)
        return None if found is None else found[0]

    def tree(self, contact_id: str) -> tuple[ReferralNode, ...]:
        """Those *contact_id* referred, each with those they referred, oldest first."""
        with self._ctx.read() as uow:
            uow.contacts.get(contact_id)
            links: dict[str, tuple[str, datetime]] = {}
            frontier = [contact_id]
            while frontier:
                node = frontier.pop()
                for old_id in merged_into(uow, node):
                    for record in REFERRALS.on(uow).select("referrer", equals=old_id):
                        child = record.contact_id
                        if child in links or child in (contact_id, node):
                            continue
                        links[child] = (node, record.at)
                        frontier.append(child)
        return build_tree(contact_id, links)
