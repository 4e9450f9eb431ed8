"""Interactions in memory, kept per contact in timeline order."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import attrs

from crmkit.errors import AlreadyExistsError, ConflictError, InteractionNotFoundError
from crmkit.interactions import Interaction
from crmkit.storage.memory._base import UndoableDict, UndoLog
from crmkit.storage.memory._contacts import ContactTables

__all__ = ["InteractionTables", "MemoryInteractionRepository"]

_Entry = tuple[datetime, str]  # (occurred_at, id): sorts like the timeline, oldest first


class InteractionTables:
    def __init__(self) -> None:
        self.rows: UndoableDict[str, Interaction] = UndoableDict()
        self.by_contact: dict[str, list[_Entry]] = {}


class MemoryInteractionRepository:
    def __init__(
        self, tables: InteractionTables, log: UndoLog, contacts: ContactTables | None = None
    ) -> None:
        self._t = tables
        self._log = log
        self._contacts = contacts

    def _link(self, it: Interaction) -> None:
        entries = self._t.by_contact.setdefault(it.contact_id, [])
        entry = (it.occurred_at, it.id)
        bisect.insort(entries, entry)
        self._log.record(lambda: entries.remove(entry))

    def _unlink(self, it: Interaction) -> None:
        entries = self._t.by_contact[it.contact_id]
        entry = (it.occurred_at, it.id)
        entries.remove(entry)
        self._log.record(lambda: bisect.insort(entries, entry))

    def add(self, interaction: Interaction) -> None:
        if interaction.id in self._t.rows:
            raise AlreadyExistsError("interaction", interaction.id)
        if self._contacts is not None and interaction.contact_id not in self._contacts.rows:
            # The in-memory twin of the SQL foreign key.
            raise ConflictError(f"contact {interaction.contact_id!r} does not exist")
        self._t.rows.put(self._log, interaction.id, interaction)
        self._link(interaction)

    def add_many(self, interactions: Iterable[Interaction]) -> int:
        n = 0
        for it in interactions:
            self.add(it)
            n += 1
        return n

    def get(self, interaction_id: str) -> Interaction:
        found = self._t.rows.get(interaction_id)
        if found is None:
            raise InteractionNotFoundError(interaction_id)
        return found

    def timeline(
        self,
        contact_id: str,
        *,
        limit: int | None = None,
        channel: str | None = None,
        direction: str | None = None,
        handled_by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Interaction]:
        entries = self._t.by_contact.get(contact_id, [])
        hi = len(entries) if until is None else bisect.bisect_left(entries, (until, ""))
        lo = 0 if since is None else bisect.bisect_left(entries, (since, ""))
        out: list[Interaction] = []
        for i in range(hi - 1, lo - 1, -1):
            it = self._t.rows.data[entries[i][1]]
            if channel is not None and it.channel != channel:
                continue
            if direction is not None and it.direction != direction:
                continue
            if handled_by is not None and it.handled_by != handled_by:
                continue
            out.append(it)
            if limit is not None and len(out) >= limit:
                break
        return out

    def iter_all(self) -> Iterator[Interaction]:
        return self._t.rows.values()

    def count(self) -> int:
        return len(self._t.rows)

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        ids = [i for _, i in self._t.by_contact.get(from_id, [])]
        self.assign_contact(ids, to_id)
        return ids

    def erase_contact(self, contact_id: str) -> int:
        ids = [i for _, i in self._t.by_contact.get(contact_id, [])]
        for rid in ids:
            self._unlink(self.get(rid))
            self._t.rows.pop(self._log, rid)
        return len(ids)

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        for rid in record_ids:
            old = self.get(rid)
            if old.contact_id == contact_id:
                continue
            new = attrs.evolve(old, contact_id=contact_id)
            self._unlink(old)
            self._t.rows.put(self._log, rid, new)
            self._link(new)
