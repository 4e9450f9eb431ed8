"""Campaigns' records, each declared once on the generic record store.

Members and events hang off a contact, so merges move them, unmerges bring them back and
the export shows them. An erasure keeps them detached (the contact set to ``None``): the
campaign's counts survive the person, and nothing left names them (an event's transaction
id goes too). Campaigns themselves belong to the workspace.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any

import attrs

from crmkit.marketing.campaign import (
    Campaign,
    CampaignEvent,
    CampaignMember,
    Group,
    anonymised_event,
)
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic import key_values
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.typed import StoredKind

__all__ = [
    "CAMPAIGNS",
    "CAMPAIGN_EVENTS",
    "CAMPAIGN_MEMBERS",
    "CAMPAIGN_MEMBERS_KIND",
    "events_of",
    "measured_groups",
    "member_group_key",
    "members_of",
]


def member_group_key(campaign_id: str, group: str, consented: bool) -> str:
    return f"{campaign_id}:{group}:{'consented' if consented else 'no_consent'}"


def _member_keys(m: CampaignMember) -> Mapping[str, str | None]:
    return {
        "group": member_group_key(m.campaign_id, m.group.value, m.consented),
        # One member record per contact and campaign, even under two concurrent launches.
        "member": None if m.contact_id is None else f"{m.campaign_id}:{m.contact_id}",
    }


def _event_keys(e: CampaignEvent) -> Mapping[str, str | None]:
    return {"type": f"{e.campaign_id}:{e.type.value}"}


CAMPAIGNS: StoredKind[Campaign] = StoredKind(
    "campaigns", AttrsCodec(Campaign, keys=lambda c: {"status": c.status.value}, contact=None)
)
CAMPAIGN_MEMBERS: StoredKind[CampaignMember] = StoredKind(
    "campaign_members",
    AttrsCodec(CampaignMember, keys=_member_keys, unique={"member"}),
    on_erasure=lambda m: m,
)
CAMPAIGN_EVENTS: StoredKind[CampaignEvent] = StoredKind(
    "campaign_events", AttrsCodec(CampaignEvent, keys=_event_keys), on_erasure=anonymised_event
)


def members_of(uow: UnitOfWork, campaign_id: str) -> list[CampaignMember]:
    """The campaign's members in id (recording) order."""
    found = CAMPAIGN_MEMBERS.on(uow).select("group", **_of_campaign(campaign_id))
    return sorted(found, key=lambda m: m.id)


def events_of(uow: UnitOfWork, campaign_id: str) -> list[CampaignEvent]:
    """The campaign's events in id (recording) order."""
    found = CAMPAIGN_EVENTS.on(uow).select("type", **_of_campaign(campaign_id))
    return sorted(found, key=lambda e: e.id)


def measured_groups(uow: UnitOfWork, campaign_id: str) -> dict[str, Group]:
    """The group of each member the report measures (consented at send time, not
    erased), read from the group keys without decoding the members. A contact with two
    memberships (merged twins) counts once, in the group of the older."""
    found: dict[str, Group] = {}
    per_group = [
        [
            (member_id, contact_id, group)
            for member_id, contact_id, _ in key_values(
                uow.records,
                CAMPAIGN_MEMBERS.name,
                "group",
                equals=member_group_key(campaign_id, group.value, True),
            )
        ]
        for group in Group
    ]
    for _, contact_id, group in heapq.merge(*per_group):  # each list is in id order
        if contact_id is not None:
            found.setdefault(contact_id, group)
    return found


def _of_campaign(campaign_id: str) -> dict[str, Any]:
    # A member's group key and an event's type key both start with the campaign's id and a
    # colon. A campaign key of their own would cost a key row per member and per event,
    # the largest part of a launch's writes.
    return {"at_least": f"{campaign_id}:", "at_most": f"{campaign_id}:\U0010ffff"}


def _export_members(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    # The person sees which campaign reached them by name, not only by id.
    members = CAMPAIGN_MEMBERS.on(uow).for_contact(contact_id)
    names = {c.id: c.name for c in CAMPAIGNS.on(uow).get_many({m.campaign_id for m in members})}
    return [
        {a.name: getattr(m, a.name) for a in attrs.fields(CampaignMember)}
        | {"campaign": names.get(m.campaign_id)}
        for m in members
    ]


#: What merges, unmerges, erasures and exports do with campaign members: the declaration
#: of :data:`CAMPAIGN_MEMBERS`, exporting each membership with its campaign's name.
CAMPAIGN_MEMBERS_KIND: RecordKind = attrs.evolve(CAMPAIGN_MEMBERS.kind, export=_export_members)
