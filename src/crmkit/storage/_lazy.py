"""Repositories of a unit of work made on first use.

A unit of work offers some twenty repositories and most calls touch two (a resolve reads
contacts; a timeline, contacts and interactions). Building them all on every unit of work
cost half of a resolve in memory and a fifth of a SQLite timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, overload

__all__ = ["LazyRepository", "forget_repositories"]

_U = TypeVar("_U")
_R = TypeVar("_R")


class LazyRepository(Generic[_U, _R]):
    """A class attribute whose value is made by ``make(unit)`` on first access and then
    kept in the unit's ``__dict__`` (a non-data descriptor: the kept value wins)."""

    def __init__(self, make: Callable[[_U], _R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, unit: None, owner: type) -> Self: ...

    @overload
    def __get__(self, unit: _U, owner: type) -> _R: ...

    def __get__(self, unit: _U | None, owner: type) -> _R | Self:
        if unit is None:
            return self
        value = self._make(unit)
        vars(unit)[self._name] = value
        return value


def forget_repositories(unit: Any) -> None:
    """Drop the repositories *unit* made, so a unit entered again makes them afresh."""
    for name in list(vars(unit)):
        if isinstance(getattr(type(unit), name, None), LazyRepository):
            del vars(unit)[name]
