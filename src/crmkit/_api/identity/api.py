"""The identity half of the :class:`crmkit.CRM` facade: resolve, the review queue, finding
and merging duplicates, and undoing a merge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crmkit._api._base import Context
from crmkit._api.identity._identities import IdentityArgs, parse_identities
from crmkit._api.identity.duplicates import DuplicateGroup, find_duplicates
from crmkit._api.identity.merge import merge_contacts, unmerge_contacts
from crmkit._api.identity.resolve import Evidence, MatchPolicy, resolve_in
from crmkit._api.identity.reviews import resolve_review, review_queue
from crmkit._progress import ProgressOption, progress_callback
from crmkit.contacts import Contact
from crmkit.identity.matcher import DEDUPE_THRESHOLD
from crmkit.identity.merging import MergeRecord, MergeResult, Survivorship
from crmkit.identity.resolution import Resolution
from crmkit.identity.review import ReviewItem

__all__ = ["IdentityMixin", "enrich"]


class IdentityMixin:
    _ctx: Context
    default_region: str | None
    match_policy: MatchPolicy

    def find_duplicates(
        self, *, threshold: float = DEDUPE_THRESHOLD, progress: ProgressOption = None
    ) -> list[DuplicateGroup]:
        """Groups of contacts the identity engine judges to be one person, with reasons.

        Read-only: review the groups, then :meth:`merge`. Households sharing a landline or an
        inbox under different first names stay apart. ``progress``: ``callback(stage, done,
        total)`` or ``True``, a bar on stderr (``"prepare"``, ``"compare"``, ``"fit"``,
        ``"cluster"``, ``"done"``).
        """
        return find_duplicates(self._ctx, threshold=threshold, progress=progress_callback(progress))

    def merge(
        self,
        survivor_id: str,
        other_id: str,
        *,
        rules: Survivorship | Mapping[str, str] | None = None,
        dry_run: bool = False,
        by: str | None = None,
    ) -> MergeResult:
        """Merge *other_id* into *survivor_id*: one contact keeps every identity, and every
        record of the other (interactions, deals, tasks, transactions, consent) moves to it.

        ``rules`` decides the merged fields: a function, or a mapping of field to rule
        (``"most_recent"``, ``"most_complete"``, ``"survivor"``; see
        :func:`crmkit.identity.plan_merge`); the default is
        :func:`crmkit.identity.merging.keep_survivor_fill_gaps`; ``dry_run=True`` returns what the
        merge would produce and move, and writes nothing. The merge is kept in a ledger so
        :meth:`unmerge` can undo it exactly.
        """
        return merge_contacts(self._ctx, survivor_id, other_id, rules=rules, dry_run=dry_run, by=by)

    def unmerge(self, merge_id: str) -> MergeRecord:
        """Undo a merge: both contacts return as they were and every moved record goes back.

        The survivor gets a new version number (so stale copies are refused) but its fields
        are exactly those from before the merge. Refused with
        :class:`crmkit.errors.StaleVersionError` if the survivor changed after the merge.
        """
        return unmerge_contacts(self._ctx, merge_id)

    def resolve(
        self,
        *,
        email: Any = None,
        phone: Any = None,
        handle: Any = None,
        external_id: Any = None,
        name: Any = None,
        region: str | None = None,
        channel: str | None = None,
        city: Any = None,
        postcode: Any = None,
        birthday: Any = None,
        threshold: float | None = None,
    ) -> Resolution:
        """Who is this? Exact identities first, then fuzzy candidates; writes nothing.

        A known identity decides (``.contact``, score 1.0) unless the identities name two
        people. Otherwise the stored blocking keys bring back likely contacts, scored by the
        identity engine with reasons, best first in ``.candidates``; ``.contact`` is set only
        when the best reaches ``threshold`` (default ``match_threshold``, 0.97), rests on more
        than a name, and no second candidate is as sure. With ``name=`` the fuzzy candidates
        are listed after an exact match too.

        >>> from crmkit import CRM
        >>> crm = CRM(default_region="BG")
        >>> c = crm.contacts.create(name="Hristo Stoyanov", phones=["0887 123 456"],
        ...                         city="Sofia", birthday="1985-03-02")
        >>> res = crm.resolve(name="Христо Стоянов", city="София")
        >>> res.contact, [cand.contact.name for cand in res.candidates]
        (None, ['Hristo Stoyanov'])
        >>> crm.resolve(name="Христо Стоянов", birthday="1985-03-02",
        ...             phone="+44 7887 123456").contact == c
        True

        ``external_id=`` is an id from another system, alone or as ``(system, id)``:

        >>> shop = crm.contacts.create(name="Maria", external_ids=[("shopify", 1042)])
        >>> crm.resolve(external_id=("shopify", "1042")).contact == shop
        True
        """
        ids = self._identities(email, phone, handle, region, channel, external_id)
        ev = self._evidence(name, city, postcode, birthday, region)
        limit = self.match_policy.match_threshold if threshold is None else threshold
        if threshold is not None:
            MatchPolicy(threshold, min(threshold, self.match_policy.review_threshold))
        with self._ctx.read() as uow:
            return resolve_in(uow, ids, ev, self.match_policy, limit)

    def _evidence(
        self, name: Any, city: Any, postcode: Any, birthday: Any, region: str | None
    ) -> Evidence:
        return Evidence.parse(
            name=name,
            city=city,
            postcode=postcode,
            birthday=birthday,
            region=region or self.default_region,
        )

    def _identities(
        self,
        email: Any,
        phone: Any,
        handle: Any,
        region: str | None,
        channel: str | None,
        external_id: Any = None,
    ) -> IdentityArgs:
        return parse_identities(
            email=email,
            phone=phone,
            handle=handle,
            external_id=external_id,
            region=region or self.default_region,
            channel=channel,
        )

    def review_queue(self, *, status: str | None = "open") -> list[ReviewItem]:
        """Likely duplicates :meth:`record` did not link on its own, oldest first.

        ``status``: ``"open"`` (default), ``"merged"``, ``"dismissed"`` or None for all.

        >>> from crmkit import CRM
        >>> crm = CRM()
        >>> old = crm.contacts.create(name="Besa Kola", emails=["besa.kola@gmail.com"])
        >>> it = crm.record(channel="phone", phone="+355691234567", name="Besa Kola")
        >>> [item] = crm.review_queue()
        >>> item.contact_id == it.contact_id, item.candidate_ids == (old.id,)
        (True, True)
        >>> crm.resolve_review(item.id, action="merge").status
        'merged'
        """
        return review_queue(self._ctx, status)

    def resolve_review(
        self, item_id: str, *, action: str, candidate_id: str | None = None
    ) -> ReviewItem:
        """Decide a review item: ``action="merge"`` merges the new contact into its best
        candidate (or *candidate_id*) with :meth:`merge`; ``"dismiss"`` keeps them apart.
        Returns the item as it now stands; an item already decided is refused with
        :class:`crmkit.errors.InvalidTransitionError`."""
        return resolve_review(
            self._ctx, item_id, action, candidate_id=candidate_id, merge=self.merge
        )

    def rebuild_match_index(self) -> int:
        """Recompute every contact's stored blocking keys; return how many contacts.

        Needed once for a database that held contacts before fuzzy matching existed (or
        after an upgrade that changes the keys); everyday writes keep the keys up to date.
        """
        with self._ctx.write() as uow:
            n = uow.contacts.rebuild_match_keys()
            uow.commit()
        return n


def enrich(contact: Contact, ids: IdentityArgs, now: datetime) -> Contact:
    """The contact with any identity from *ids* it does not hold yet."""
    fields: dict[str, Any] = {}
    if ids.email and ids.email not in contact.emails:
        fields["emails"] = [*contact.emails, ids.email]
    if ids.phone and ids.phone not in contact.phones:
        fields["phones"] = [*contact.phones, ids.phone]
    # A different handle on a channel the contact already uses is left for a human to judge.
    if ids.handle and ids.handle[0] not in contact.handles:
        fields["handles"] = {**contact.handles, ids.handle[0]: ids.handle[1]}
    if ids.external_id and ids.external_id not in contact.external_ids:
        fields["external_ids"] = [*contact.external_ids, ids.external_id]
    return contact.changed(now=now, **fields) if fields else contact
