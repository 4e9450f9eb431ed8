"""``crm.import_contacts`` into SQLite: rows per second, and how long other writers wait.

Run:  python benchmarks/bench_import.py [--rows 100000] [--modes default,one,100]

Rows come from gen_contacts.py (five markets, cross-script names, typos, namesakes; about
1.9 records per person, so many rows update a contact an earlier row created, and created
contacts that resemble known ones file review items). Each mode imports the same rows into a
fresh SQLite file:

* ``default``: ``import_contacts(rows)`` as it is called without options;
* ``one``: ``batch_size=len(rows)``, the whole file in one transaction (what every import
  did before batches);
* a number N: ``batch_size=N``.

"in COMMIT" is the time spent committing: what batches add is its difference from the
single commit of one transaction. "longest hold" is the longest time between two progress
calls, which for a batched import is
the longest any other writer can wait for the import's write lock (a batch's transaction);
for a single transaction it is the whole import.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import itertools
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_identity import generate
from crmkit import CRM
from crmkit.storage.sqlite import SQLiteUnitOfWork

T0 = datetime(2026, 6, 1, tzinfo=UTC)
_DROPPED = ("record_id", "entity_id", "source")  # ground truth, not contact data


def load_rows(n: int, seed: int) -> list[dict[str, Any]]:
    with generate(n, seed).open(encoding="utf-8", newline="") as fh:
        rows = [{k: v for k, v in row.items() if k not in _DROPPED} for row in csv.DictReader(fh)]
    return rows[:n]


class _CommitClock:
    """Time spent in COMMIT: what committing in batches adds to an import is the difference
    from one transaction's single commit (mostly write-ahead-log pages written again)."""

    spent = 0.0

    @classmethod
    def install(cls) -> None:
        original = SQLiteUnitOfWork.commit

        def commit(unit: SQLiteUnitOfWork) -> None:
            start = time.perf_counter()
            original(unit)
            cls.spent += time.perf_counter() - start

        SQLiteUnitOfWork.commit = commit  # type: ignore[method-assign]


def run(rows: list[dict[str, Any]], mode: str) -> tuple[float, float, float, float, dict[str, int]]:
    batched = "batch_size" in inspect.signature(CRM.import_contacts).parameters
    options: dict[str, Any] = {}
    if mode == "one":
        options["batch_size"] = len(rows)
    elif mode != "default":
        options["batch_size"] = int(mode)
    ticks: list[float] = []
    path = Path(tempfile.mkdtemp()) / "crm.sqlite"
    with CRM.open(str(path), default_region="AL", clock=lambda: T0) as crm:
        start, cpu = time.perf_counter(), time.process_time()
        _CommitClock.spent = 0.0
        ticks.append(start)
        report = crm.import_contacts(
            rows, progress=lambda done, total: ticks.append(time.perf_counter()), **options
        )
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    # Without batches (crmkit before them, or mode "one") the lock is held throughout.
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    hold = max(gaps) if batched and mode != "one" and gaps else wall
    return wall, cpu, _CommitClock.spent, hold, report.summary()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--modes", default="default,one")
    args = ap.parse_args()
    rows = load_rows(args.rows, args.seed)
    print(f"{len(rows):,} rows", flush=True)
    _CommitClock.install()
    print("| mode | wall | CPU | in COMMIT | rows/s | longest hold | outcome |")
    print("|---|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        wall, cpu, commits, hold, summary = run(rows, mode)
        print(
            f"| {mode} | {wall:.1f} s | {cpu:.1f} s | {commits:.2f} s | {len(rows) / wall:,.0f} "
            f"| {hold:.2f} s | {summary} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
