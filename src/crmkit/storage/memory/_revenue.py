"""Revenue lines in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crmkit.customer_file.revenue import Period, RevenueLine, RevenueTotal, total_lines
from crmkit.storage.memory._base import UndoableDict, UndoLog

__all__ = ["MemoryRevenueRepository"]


class MemoryRevenueRepository:
    def __init__(self, rows: UndoableDict[tuple[str, int], RevenueLine], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def add_all(self, lines: Sequence[RevenueLine]) -> None:
        for line in lines:
            self._rows.put(self._log, (line.transaction_id, line.line), line)

    def totals(
        self, *, period: Period, since: datetime | None = None, until: datetime | None = None
    ) -> list[RevenueTotal]:
        return total_lines(self._rows.values(), period=period, since=since, until=until)
