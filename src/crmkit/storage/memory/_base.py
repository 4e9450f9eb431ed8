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


class KeyIndex:
    """Key -> holder ids, journaled in an :class:`UndoLog`.

    Most keys have one holder, stored as a bare string (a million contacts' keys stay
    small); shared keys keep a set changed in place, so filing the n-th holder of a common
    key ("s:info", a popular name) costs O(1), not a scan or a copy of the others.
    """

    def __init__(self) -> None:
        self.data: dict[str, str | set[str]] = {}

    def holders(self, key: str) -> list[str]:
        found = self.data.get(key)
        if found is None:
            return []
        return [found] if isinstance(found, str) else list(found)

    def count(self, key: str) -> int:
        found = self.data.get(key)
        if found is None:
            return 0
        return 1 if isinstance(found, str) else len(found)

    def add(self, log: UndoLog, key: str, member: str) -> None:
        found = self.data.get(key)
        if found is None:
            self.data[key] = member
        elif isinstance(found, str):
            if found == member:
                return
            self.data[key] = {found, member}
        elif member in found:
            return
        else:
            found.add(member)

        def undo() -> None:
            self._discard(key, member)

        log.record(undo)

    def discard(self, log: UndoLog, key: str, member: str) -> None:
        if self._discard(key, member):
            log.record(lambda: self.add(_NO_LOG, key, member))

    def _discard(self, key: str, member: str) -> bool:
        found = self.data.get(key)
        if found is None:
            return False
        if isinstance(found, str):
            if found != member:
                return False
            del self.data[key]
            return True
        if member not in found:
            return False
        found.discard(member)
        if len(found) == 1:
            self.data[key] = next(iter(found))
        return True


_NO_LOG = UndoLog()  # undo steps are not themselves undone
