"""Segments evaluated in Python over everything a unit of work holds (the memory backend's
way, and the fallback any backend may use)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crmkit.contacts import Contact
from crmkit.funnel.deal import DealStatus
from crmkit.segments import Segment, SegmentData, evaluate
from crmkit.segments.breakdown import Dimension, value_counts
from crmkit.segments.lists import members_at
from crmkit.service.case import CASE_KIND, DONE_STATUSES
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.records import RecordStore
from crmkit.value.ledger import TransactionKind
from crmkit.value.rates import RatesTable

__all__ = [
    "case_rows",
    "catalogue",
    "segment_count_in_memory",
    "segment_data",
    "segment_members_in_memory",
    "segment_value_counts",
]


def segment_data(uow: UnitOfWork, *, rates: RatesTable | None = None) -> SegmentData:
    """Every contact with what segments read about them, from one consistent read; totals
    and RFM over several currencies convert at *rates*."""
    return SegmentData(
        list(uow.contacts.iter_all()),
        organizations=list(uow.organizations.iter_all()),
        interactions=list(uow.interactions.iter_all()),
        purchases=[t for t in uow.transactions.iter_all() if t.kind == TransactionKind.PURCHASE],
        open_deals=[d for d in uow.deals.iter_all() if d.status is DealStatus.OPEN],
        lists={name: members_at(uow.lists.changes(name)) for name in uow.lists.names()},
        cases=case_rows(uow.records),
        catalogue=catalogue(uow),
        rates=rates,
    )


def case_rows(records: RecordStore) -> list[tuple[str, bool, str, int | None]]:
    """``(contact_id, open, reason, score)`` of each case of a contact, from the keys the
    cases kind writes (:data:`crmkit.service.case.CASE_KIND`), as SQL reads them."""
    out = []
    for r in records.select(CASE_KIND):
        keys = r.keys
        if r.contact_id is None or "reason" not in keys:
            continue
        score = keys.get("csat")
        is_open = keys.get("status") not in DONE_STATUSES
        out.append((r.contact_id, is_open, keys["reason"], None if score is None else int(score)))
    return out


def catalogue(uow: UnitOfWork) -> dict[str, str | None]:
    """Each product's folded SKU and category, from the keys the catalogue's record kind
    (``products``, declared in ``crmkit._api.customer_file.kinds``) is looked up by."""
    return {r.keys["sku"]: r.keys.get("category") for r in uow.records.select("products")}


def segment_members_in_memory(
    uow: UnitOfWork, segment: Segment, *, now: datetime, rates: RatesTable | None = None
) -> list[Contact]:
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
    return list(segment_data(uow, rates=rates).members(segment, now=now))


def segment_count_in_memory(
    uow: UnitOfWork, segment: Segment, *, now: datetime, rates: RatesTable | None = None
) -> int:
    """:meth:`UnitOfWork.segment_count` by :func:`crmkit.segments.evaluate`."""
    return segment_data(uow, rates=rates).count(segment, now=now)


def segment_value_counts(
    uow: UnitOfWork,
    segment: Segment,
    dimensions: Sequence[Dimension],
    *,
    now: datetime,
    rates: RatesTable | None = None,
) -> list[list[tuple[Any, int]]]:
    """The unit of work's :class:`~crmkit.storage.protocols.SegmentValueCounts` fast path,
    or the fallback: every contact loaded and counted in Python."""
    served = getattr(uow, "segment_value_counts", None)
    if callable(served):
        extra = {} if rates is None else {"rates": rates}
        return [list(pairs) for pairs in served(segment, dimensions, now=now, **extra)]
    data = segment_data(uow, rates=rates)
    chosen = evaluate(segment, data, now=now)
    return [value_counts(data, by, chosen, now=now) for by in dimensions]
