"""Campaigns' records, each declared once.

Campaigns and their events live on the generic record store. Members have a repository of
their own (``uow.campaign_members``, one SQL row per member: a launch writes a million of
them), declared here as a :class:`crmkit.storage.kinds.RecordKind` so merges, erasures
and the export read it like any other kind.

Members and events hang off a contact, so merges move them, unmerges bring them back and
the export shows them. An erasure keeps them detached (the contact set to ``None``): the
campaign's counts survive the person, and nothing left names them (an event's transaction
id goes too). Campaigns themselves belong to the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from crmkit.marketing.campaign import (
    Campaign,
    CampaignEvent,
    CampaignMember,
    EventType,
    anonymised_event,
)
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import CampaignEventCounts, UnitOfWork
from crmkit.storage.typed import StoredKind

__all__ = [
    "CAMPAIGNS",
    "CAMPAIGN_EVENTS",
    "CAMPAIGN_MEMBERS_KIND",
    "add_event",
    "event_counts",
    "events_of",
]


def _event_keys(e: CampaignEvent) -> Mapping[str, str | None]:
    # One key: a range over it finds the campaign's events, an exact value one type's.
    return {"type": f"{e.campaign_id}:{e.type.value}"}


CAMPAIGNS: StoredKind[Campaign] = StoredKind(
    "campaigns", AttrsCodec(Campaign, keys=lambda c: {"status": c.status.value}, contact=None)
)
CAMPAIGN_EVENTS: StoredKind[CampaignEvent] = StoredKind(
    "campaign_events", AttrsCodec(CampaignEvent, keys=_event_keys), on_erasure=anonymised_event
)


def events_of(uow: UnitOfWork, campaign_id: str) -> list[CampaignEvent]:
    """The campaign's events in id (recording) order."""
    found = CAMPAIGN_EVENTS.on(uow).select(
        "type", at_least=f"{campaign_id}:", at_most=f"{campaign_id}:\U0010ffff"
    )
    return sorted(found, key=lambda e: e.id)


def add_event(uow: UnitOfWork, event: CampaignEvent) -> None:
    """Store the event and count it where the backend keeps counts
    (:class:`crmkit.storage.protocols.CampaignEventCounts`), in the same transaction."""
    CAMPAIGN_EVENTS.on(uow).add(event)
    counter = uow.campaign_members
    if isinstance(counter, CampaignEventCounts):
        counter.count_events(event.campaign_id, {event.type: 1})


def event_counts(uow: UnitOfWork, campaign_id: str) -> dict[EventType, int]:
    """The campaign's events by type (types with none left out): the backend's kept
    counts, or each type's events counted."""
    counter = uow.campaign_members
    if isinstance(counter, CampaignEventCounts):
        return counter.event_counts(campaign_id)
    events = CAMPAIGN_EVENTS.on(uow)
    found = {t: events.count("type", equals=f"{campaign_id}:{t.value}") for t in EventType}
    return {t: n for t, n in found.items() if n}


def _export_members(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    # The person sees which campaign reached them by name, not only by id.
    members = uow.campaign_members.for_contact(contact_id)
    names = {c.id: c.name for c in CAMPAIGNS.on(uow).get_many({m.campaign_id for m in members})}
    return [
        {a.name: getattr(m, a.name) for a in attrs.fields(CampaignMember)}
        | {"campaign": names.get(m.campaign_id)}
        for m in members
    ]


def _detach_members(uow: UnitOfWork, contact_id: str, erasure_id: str) -> None:
    uow.campaign_members.detach_contact(contact_id)


#: What merges, unmerges, erasures and exports do with campaign members: their repository
#: moves them, an erasure keeps them detached, the export names each one's campaign.
CAMPAIGN_MEMBERS_KIND = RecordKind(
    "campaign_members",
    lambda uow: uow.campaign_members,
    export=_export_members,
    keep_on_erasure=_detach_members,
)
