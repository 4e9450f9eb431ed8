"""The protocol of campaign members (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from crmkit._types import Money
from crmkit.marketing.campaign import CampaignMember, Group
from crmkit.storage._linked import ContactErasable, ContactLinked

__all__ = ["CampaignMemberRepository"]


class CampaignMemberRepository(ContactLinked, ContactErasable, Protocol):
    """Who a launched campaign reached or held out: one record per member.

    A kind of its own, not the generic record store's, because a campaign has a million
    members: SQL backends keep one row per member (migration 0023), a third of the rows
    and index entries the record store writes for a record with two keys. One member per
    campaign and contact *the launch wrote it for*: after a merge the survivor may hold two
    (merged twins), and an erased member is detached, not deleted (the counts survive).
    """

    def add_many(self, members: Iterable[CampaignMember]) -> int:
        """Insert them all or none: a member id held or repeated raises
        :class:`crmkit.errors.AlreadyExistsError`, a campaign and contact pair held or
        repeated :class:`crmkit.errors.UniqueKeyError`; the repository is then as before."""
        ...

    def of_campaign(self, campaign_id: str) -> list[CampaignMember]:
        """The campaign's members, by id (launch order)."""
        ...

    def for_contact(self, contact_id: str) -> list[CampaignMember]:
        """The contact's memberships in every campaign, by id."""
        ...

    def counts(self, campaign_id: str) -> dict[tuple[Group, bool], int]:
        """How many of the campaign's members (detached ones included) are in each group
        with each consent at send time; pairs with none are left out."""
        ...

    def measured(self, campaign_id: str) -> dict[str, Group]:
        """Contact id -> group of the members a report measures: consenting at send time,
        not detached; a contact with two memberships counts once, in the older's group."""
        ...

    def measured_purchases(
        self, campaign_id: str, *, since: datetime, until: datetime
    ) -> dict[str, list[Money]]:
        """The amounts of the purchases in ``[since, until)`` of the contacts
        :meth:`measured` gives, oldest first; contacts who bought nothing are left out.
        SQL backends join the two tables and read two columns of the ledger."""
        ...

    def detach_contact(self, contact_id: str) -> int:
        """Keep the contact's memberships without the contact (an erasure); how many."""
        ...
