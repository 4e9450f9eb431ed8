"""Automation bookkeeping in memory: done keys, the outbox and round robin turns."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import attrs

from crmkit.errors import AlreadyExistsError
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._contacts import ContactTables
from crmkit.storage.memory._interactions import InteractionTables
from crmkit.tasks.automation import ContactDates, subject_of
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.routing import RoundRobinState
from crmkit.tasks.users import local_day, zone
from crmkit.value.ledger import Transaction, TransactionKind

__all__ = ["MemoryAutomationRepository", "MemoryOutboxRepository", "MemoryRoutingRepository"]


class MemoryAutomationRepository:
    def __init__(
        self,
        keys: UndoableDict[str, str],
        log: UndoLog,
        contacts: ContactTables,
        interactions: InteractionTables,
        transactions: UndoableDict[str, Transaction],
    ) -> None:
        self._keys = keys
        self._log = log
        self._contacts = contacts
        self._interactions = interactions
        self._transactions = transactions

    def contact_dates(
        self, timezone: str, *, after: str | None = None, limit: int = 10_000
    ) -> list[ContactDates]:
        local = local_day(zone(timezone))
        ids = sorted(k for k in self._contacts.rows.data if after is None or k > after)[:limit]
        wanted = set(ids)
        # One pass over the ledger per page: the in-memory backend is for small workspaces.
        first: dict[str, datetime] = {}
        for t in self._transactions.data.values():
            if t.kind is TransactionKind.PURCHASE and t.contact_id in wanted:
                seen = first.get(t.contact_id)
                if seen is None or t.occurred_at < seen:
                    first[t.contact_id] = t.occurred_at
        out = []
        for cid in ids:
            c = self._contacts.rows.data[cid]
            timeline = self._interactions.by_contact.get(cid)
            fp = first.get(cid)
            out.append(
                ContactDates(
                    cid,
                    c.birthday,
                    None if fp is None else local(fp),
                    local(timeline[-1][0]) if timeline else None,
                    c.owner,
                    c.name,
                )
            )
        return out

    def done_keys(self, keys: Collection[str]) -> set[str]:
        return {k for k in keys if k in self._keys}

    def record_key(self, key: str, rule: str, at: datetime) -> bool:
        if key in self._keys:
            return False
        self._keys.put(self._log, key, rule)
        return True

    def erase_subject(self, subject_id: str) -> int:
        gone = [k for k in self._keys.data if subject_of(k) == subject_id]
        for key in gone:
            self._keys.pop(self._log, key)
        return len(gone)


class MemoryOutboxRepository:
    def __init__(self, rows: UndoableDict[str, QueuedMessage], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def put(self, message: QueuedMessage) -> None:
        if message.id in self._rows:
            raise AlreadyExistsError("message", message.id)
        self._rows.put(self._log, message.id, message)

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]:
        # Ids are time-ordered, so id order is queueing order (as on the SQL backends).
        found = [self._rows.data[k] for k in sorted(self._rows.data)]
        return found if limit is None else found[:limit]

    def ack(self, message_ids: Iterable[str]) -> int:
        return sum(self._rows.pop(self._log, mid) is not None for mid in set(message_ids))

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        ids = sorted(k for k, m in self._rows.data.items() if m.contact_id == from_id)
        self.assign_contact(ids, to_id)
        return ids

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        for key in record_ids:
            msg = self._rows.data[key]
            self._rows.put(self._log, key, attrs.evolve(msg, contact_id=contact_id))

    def erase_contact(self, contact_id: str) -> int:
        # A queued message carries the person's address and name: an erasure drops it unsent.
        ids = [k for k, m in self._rows.data.items() if m.contact_id == contact_id]
        for key in ids:
            self._rows.pop(self._log, key)
        return len(ids)


class MemoryRoutingRepository:
    def __init__(self, rows: UndoableDict[str, str], log: UndoLog) -> None:
        self._rows = rows
        self._log = log

    def round_robin(self) -> RoundRobinState:
        return RoundRobinState(dict(self._rows.data))

    def save_round_robin(self, team: str, last: str) -> None:
        self._rows.put(self._log, team, last)
