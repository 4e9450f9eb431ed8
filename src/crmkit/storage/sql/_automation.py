"""Automation bookkeeping on any SQL backend: done keys, the outbox and round robin turns."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any

from crmkit.storage.sql._session import Row, SQLSession
from crmkit.tasks.automation import ContactDates, subject_of
from crmkit.tasks.outbox import QueuedMessage
from crmkit.tasks.routing import RoundRobinState
from crmkit.tasks.users import local_day, zone

__all__ = ["SQLAutomationRepository", "SQLOutboxRepository", "SQLRoutingRepository"]

# Correlated subqueries read one index entry per contact (the ledger's and the timeline's
# (workspace, contact_id, occurred_at) indexes): no interaction or transaction row is loaded,
# and pages follow the contacts' primary key, so memory stays flat however many there are.
# Each subquery names the workspace itself (not ``= c.workspace``): Citus then routes the
# whole statement to the workspace's one shard instead of sending it to every shard.
_CONTACT_DATES = """
SELECT c.id, c.birthday, c.owner, c.name,
    (SELECT min(t.occurred_at) FROM transactions t
      WHERE t.workspace = ? AND t.contact_id = c.id AND t.kind = 'purchase'),
    (SELECT max(i.occurred_at) FROM interactions i
      WHERE i.workspace = ? AND i.contact_id = c.id)
FROM contacts c
WHERE c.workspace = ? AND c.id > ?
ORDER BY c.id
LIMIT ?
"""


def _chunks(values: Iterable[str], size: int) -> Iterable[list[str]]:
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


class SQLAutomationRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def contact_dates(
        self, timezone: str, *, after: str | None = None, limit: int = 10_000
    ) -> list[ContactDates]:
        d = self._db.dialect
        ws = self._ws
        rows = self._db.fetchall(_CONTACT_DATES, (ws, ws, ws, after or "", int(limit)))
        local = local_day(zone(timezone))

        def day(value: Any) -> date | None:
            return None if value is None else local(d.ts_out(value))

        return [
            ContactDates(
                r[0], None if r[1] is None else d.day_out(r[1]), day(r[4]), day(r[5]), r[2], r[3]
            )
            for r in rows
        ]

    def done_keys(self, keys: Collection[str]) -> set[str]:
        d = self._db.dialect
        found: set[str] = set()
        for chunk in _chunks(keys, d.max_in_list):
            cond, params = d.in_list("key", chunk)
            rows = self._db.fetchall(
                f"SELECT key FROM automation_keys WHERE workspace = ? AND {cond}",
                (self._ws, *params),
            )
            found.update(r[0] for r in rows)
        return found

    def record_keys(self, keys: Iterable[tuple[str, str]], at: datetime) -> set[str]:
        """See :class:`crmkit.storage.protocols.BulkKeys`. No ``ON CONFLICT`` here: the
        keys were read as missing, so one another writer adds meanwhile must fail the unit
        of work, not be reported as recorded by this one."""
        wanted: dict[str, str] = {}
        for key, rule in keys:
            wanted.setdefault(key, rule)
        done = self.done_keys(wanted)
        when = self._db.dialect.ts(at)
        new = {k: r for k, r in wanted.items() if k not in done}
        self._db.executemany(
            "INSERT INTO automation_keys (workspace, key, rule, done_at) VALUES (?, ?, ?, ?)",
            [(self._ws, k, r, when) for k, r in new.items()],
        )
        return set(new)

    def record_key(self, key: str, rule: str, at: datetime) -> bool:
        changed = self._db.execute(
            "INSERT INTO automation_keys (workspace, key, rule, done_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (workspace, key) DO NOTHING",
            (self._ws, key, rule, self._db.dialect.ts(at)),
        )
        return changed == 1

    def erase_subject(self, subject_id: str) -> int:
        # Keys end in ':<subject>:<YYYY-MM-DD>'. LIKE narrows the scan of the workspace's keys
        # (and is case-insensitive on SQLite); the exact subject is checked here.
        escaped = subject_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%:{escaped}:%"
        rows = self._db.fetchall(
            "SELECT key FROM automation_keys WHERE workspace = ? AND key LIKE ? ESCAPE '\\'",
            (self._ws, pattern),
        )
        gone = [r[0] for r in rows if subject_of(r[0]) == subject_id]
        for chunk in _chunks(gone, self._db.dialect.max_in_list):
            cond, params = self._db.dialect.in_list("key", chunk)
            self._db.execute(
                f"DELETE FROM automation_keys WHERE workspace = ? AND {cond}", (self._ws, *params)
            )
        return len(gone)


def _message_row(m: QueuedMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "key": m.key,
        "rule": m.rule,
        "contact_id": m.contact_id,
        "template": m.template,
        "send_on": m.send_on.isoformat(),
        "channel": m.channel,
        "data": dict(m.data),
    }


def _message(r: Row, data: Any) -> QueuedMessage:
    # contact_id comes from its column: merges move messages by updating that column alone.
    return QueuedMessage(
        data["id"],
        data["key"],
        data["rule"],
        r[1],
        data["template"],
        date.fromisoformat(data["send_on"]),
        data.get("channel"),
        data.get("data", {}),
    )


class SQLOutboxRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def put(self, message: QueuedMessage) -> None:
        self.put_many([message])

    def put_many(self, messages: Iterable[QueuedMessage]) -> int:
        """See :class:`crmkit.storage.protocols.BulkOutbox`."""
        json = self._db.dialect.json
        rows = [(self._ws, m.id, m.key, m.contact_id, json(_message_row(m))) for m in messages]
        self._db.executemany(
            "INSERT INTO outbox (workspace, id, key, contact_id, data) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]:
        # Ids are time-ordered, so id order is queueing order.
        sql = "SELECT id, contact_id, data FROM outbox WHERE workspace = ? ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        d = self._db.dialect
        return [_message(r, d.json_out(r[2])) for r in self._db.fetchall(sql, (self._ws,))]

    def ack(self, message_ids: Iterable[str]) -> int:
        d = self._db.dialect
        gone = 0
        for chunk in _chunks(sorted(set(message_ids)), d.max_in_list):
            cond, params = d.in_list("id", chunk)
            gone += self._db.execute(
                f"DELETE FROM outbox WHERE workspace = ? AND {cond}", (self._ws, *params)
            )
        return gone

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        rows = self._db.fetchall(
            "SELECT id FROM outbox WHERE workspace = ? AND contact_id = ? ORDER BY id",
            (self._ws, from_id),
        )
        self._db.execute(
            "UPDATE outbox SET contact_id = ? WHERE workspace = ? AND contact_id = ?",
            (to_id, self._ws, from_id),
        )
        return [r[0] for r in rows]

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        self._db.executemany(
            "UPDATE outbox SET contact_id = ? WHERE workspace = ? AND id = ?",
            [(contact_id, self._ws, rid) for rid in record_ids],
        )

    def erase_contact(self, contact_id: str) -> int:
        # A queued message carries the person's address and name: an erasure drops it unsent.
        return self._db.execute(
            "DELETE FROM outbox WHERE workspace = ? AND contact_id = ?", (self._ws, contact_id)
        )


class SQLRoutingRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def round_robin(self) -> RoundRobinState:
        rows = self._db.fetchall(
            "SELECT team, last_assignee FROM routing_state WHERE workspace = ?", (self._ws,)
        )
        return RoundRobinState({r[0]: r[1] for r in rows})

    def save_round_robin(self, team: str, last: str) -> None:
        self._db.execute(
            "INSERT INTO routing_state (workspace, team, last_assignee) VALUES (?, ?, ?) "
            "ON CONFLICT (workspace, team) DO UPDATE SET last_assignee = excluded.last_assignee",
            (self._ws, team, last),
        )
