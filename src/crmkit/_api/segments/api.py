"""``crm.segments``, ``crm.consent`` and ``crm.audience``: who to target, and who may be."""

from __future__ import annotations

import json
from datetime import datetime

from crmkit._api._base import Context
from crmkit._keywords import given
from crmkit._types import ensure_aware
from crmkit.contacts import Contact
from crmkit.errors import ValidationError
from crmkit.privacy.consent import AudienceMember, ConsentRecord, audience, check_purpose
from crmkit.segments import Segment
from crmkit.storage._segment_data import segment_data
from crmkit.value.rates import RatesTable

__all__ = ["ConsentAPI", "SegmentsAPI", "rates_option", "segment_data"]


class SegmentsAPI:
    """Evaluate, save and load segments.

    >>> from crmkit import CRM
    >>> from crmkit.segments import field, tag
    >>> crm = CRM()
    >>> _ = crm.contacts.create(name="Ivan", city="Sofia", tags={"vip"})
    >>> _ = crm.contacts.create(name="Besa", city="Tiranë", tags={"vip"})
    >>> seg = (field("city") == "Sofia") & tag("vip")
    >>> [c.name for c in crm.segments.members(seg)], crm.segments.count(seg)
    (['Ivan'], 1)
    >>> crm.segments.save("Sofia VIPs", seg)
    >>> crm.segments.get("Sofia VIPs") == seg, crm.segments.list()
    (True, ['Sofia VIPs'])
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _now(self, now: datetime | None) -> datetime:
        return self._ctx.clock() if now is None else ensure_aware(now, "now")

    def members(
        self, segment: Segment, *, now: datetime | None = None, rates: RatesTable | None = None
    ) -> list[Contact]:
        """The contacts in *segment* at *now* (default: the CRM's clock). Purchase totals
        and RFM over several currencies need *rates*: each purchase is converted at its
        day's rate (into the total's currency; RFM into the rates' base). Without them a
        total that meets another currency raises :class:`crmkit.errors.CurrencyMismatchError`.
        See docs/segments.md, "Several currencies"."""
        when = self._now(now)
        with self._ctx.read() as uow:
            return uow.segment_members(segment, now=when, **rates_option(rates))

    def count(
        self, segment: Segment, *, now: datetime | None = None, rates: RatesTable | None = None
    ) -> int:
        """How many contacts :meth:`members` would return."""
        when = self._now(now)
        with self._ctx.read() as uow:
            return uow.segment_count(segment, now=when, **rates_option(rates))

    def save(self, name: str, segment: Segment) -> None:
        """Save (or replace) a dynamic segment under *name*; it is evaluated afresh each time."""
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name", name, "a segment needs a name")
        if not isinstance(segment, Segment):
            raise ValidationError("segment", segment, "expected a crmkit.segments.Segment")
        definition = json.loads(json.dumps(segment.to_dict()))
        with self._ctx.write() as uow:
            uow.segments.put(name.strip(), definition, self._ctx.clock())
            uow.commit()

    def get(self, name: str) -> Segment:
        """The saved segment, or :class:`crmkit.errors.SegmentNotFoundError`."""
        with self._ctx.read() as uow:
            return Segment.from_dict(uow.segments.get(name))

    def list(self) -> list[str]:
        with self._ctx.read() as uow:
            return uow.segments.names()

    def delete(self, name: str) -> None:
        with self._ctx.write() as uow:
            uow.segments.delete(name)
            uow.commit()


def rates_option(rates: RatesTable | None) -> dict[str, RatesTable]:
    """``rates=`` for a unit of work's segment methods, passed only when given (backends
    written before it take none), and checked first."""
    if rates is None:
        return {}
    if not isinstance(rates, RatesTable):
        raise ValidationError("rates", rates, "expected a crmkit.value.rates.RatesTable")
    return {"rates": rates}


class ConsentAPI:
    """Consent records per contact: purpose, channel, granted or withdrawn, proof.

    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> c = crm.contacts.create(name="Besa", emails=["besa@example.al"])
    >>> _ = crm.consent.record(c.id, purpose="marketing_email", channel="email", granted=True,
    ...                        source="webform", proof="ticked the box on /signup")
    >>> [m.address for m in crm.audience(purpose="marketing_email", channel="email")]
    ['besa@example.al']
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def record(
        self,
        contact_id: str,
        *,
        purpose: str,
        granted: bool,
        at: datetime | None = None,
        channel: str | None = None,
        source: str | None = None,
        proof: str | None = None,
        id: str | None = None,
    ) -> ConsentRecord:
        """Keep a grant (``granted=True``) or a withdrawal of consent for *purpose* (one of
        the CRM's purposes) on *channel* (``None``: every channel), at *at* (default now),
        with where it came from (*source*) and the *proof*."""
        fields = given(locals(), skip=("at",))
        record = ConsentRecord.new(
            at=self._ctx.clock() if at is None else at, purposes=self._ctx.purposes, **fields
        )
        with self._ctx.write() as uow:
            uow.contacts.get(contact_id)
            uow.consents.add(record)
            uow.commit()
        return record

    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        with self._ctx.read() as uow:
            uow.contacts.get(contact_id)
            return uow.consents.for_contact(contact_id)


def build_audience(
    ctx: Context, segment: Segment | None, *, purpose: str, channel: str, at: datetime | None
) -> tuple[AudienceMember, ...]:
    when = ctx.clock() if at is None else ensure_aware(at, "at")
    check_purpose(purpose, ctx.purposes)  # before reading anything
    with ctx.read() as uow:
        if segment is None:
            contacts = list(uow.contacts.iter_all())
        else:
            contacts = uow.segment_members(segment, now=when)
        consents = list(uow.consents.iter_all())
    return audience(
        contacts, consents, purpose=purpose, channel=channel, at=when, purposes=ctx.purposes
    )
