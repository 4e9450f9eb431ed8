"""Writers that keep recording while an operation runs: how crmkit's operations on a cluster
(moving a shard group, isolating a workspace, adding a worker and rebalancing) are proved in
tests/storage/test_citus.py and timed in benchmarks/bench_citus.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import attrs

from crmkit.crm import CRM

__all__ = ["LoadOutcome", "writers_during"]


@attrs.frozen
class LoadOutcome:
    """What the writers saw: the ids of the interactions they wrote, the errors they got
    (``repr`` of each), how long each call took, and how long the operation took."""

    written: tuple[str, ...]
    errors: tuple[str, ...]
    call_seconds: tuple[float, ...]
    operation_seconds: float


def writers_during(
    crm: CRM | Sequence[CRM],
    operation: Callable[[], object],
    *,
    writers: int = 4,
    at_least: int = 10,
) -> LoadOutcome:
    """Run *operation* while *writers* threads call ``record`` (a new contact by phone and
    its first interaction) before, during and after it; writer *n* records through the
    *n*-th of several CRMs (workspaces), in turn. Each writer makes at least *at_least*
    calls, and they stop once the operation has ended, failed or not.

    >>> from crmkit.storage.memory import MemoryStorage
    >>> crm = CRM(storage=MemoryStorage(), workspace="acme", default_region="AL")
    >>> outcome = writers_during(crm, lambda: time.sleep(0.01), writers=2, at_least=3)
    >>> outcome.errors, len(outcome.written) >= 6
    ((), True)
    """
    done = threading.Event()
    written: list[str] = []
    errors: list[str] = []
    took: list[float] = []

    crms = [crm] if isinstance(crm, CRM) else list(crm)

    def write(n: int) -> None:
        target = crms[n % len(crms)]
        i = 0
        while not done.is_set() or i < at_least:
            started = time.perf_counter()
            try:
                it = target.record(
                    channel="phone", phone=f"+3556910{n}{i % 50:04d}", summary=f"{i}"
                )
                written.append(it.id)
            except Exception as exc:  # every failure is the finding, whatever its kind
                errors.append(repr(exc))
            took.append(time.perf_counter() - started)
            i += 1

    with ThreadPoolExecutor(max_workers=writers) as pool:
        running = [pool.submit(write, n) for n in range(writers)]
        while len(written) < 2 * writers and not errors:  # the writers are under way
            time.sleep(0.01)
        started = time.perf_counter()
        try:
            operation()
        finally:  # a failed operation must not leave the writers running for ever
            seconds = time.perf_counter() - started
            done.set()
        for w in running:
            w.result()
    return LoadOutcome(tuple(written), tuple(errors), tuple(took), seconds)
