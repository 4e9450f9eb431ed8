"""Campaign members kept in the generic record store: the fallback of
:class:`crmkit.storage.protocols.CampaignMemberRepository` for a backend without a members
table (and the memory backend's own).

A member's keys: its campaign, group and consent in one (``group``, so one exact value
finds a report's measured members of a group and a range finds the whole campaign), and
``member``, unique: the campaign and the contact the launch wrote it for.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from crmkit._types import Money
from crmkit.errors import AlreadyExistsError, UniqueKeyError
from crmkit.marketing.campaign import CampaignMember, Group
from crmkit.storage._fast_paths import transactions_of
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic._bulk import add_records, key_values
from crmkit.storage.generic._table import LinkedThrough
from crmkit.storage.records import KindRecords, RecordStore
from crmkit.value.ledger import TransactionKind

if TYPE_CHECKING:
    from crmkit.storage.protocols import UnitOfWork

__all__ = ["MEMBER_KIND", "GenericCampaignMemberRepository", "member_group_key"]

MEMBER_KIND = "_campaign_member"


def member_group_key(campaign_id: str, group: Group, consented: bool) -> str:
    return f"{campaign_id}:{group.value}:{'consented' if consented else 'no_consent'}"


def _keys(m: CampaignMember) -> Mapping[str, str | None]:
    return {
        "group": member_group_key(m.campaign_id, m.group, m.consented),
        "member": None if m.contact_id is None else f"{m.campaign_id}:{m.contact_id}",
    }


_CODEC = AttrsCodec(CampaignMember, keys=_keys, unique={"member"})


class GenericCampaignMemberRepository(LinkedThrough):
    def __init__(self, store: RecordStore, uow: UnitOfWork) -> None:
        self.links = KindRecords(store, MEMBER_KIND)
        self._store = store
        self._uow = uow  # for the ledger

    def add_many(self, members: Iterable[CampaignMember]) -> int:
        try:
            return add_records(self._store, (_CODEC.encode(MEMBER_KIND, m) for m in members))
        except UniqueKeyError as exc:
            raise UniqueKeyError("campaign member", "contact", exc.key) from None
        except AlreadyExistsError as exc:
            raise AlreadyExistsError("campaign member", exc.key) from None

    def of_campaign(self, campaign_id: str) -> list[CampaignMember]:
        found = self._store.select(
            MEMBER_KIND, "group", at_least=f"{campaign_id}:", at_most=f"{campaign_id}:\U0010ffff"
        )
        return sorted((_CODEC.decode(r) for r in found), key=lambda m: m.id)

    def for_contact(self, contact_id: str) -> list[CampaignMember]:
        found = self._store.for_contact(MEMBER_KIND, contact_id)
        return sorted((_CODEC.decode(r) for r in found), key=lambda m: m.id)

    def counts(self, campaign_id: str) -> dict[tuple[Group, bool], int]:
        found = {
            (g, c): self._store.count(
                MEMBER_KIND, "group", equals=member_group_key(campaign_id, g, c)
            )
            for g in Group
            for c in (True, False)
        }
        return {pair: n for pair, n in found.items() if n}

    def measured(self, campaign_id: str) -> dict[str, Group]:
        # Read from the keys, no member decoded: two exact values, each in id order.
        per_group = [
            [
                (member_id, contact_id, group)
                for member_id, contact_id, _ in key_values(
                    self._store,
                    MEMBER_KIND,
                    "group",
                    equals=member_group_key(campaign_id, group, True),
                )
            ]
            for group in Group
        ]
        found: dict[str, Group] = {}
        for _, contact_id, group in heapq.merge(*per_group):
            if contact_id is not None:
                found.setdefault(contact_id, group)
        return found

    def measured_purchases(
        self, campaign_id: str, *, since: datetime, until: datetime
    ) -> dict[str, list[Money]]:
        measured = self.measured(campaign_id)
        ledger = transactions_of(self._uow.transactions, measured, since=since, until=until)
        found = {
            cid: [t.amount for t in entries if t.kind is TransactionKind.PURCHASE]
            for cid, entries in ledger.items()
        }
        return {cid: amounts for cid, amounts in found.items() if amounts}

    def detach_contact(self, contact_id: str) -> int:
        found = self._store.for_contact(MEMBER_KIND, contact_id)
        for stored in found:
            kept = attrs.evolve(_CODEC.decode(stored), contact_id=None)
            self._store.update(_CODEC.encode(MEMBER_KIND, kept, version=stored.version + 1))
        return len(found)
