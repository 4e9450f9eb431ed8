"""Segments evaluated in Python over everything a unit of work holds (the memory backend's
way, and the fallback any backend may use)."""

from __future__ import annotations

from datetime import datetime

from crmkit.contacts import Contact
from crmkit.funnel.deal import DealStatus
from crmkit.segments import Segment, SegmentData
from crmkit.segments.lists import members_at
from crmkit.storage.protocols import UnitOfWork
from crmkit.value.ledger import TransactionKind

__all__ = ["segment_count_in_memory", "segment_data", "segment_members_in_memory"]


def segment_data(uow: UnitOfWork) -> SegmentData:
    """Every contact with what segments read about them, from one consistent read."""
    return SegmentData(
        list(uow.contacts.iter_all()),
        organizations=list(uow.organizations.iter_all()),
        interactions=list(uow.interactions.iter_all()),
        purchases=[t for t in uow.transactions.iter_all() if t.kind == TransactionKind.PURCHASE],
        open_deals=[d for d in uow.deals.iter_all() if d.status is DealStatus.OPEN],
        lists={name: members_at(uow.lists.changes(name)) for name in uow.lists.names()},
    )


def segment_members_in_memory(uow: UnitOfWork, segment: Segment, *, now: datetime) -> list[Contact]:
    """:meth:`UnitOfWork.segment_members` by :func:`crmkit.segments.evaluate`.

    >>> from datetime import UTC, datetime
    >>> from crmkit.segments import tag
    >>> from crmkit.storage import MemoryStorage
    >>> storage = MemoryStorage()
    >>> with storage.unit_of_work("acme") as uow:
    ...     uow.contacts.add(Contact.new(name="Besa", tags={"vip"}))
    ...     [c.name for c in segment_members_in_memory(uow, tag("vip"), now=datetime.now(UTC))]
    ['Besa']
    """
    return list(segment_data(uow).members(segment, now=now))


def segment_count_in_memory(uow: UnitOfWork, segment: Segment, *, now: datetime) -> int:
    """:meth:`UnitOfWork.segment_count` by :func:`crmkit.segments.evaluate`."""
    return segment_data(uow).count(segment, now=now)
