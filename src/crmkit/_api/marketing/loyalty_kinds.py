"""Coupons, loyalty points and referrals, each declared once on the generic record store.

What merges, unmerges, erasures and exports do with them, read from these declarations
(:data:`crmkit._api._kinds.DEFAULT_RECORD_KINDS` lists the contact-linked ones):

* a coupon issued to a contact (:attr:`crmkit.marketing.Coupon.contact_id`) belongs to them
  and is kept without them on erasure; other coupons belong to the workspace;
* coupon redemptions belong to the contact who redeemed; erasure keeps each without the
  person or the transaction, so a coupon's use count still adds up;
* points entries belong to their contact and go with them on erasure;
* a referral belongs to the referred contact and goes with them; erasing the *referrer*
  also deletes the referrals naming them (through the kind's erasure hook), so no record
  keeps an erased person's id;
* loyalty programs belong to the workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from crmkit.marketing.coupons import Coupon, CouponRedemption
from crmkit.marketing.loyalty import LoyaltyProgram, PointsEntry
from crmkit.marketing.referrals import Referral
from crmkit.storage.codec import AttrsCodec, sortable_time
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.typed import StoredKind

__all__ = [
    "COUPONS",
    "COUPON_REDEMPTIONS",
    "LOYALTY_KINDS",
    "LOYALTY_PROGRAMS",
    "POINTS_ENTRIES",
    "REFERRALS",
    "merged_into",
]

COUPONS: StoredKind[Coupon] = StoredKind(
    "coupons",
    AttrsCodec(Coupon, keys=lambda c: {"code": c.code, "campaign": c.campaign_id}, unique={"code"}),
    # An issued coupon outlives the person, detached: its redemptions still count.
    on_erasure=lambda coupon: coupon,
)
COUPON_REDEMPTIONS: StoredKind[CouponRedemption] = StoredKind(
    "coupon_redemptions",
    AttrsCodec(CouponRedemption, keys=lambda r: {"coupon": r.coupon_id, "at": sortable_time(r.at)}),
    on_erasure=CouponRedemption.anonymised,
)
LOYALTY_PROGRAMS: StoredKind[LoyaltyProgram] = StoredKind(
    "loyalty_programs",
    AttrsCodec(
        LoyaltyProgram, keys=lambda p: {"name": p.name.casefold()}, unique={"name"}, contact=None
    ),
)


def _entry_keys(entry: PointsEntry) -> dict[str, str | None]:
    # The contact at the time of writing and the entry's number: two spends computed from
    # the same ledger take the same number, and the store lets one of them in.
    return {"seq": f"{entry.program_id}:{entry.contact_id}:{entry.seq:012d}"}


POINTS_ENTRIES: StoredKind[PointsEntry] = StoredKind(
    "points_entries", AttrsCodec(PointsEntry, keys=_entry_keys, unique={"seq"})
)
REFERRALS: StoredKind[Referral] = StoredKind(
    "referrals",
    AttrsCodec(
        Referral,
        keys=lambda r: {"referred": r.contact_id, "referrer": r.referrer_id},
        # The contact referred when it was written: a second referral of them collides
        # even when two are recorded at once (merges move the record, not its key).
        unique={"referred"},
    ),
)


def merged_into(uow: UnitOfWork, contact_id: str) -> list[str]:
    """*contact_id* and every contact merged into it through merges not undone (erased
    ones included: an erasure scrubs its merges before the kinds' hooks run)."""
    ids = [contact_id]
    frontier = {contact_id}
    while frontier:
        found = uow.merges.involving(frontier)
        frontier = set()
        for merge in found:
            if merge.undone_at is None and merge.survivor_id in ids and merge.merged_id not in ids:
                ids.append(merge.merged_id)
                frontier.add(merge.merged_id)
    return ids


def _naming(uow: UnitOfWork, contact_id: str) -> list[Referral]:
    records = REFERRALS.on(uow)
    return [r for i in merged_into(uow, contact_id) for r in records.select("referrer", equals=i)]


def _forget_referrer(uow: UnitOfWork, contact_id: str, erasure_id: str) -> None:
    records = REFERRALS.on(uow)
    for referral in _naming(uow, contact_id):
        records.remove(referral.id)


def _export_referrals(uow: UnitOfWork, contact_id: str) -> Iterable[Any]:
    # Who brought the person, and whom they brought.
    mine = REFERRALS.on(uow).for_contact(contact_id)
    return [*mine, *(r for r in _naming(uow, contact_id) if r not in mine)]


REFERRALS_KIND: RecordKind = attrs.evolve(
    REFERRALS.kind, export=_export_referrals, keep_on_erasure=_forget_referrer
)

#: The contact-linked kinds of this module, for :data:`DEFAULT_RECORD_KINDS`.
LOYALTY_KINDS: tuple[RecordKind, ...] = (
    COUPONS.kind,
    COUPON_REDEMPTIONS.kind,
    POINTS_ENTRIES.kind,
    REFERRALS_KIND,
)
