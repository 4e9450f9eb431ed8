"""Everything an in-memory segment evaluation reads, indexed once.

Events are kept per (channel, direction) as parallel arrays sorted by time (microseconds since
the epoch, and the contact's position), so a window is two bisections and the contacts in it
are counted in C. Field columns are folded lazily, on first use, and cached.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from crmkit._types import Money, paused_gc
from crmkit.contacts import Contact, Organization
from crmkit.funnel.deal import Deal, DealStatus
from crmkit.interactions import Interaction
from crmkit.segments._fields import FieldKind, field_kind, fold_text, read_field
from crmkit.segments.rfm import RFMScores, rfm_scores
from crmkit.value.ledger import Transaction, TransactionKind
from crmkit.value.rates import RatesTable

__all__ = ["EventSeries", "SegmentIndex", "micros"]

#: (contact_id, channel, direction, occurred_at)
InteractionRow = tuple[str, str, str, datetime]
#: (contact_id, occurred_at, amount)
PurchaseRow = tuple[str, datetime, Money]
#: (contact_id, pipeline_id, stage) of an open deal
DealRow = tuple[str, str, str]


def micros(at: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch (exact to the µs)."""
    return round(at.timestamp() * 1_000_000)


class EventSeries:
    """Events of one kind, sorted by time: ``times[k]`` happened to contact ``who[k]``."""

    __slots__ = ("extra", "times", "who")

    def __init__(self, rows: list[tuple[int, int, Any]]) -> None:
        rows.sort(key=lambda r: r[0])
        self.times = array("q", [r[0] for r in rows])
        self.who = array("l", [r[1] for r in rows])
        self.extra = [r[2] for r in rows] if rows and rows[0][2] is not None else []

    def window(self, lo: int | None, hi: int) -> tuple[int, int]:
        """Positions ``[a, b)`` of the events with ``lo <= time <= hi``."""
        a = 0 if lo is None else bisect.bisect_left(self.times, lo)
        return a, bisect.bisect_right(self.times, hi)


def _interaction_row(row: Any) -> InteractionRow:
    if isinstance(row, Interaction):
        return (row.contact_id, row.channel, row.direction.value, row.occurred_at)
    return row  # type: ignore[no-any-return]


class SegmentIndex:
    """Contacts, their organizations and behaviour, indexed once for evaluation: the data
    half of :class:`~crmkit.segments.SegmentData` (which adds ``member_ids``, ``members`` and
    ``count``), and what in-memory handlers read (``MemoryScope.data``)."""

    def __init__(
        self,
        contacts: Iterable[Contact],
        *,
        organizations: Iterable[Organization] | Mapping[str, Organization] = (),
        interactions: Iterable[InteractionRow | Interaction] = (),
        purchases: Iterable[PurchaseRow | Transaction] = (),
        open_deals: Iterable[DealRow | Deal] = (),
        lists: Mapping[str, Iterable[str]] | None = None,
        rates: RatesTable | None = None,
    ) -> None:
        with paused_gc():
            self.contacts: tuple[Contact, ...] = tuple(contacts)
            self.ids: tuple[str, ...] = tuple(c.id for c in self.contacts)
            self.position: dict[str, int] = {cid: i for i, cid in enumerate(self.ids)}
            orgs = organizations.values() if isinstance(organizations, Mapping) else organizations
            self.organizations: dict[str, Organization] = {o.id: o for o in orgs}
            self.rates = rates
            self.tags: dict[str, set[int]] = {}
            for i, c in enumerate(self.contacts):
                for t in c.tags:
                    self.tags.setdefault(t, set()).add(i)
            self.interactions = self._index_interactions(interactions)
            self.purchase_rows: list[PurchaseRow] = []
            self.purchases = self._index_purchases(purchases)
            self.open_deals: list[tuple[int, str, str]] = []
            for d in open_deals:
                if isinstance(d, Deal):
                    if d.status is not DealStatus.OPEN or d.contact_id is None:
                        continue
                    d = (d.contact_id, d.pipeline_id, d.stage)
                at = self.position.get(d[0])
                if at is not None:
                    self.open_deals.append((at, d[1], d[2]))
            self.lists: dict[str, set[int]] = {
                name: {p for cid in ids if (p := self.position.get(cid)) is not None}
                for name, ids in (lists or {}).items()
            }
        self._columns: dict[str, list[Any]] = {}
        self._rfm: dict[datetime, dict[int, RFMScores]] = {}

    def _index_interactions(
        self, rows: Iterable[InteractionRow | Interaction]
    ) -> dict[tuple[str, str], EventSeries]:
        pos = self.position
        buckets: dict[tuple[str, str], list[tuple[int, int, Any]]] = {}
        for row in rows:
            cid, channel, direction, at = _interaction_row(row)
            i = pos.get(cid)
            if i is None:
                continue
            key = (channel, str(direction))
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = []
            bucket.append((round(at.timestamp() * 1_000_000), i, None))
        return {key: EventSeries(rows) for key, rows in buckets.items()}

    def _index_purchases(self, rows: Iterable[PurchaseRow | Transaction]) -> EventSeries:
        out: list[tuple[int, int, Any]] = []
        for row in rows:
            if isinstance(row, Transaction):
                if row.kind is not TransactionKind.PURCHASE:
                    continue
                row = (row.contact_id, row.occurred_at, row.amount)
            i = self.position.get(row[0])
            if i is None:
                continue
            self.purchase_rows.append(row)
            out.append((micros(row[1]), i, (row[2], row[1])))
        return EventSeries(out)

    def column(self, name: str) -> list[Any]:
        """Field *name* of every contact, in contact order, text folded (cached)."""
        col = self._columns.get(name)
        if col is None:
            kind = field_kind(name)
            orgs = self.organizations
            raw = [read_field(name, c, orgs) for c in self.contacts]
            if kind in (FieldKind.TEXT, FieldKind.CUSTOM):
                col = [fold_text(v) if isinstance(v, str) else v for v in raw]
            else:
                col = raw
            self._columns[name] = col
        return col

    def rfm(self, now: datetime) -> dict[int, RFMScores]:
        """RFM scores by contact position, computed once per ``now``."""
        scores = self._rfm.get(now)
        if scores is None:
            by_id = rfm_scores(self.purchase_rows, now=now, rates=self.rates)
            scores = {self.position[cid]: s for cid, s in by_id.items()}
            self._rfm = {now: scores}
        return scores
