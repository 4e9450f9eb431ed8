"""A unit of work committed on a helper thread while the caller works on: an import reads
its next batch while the last one commits.

Only where the backend says its commit may run on another thread
(:class:`crmkit.storage.protocols.CommitOffThread`): SQLite's COMMIT, and the checkpoint that
follows it, run in C without the GIL, so reading the next rows (Python that touches no
storage) costs nothing meanwhile. That was about a tenth of an import of 100,000 rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from crmkit.storage.protocols import UnitOfWork, commits_off_thread

__all__ = ["commit_while"]

T = TypeVar("T")


def commit_while(uow: UnitOfWork, work: Callable[[], T]) -> tuple[T | None, BaseException | None]:
    """Commit *uow* while *work* runs, and return once both have ended.

    Returns *work*'s result, or ``(None, exc)`` when it raised: the caller records the
    commit first, then raises *exc* (an interrupt among them). The commit's own error is
    raised here, after *work* has ended. Never returns or raises while the commit still
    runs, so the unit of work is never rolled back under it.

    >>> from crmkit.storage.memory import MemoryStorage
    >>> with MemoryStorage().unit_of_work("acme") as uow:
    ...     commit_while(uow, lambda: 6 * 7)
    (42, None)
    """
    if not commits_off_thread(uow):
        uow.commit()
        try:
            return work(), None
        except BaseException as exc:  # the caller raises it once the commit is recorded
            return None, exc
    failure: list[BaseException] = []

    def commit() -> None:
        try:
            uow.commit()
        except BaseException as exc:  # re-raised on the caller's thread
            failure.append(exc)

    helper = threading.Thread(target=commit, name="crmkit-commit", daemon=True)
    helper.start()
    result: T | None = None
    raised: BaseException | None = None
    try:
        result = work()
    except BaseException as exc:
        raised = exc
    while helper.is_alive():
        try:
            helper.join()
        except BaseException as exc:  # an interrupt while waiting: told once the commit ends
            raised = raised or exc
    if failure:
        raise failure[0]
    return result, raised
