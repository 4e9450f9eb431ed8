"""Writes that may lose a race to a concurrent writer, tried again on what is stored now."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from crmkit.errors import ConflictError

__all__ = ["retry_lost_races"]

T = TypeVar("T")


def retry_lost_races(
    write: Callable[[], T],
    *,
    attempts: int = 5,
    final: tuple[type[ConflictError], ...] = (),
) -> T:
    """Run *write* (a whole unit of work that reads before it writes) until it does not lose
    a race: a :class:`crmkit.errors.StaleVersionError` or :class:`~crmkit.errors.UniqueKeyError`,
    or on PostgreSQL the generic :class:`~crmkit.errors.ConflictError` a key row the winner
    wrote first raises. The next attempt reads the winner's write and decides again (a used-up
    coupon, a smaller balance); after *attempts* the conflict is raised. The conflicts in
    *final* are raised at once: another attempt would meet them again."""
    for _ in range(attempts - 1):
        try:
            return write()
        except final:
            raise
        except ConflictError:
            continue
    return write()
