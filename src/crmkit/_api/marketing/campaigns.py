"""``crm.campaigns``: campaigns launched to a segment with a randomised holdout, their
events and their measured uplift, stored on the generic record store.

The kinds are declared in :mod:`crmkit._api.marketing.campaign_kinds`; the campaign, the draw and
the report are the pure code of :mod:`crmkit.marketing`. Consent is decided by
:func:`crmkit.privacy.consent.may_contact` exactly as the automation decides it, and the messages
go to the CRM's outbox with the automation's idempotency keys (``uow.automation``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import islice

import attrs

from crmkit._api._base import Context
from crmkit._api.marketing.campaign_kinds import CAMPAIGNS, add_event, events_of
from crmkit._api.marketing.campaign_measure import CampaignMeasures
from crmkit._progress import ProgressOption, progress_callback
from crmkit._text_limits import clean_text
from crmkit._types import Money, ensure_aware, new_id
from crmkit.errors import (
    InvalidDatetimeError,
    InvalidTransitionError,
    RecordNotFoundError,
    ValidationError,
)
from crmkit.marketing.campaign import (
    Campaign,
    CampaignEvent,
    CampaignMember,
    CampaignStatus,
    EventType,
    Group,
    LaunchRun,
    campaign_message,
    draw,
)
from crmkit.privacy.consent import ConsentRecord, may_contact
from crmkit.segments import Segment
from crmkit.storage.protocols import (
    queue_once,
    segment_member_ids,
)

__all__ = ["CampaignsAPI"]

_DEFAULT_HOLDOUT = Decimal("0.10")
# From this many members to launch on, their consents are read in one pass, not one by one.
_SCAN_FROM = 1000

_Consents = dict[str, list[ConsentRecord]]


def _chunks(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    it = iter(ids)
    while chunk := list(islice(it, size)):
        yield chunk


class CampaignsAPI(CampaignMeasures):
    """Create, launch and measure campaigns.

    >>> from datetime import UTC, datetime, timedelta
    >>> from decimal import Decimal
    >>> from crmkit import CRM
    >>> from crmkit.segments import tag
    >>> crm = CRM()
    >>> t0 = datetime(2027, 3, 1, 9, tzinfo=UTC)
    >>> for i in range(20):
    ...     c = crm.contacts.create(name=f"Gold {i}", emails=[f"g{i}@example.com"], tags={"gold"})
    ...     _ = crm.consent.record(c.id, purpose="marketing_email", granted=True, at=t0)
    >>> camp = crm.campaigns.create("Spring Gold", channel="email", audience=tag("gold"),
    ...                             purpose="marketing_email", holdout=Decimal("0.25"), seed=7)
    >>> run = crm.campaigns.launch(camp.id, at=t0)
    >>> run.sent, run.held_out, run.skipped_no_consent, len(crm.outbox.pending())
    (15, 5, 0, 15)
    >>> crm.campaigns.launch(camp.id, at=t0).queued
    0
    """

    def create(
        self,
        name: str,
        *,
        channel: str,
        audience: Segment | str,
        purpose: str,
        holdout: Decimal = _DEFAULT_HOLDOUT,
        seed: int | None = None,
    ) -> Campaign:
        """A draft campaign to *audience* (a :class:`~crmkit.segments.Segment`, or the
        name of a saved one, whose definition is copied now) on *channel*, for the consent
        *purpose* (one the CRM knows). *holdout* is the share held out, a ``Decimal`` from
        0 to 0.5; *seed* draws it (default: a random one, kept on the campaign)."""
        if isinstance(audience, str):
            audience = _saved(self._ctx, audience)
        if not isinstance(audience, Segment):
            raise ValidationError("audience", audience, "a Segment or a saved segment's name")
        definition = json.loads(json.dumps(audience.to_dict()))
        campaign = Campaign.new(
            name,
            channel=channel,
            audience=definition,
            purpose=purpose,
            holdout=holdout,
            seed=secrets.randbelow(2**63) if seed is None else seed,
            at=self._ctx.clock(),
            purposes=self._ctx.purposes,
        )
        with self._ctx.write() as uow:
            CAMPAIGNS.on(uow).add(campaign)
            uow.commit()
        return campaign

    def get(self, campaign_id: str) -> Campaign:
        with self._ctx.read() as uow:
            return self._load(uow, campaign_id)

    def members(self, campaign_id: str) -> list[CampaignMember]:
        """The launched campaign's members, treated and held out (erased ones detached)."""
        with self._ctx.read() as uow:
            self._load(uow, campaign_id)
            return uow.campaign_members.of_campaign(campaign_id)

    def launch(
        self,
        campaign_id: str,
        *,
        at: datetime | None = None,
        batch_size: int = 5000,
        progress: ProgressOption = None,
    ) -> LaunchRun:
        """Send the campaign: evaluate its audience at *at* (default now), draw the
        holdout, record every member with their group and whether they consent to the
        campaign's purpose on its channel at *at* (and have not withdrawn since), and queue
        one outbox message per treated, consenting member. Held-out members are never
        messaged.

        Members are written *batch_size* per transaction, each with its message and the
        message's idempotency key, so a launch that crashed midway is finished by calling
        it again (with the audience evaluated at the first call's time); a launched
        campaign is not sent again: the run gives the same totals and ``queued=0``.
        ``progress``: stages ``audience``, ``launch`` (members written of those to write), then
        ``done``; a campaign already launched reports nothing.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValidationError("batch_size", batch_size, "a positive integer")
        when = ensure_aware(self._ctx.clock() if at is None else at, "at")
        report = progress_callback(progress)
        with self._ctx.write() as uow:
            campaign = self._load(uow, campaign_id)
            if campaign.status is CampaignStatus.LAUNCHED:
                return self._run(uow, campaign_id, queued=0)
            if campaign.status is CampaignStatus.DRAFT:
                campaign = attrs.evolve(campaign, status=CampaignStatus.LAUNCHING, launched_at=when)
                CAMPAIGNS.on(uow).update(campaign)
                uow.commit()
        assert campaign.launched_at is not None
        report("audience", 0, 0)
        with self._ctx.read() as uow:
            segment = Segment.from_dict(campaign.audience)
            ids = segment_member_ids(uow, segment, now=campaign.launched_at)
            done = {m.contact_id for m in uow.campaign_members.of_campaign(campaign.id)}
        _, held = draw(campaign, ids)
        held_out = set(held)
        todo = [i for i in ids if i not in done]
        consents = self._consents(campaign, todo) if len(todo) >= _SCAN_FROM else None
        queued = written = 0
        for chunk in _chunks(todo, batch_size):
            queued += self._launch_batch(campaign, chunk, held_out, consents)
            written += len(chunk)
            report("launch", written, len(todo))
        report("done", written, len(todo))
        with self._ctx.write() as uow:
            CAMPAIGNS.on(uow).update(attrs.evolve(campaign, status=CampaignStatus.LAUNCHED))
            run = self._run(uow, campaign.id, queued=queued)
            uow.commit()
        return run

    def _consents(self, campaign: Campaign, contact_ids: list[str]) -> _Consents:
        """The consent records for the campaign's purpose of these contacts, in one pass
        over the workspace's consents: for a large audience, far cheaper than a query per
        member. (Other purposes' records never decide :func:`may_contact` for this one.)"""
        wanted = set(contact_ids)
        found: _Consents = {}
        with self._ctx.read() as uow:
            for r in uow.consents.iter_all():
                if r.purpose == campaign.purpose and r.contact_id in wanted:
                    found.setdefault(r.contact_id, []).append(r)
        return found

    def _launch_batch(
        self,
        campaign: Campaign,
        chunk: list[str],
        held_out: set[str],
        consents: _Consents | None,
    ) -> int:
        assert campaign.launched_at is not None
        when = campaign.launched_at
        now = self._ctx.clock()
        queued = 0
        with self._ctx.write() as uow:
            members: list[CampaignMember] = []
            for contact_id in chunk:
                group = Group.HELD_OUT if contact_id in held_out else Group.TREATED
                ok = may_contact(
                    uow.consents.for_contact(contact_id)
                    if consents is None
                    else consents.get(contact_id, ()),
                    campaign.purpose,
                    campaign.channel,
                    when,
                    purposes=self._ctx.purposes,
                    later_withdrawals=True,
                )
                members.append(CampaignMember(new_id(), campaign.id, contact_id, group, ok, when))
            uow.campaign_members.add_many(members)
            messages = [
                campaign_message(campaign, contact_id)
                for contact_id, member in zip(chunk, members, strict=True)
                if member.messaged
            ]
            queued = queue_once(uow, messages, now)
            uow.commit()
        return queued

    def record_event(
        self,
        campaign_id: str,
        contact_id: str,
        type: str | EventType,
        *,
        at: datetime | None = None,
        revenue: Money | None = None,
        transaction_id: str | None = None,
    ) -> CampaignEvent:
        """Record what happened to a member's message: ``delivered``, ``opened``,
        ``clicked``, ``bounced``, ``unsubscribed`` or ``converted`` (which may carry the
        *revenue* and the ledger's *transaction_id*, a purchase of the same contact). The
        contact must be a member the launch messaged (a held-out or unconsenting member
        got nothing to open: :class:`crmkit.errors.InvalidTransitionError`), and *at* no
        earlier than the launch. ``unsubscribed`` also withdraws the contact's consent to the
        campaign's purpose on its channel (a consent record with source ``campaign``), in
        the same transaction."""
        event = CampaignEvent.new(
            campaign_id,
            contact_id,
            type,
            at=self._ctx.clock() if at is None else at,
            revenue=revenue,
            transaction_id=transaction_id,
        )
        with self._ctx.write() as uow:
            campaign = self._load(uow, campaign_id)
            if campaign.status is CampaignStatus.DRAFT:
                raise InvalidTransitionError("campaign_id", campaign_id, "not launched yet")
            clean_text("contact_id", contact_id, required=True)
            mine = [
                m
                for m in uow.campaign_members.for_contact(contact_id)
                if m.campaign_id == campaign_id
            ]
            if not mine:
                uow.contacts.get(contact_id)
                raise RecordNotFoundError("campaign member", contact_id)
            if not any(m.messaged for m in mine):
                reason = "no message was sent to this member (held out, or no consent)"
                raise InvalidTransitionError("contact_id", contact_id, reason)
            assert campaign.launched_at is not None
            if event.at < campaign.launched_at:
                raise InvalidDatetimeError("at", event.at, "before the campaign's launch")
            if event.transaction_id is not None:
                bought = uow.transactions.get(event.transaction_id)
                if bought.contact_id != contact_id:
                    reason = "a transaction of another contact"
                    raise ValidationError("transaction_id", event.transaction_id, reason)
            add_event(uow, event)
            if event.type is EventType.UNSUBSCRIBED:
                uow.consents.add(
                    ConsentRecord.new(
                        contact_id=contact_id,
                        purpose=campaign.purpose,
                        channel=campaign.channel,
                        granted=False,
                        at=event.at,
                        source="campaign",
                        proof=f"unsubscribed from campaign {campaign.id}",
                        purposes=self._ctx.purposes,
                    )
                )
            uow.commit()
        return event

    def events(self, campaign_id: str) -> list[CampaignEvent]:
        with self._ctx.read() as uow:
            self._load(uow, campaign_id)
            return events_of(uow, campaign_id)


def _saved(ctx: Context, name: str) -> Segment:
    with ctx.read() as uow:
        return Segment.from_dict(uow.segments.get(name))
