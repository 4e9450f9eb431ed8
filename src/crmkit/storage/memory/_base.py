"""Building blocks of the in-memory backend: tables whose writes can be undone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class UndoLog:
    """Closures that reverse the writes of the current unit of work, newest last.

    Rolling back runs them in reverse, which restores the exact state before the unit of
    work began, without copying the whole dataset at the start of every transaction.
    """

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def record(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def forget(self) -> None:
        self._undo.clear()


class UndoableDict(Generic[K, V]):
    """A dict whose ``put``/``pop`` are journaled in an :class:`UndoLog`."""

    def __init__(self) -> None:
        self.data: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self.data.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __len__(self) -> int:
        return len(self.data)

    def values(self) -> Iterator[V]:
        return iter(list(self.data.values()))

    def put(self, log: UndoLog, key: K, value: V) -> None:
        if key in self.data:
            old = self.data[key]
            log.record(lambda: self.data.__setitem__(key, old))
        else:
            log.record(lambda: self._discard(key))
        self.data[key] = value

    def _discard(self, key: K) -> None:
        self.data.pop(key, None)

    def pop(self, log: UndoLog, key: K) -> V | None:
        if key not in self.data:
            return None
        old = self.data.pop(key)
        log.record(lambda: self.data.__setitem__(key, old))
        return old
