"""Revenue lines in the generic record store, one record per line, keyed by time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crmkit.customer_file.revenue import Period, RevenueLine, RevenueTotal, total_lines
from crmkit.storage.codec import sortable_time
from crmkit.storage.records import RecordStore, StoredRecord

__all__ = ["GenericRevenueRepository"]

REVENUE_LINE = "_revenue_line"


def _stored(x: RevenueLine) -> StoredRecord:
    body = {
        "transaction_id": x.transaction_id,
        "line": x.line,
        "occurred_at": x.occurred_at.isoformat(),
        "sku": x.sku,
        "currency": x.currency,
        "net": x.net,
        "vat": x.vat,
    }
    at = sortable_time(x.occurred_at)
    return StoredRecord(REVENUE_LINE, f"{x.transaction_id}:{x.line}", None, 1, body, {"at": at})


def _line(r: StoredRecord) -> RevenueLine:
    b = r.body
    when = datetime.fromisoformat(b["occurred_at"])
    return RevenueLine(
        b["transaction_id"], b["line"], when, b["sku"], b["currency"], b["net"], b["vat"]
    )


class GenericRevenueRepository:
    def __init__(self, store: RecordStore) -> None:
        self._store = store

    def add_all(self, lines: Sequence[RevenueLine]) -> None:
        for line in lines:
            self._store.add(_stored(line))

    def totals(
        self, *, period: Period, since: datetime | None = None, until: datetime | None = None
    ) -> list[RevenueTotal]:
        # The key narrows the scan; total_lines applies the exact half-open bounds.
        lo = None if since is None else sortable_time(since)
        hi = None if until is None else sortable_time(until)
        found = self._store.select(REVENUE_LINE, "at", at_least=lo or "", at_most=hi)
        lines = [_line(r) for r in found]
        return total_lines(lines, period=period, since=since, until=until)
