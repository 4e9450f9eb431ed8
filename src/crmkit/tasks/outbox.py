"""Messages automation wants sent. crmkit never sends anything: it queues a
:class:`QueuedMessage` in an :class:`Outbox` and the application drains it, delivers through
its own channels, and acknowledges what it sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol

import attrs

from crmkit._types import JSONValue

__all__ = ["InMemoryOutbox", "Outbox", "QueuedMessage"]


@attrs.frozen
class QueuedMessage:
    """A message to send to a contact: which template, on which day, with what data.

    ``key`` is the idempotency key of the automation action that queued it.
    """

    id: str
    key: str
    rule: str
    contact_id: str
    template: str
    send_on: date
    channel: str | None = None
    data: Mapping[str, JSONValue] = attrs.field(factory=dict)


class Outbox(Protocol):
    """Where queued messages wait until the application sends them (at least once: the app
    acknowledges after sending, so a crash before the acknowledgement resends)."""

    def put(self, message: QueuedMessage) -> None: ...

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]: ...

    def ack(self, message_ids: Iterable[str]) -> None: ...


class InMemoryOutbox:
    """An :class:`Outbox` in a list, oldest first.

    >>> box = InMemoryOutbox()
    >>> box.put(QueuedMessage("m1", "birthday:c1:2026-05-01", "birthday", "c1", "birthday",
    ...                       date(2026, 5, 1)))
    >>> [m.id for m in box.drain()], box.pending()
    (['m1'], [])
    """

    def __init__(self) -> None:
        self._messages: dict[str, QueuedMessage] = {}

    def __len__(self) -> int:
        return len(self._messages)

    def put(self, message: QueuedMessage) -> None:
        self._messages[message.id] = message

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]:
        out = list(self._messages.values())
        return out if limit is None else out[:limit]

    def ack(self, message_ids: Iterable[str]) -> None:
        for mid in message_ids:
            self._messages.pop(mid, None)

    def drain(self, *, limit: int | None = None) -> list[QueuedMessage]:
        """Take pending messages and acknowledge them at once (fire and forget)."""
        out = self.pending(limit=limit)
        self.ack(m.id for m in out)
        return out
