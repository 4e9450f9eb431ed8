"""Automation bookkeeping in the generic record store: done keys, the outbox, round robin
turns."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from crmkit.errors import NotFoundError
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic._table import RecordTable, TableKind, upsert
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.records import RecordStore, StoredRecord
from crmkit.tasks.automation import ContactDates, subject_of
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.routing import RoundRobinState
from crmkit.tasks.users import local_day, zone
from crmkit.value.ledger import TransactionKind

__all__ = ["GenericAutomationRepository", "GenericOutboxRepository", "GenericRoutingRepository"]

AUTOMATION_KEY = "_automation_key"
ROUTING = "_routing"


class _MessageNotFoundError(NotFoundError):
    kind = "message"


OUTBOX = TableKind("_outbox", "message", AttrsCodec(QueuedMessage), _MessageNotFoundError)


class GenericAutomationRepository:
    """Done keys are records named by the key, filed under their subject."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._store = uow.records

    def contact_dates(
        self, timezone: str, *, after: str | None = None, limit: int = 10_000
    ) -> list[ContactDates]:
        """The core has no paged listing of contacts, so each page reads every contact id
        once (linear per page), then one ledger and one timeline look-up per contact."""
        local = local_day(zone(timezone))
        uow = self._uow
        ids = sorted(c.id for c in uow.contacts.iter_all() if after is None or c.id > after)
        out = []
        for c in uow.contacts.find_many(ids[:limit]):
            purchases = [
                t.occurred_at
                for t in uow.transactions.for_contact(c.id)
                if t.kind is TransactionKind.PURCHASE
            ]
            latest = uow.interactions.timeline(c.id, limit=1)
            out.append(
                ContactDates(
                    c.id,
                    c.birthday,
                    local(min(purchases)) if purchases else None,
                    local(latest[0].occurred_at) if latest else None,
                    c.owner,
                    c.name,
                )
            )
        return out

    def done_keys(self, keys: Collection[str]) -> set[str]:
        return {r.id for r in self._store.get_many(AUTOMATION_KEY, keys)}

    def record_key(self, key: str, rule: str, at: datetime) -> bool:
        if self._store.get_many(AUTOMATION_KEY, [key]):
            return False
        body = {"rule": rule, "at": at.isoformat()}
        self._store.add(
            StoredRecord(AUTOMATION_KEY, key, None, 1, body, {"subject": subject_of(key)})
        )
        return True

    def erase_subject(self, subject_id: str) -> int:
        gone = self._store.select(AUTOMATION_KEY, "subject", equals=subject_id)
        for record in gone:
            self._store.remove(AUTOMATION_KEY, record.id)
        return len(gone)


class GenericOutboxRepository(RecordTable[QueuedMessage]):
    """Messages by id, which is queueing order (ids are time-ordered)."""

    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, OUTBOX)

    def put(self, message: QueuedMessage) -> None:
        self.add(message)

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]:
        found = self.store.select(self.kind.name, limit=limit)
        return [self.kind.codec.decode(r) for r in found]

    def ack(self, message_ids: Iterable[str]) -> int:
        found = self.store.get_many(self.kind.name, set(message_ids))
        for record in found:
            self.store.remove(self.kind.name, record.id)
        return len(found)


class GenericRoutingRepository:
    """The last assignee of each team, as a record named by the team."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store

    def round_robin(self) -> RoundRobinState:
        return RoundRobinState({r.id: r.body["last"] for r in self._store.select(ROUTING)})

    def save_round_robin(self, team: str, last: str) -> None:
        upsert(self._store, StoredRecord(ROUTING, team, None, 1, {"last": last}))
