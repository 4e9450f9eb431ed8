"""``crmkit import FILE --db NEW.sqlite`` as an operator runs it, beside the raw driver.

Run:  python benchmarks/bench_import_cli.py [--rows 100000] [--repeat 3]

Two CSV files of the same size, from two generators that share no code: gen_contacts.py
(seed 5, about 1.9 records per person, many namesakes: two rows in five file a review
item) and gen_independent.py (seed 1, Zipf-distributed names, households, 1 + geometric
records per person). Each is imported into a fresh SQLite file by ``python -m crmkit import``
in a process of its own, as an operator runs it (start-up included; its progress line and
report are captured); wall time and the CPU of the child.

Beside it, in alternation, the raw driver: the csv module reads the same file and
sqlite3 inserts its rows into one table with an index on email and one on phone, in
transactions of 5000 rows like the import's batches. It parses, normalises and matches
nothing: it is the floor under any import of these rows into SQLite, not a rival.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import load_rows
from gen_independent import generate as independent

_DROPPED = ("record_id", "entity_id", "source")  # ground truth, not contact data


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _files(n: int, into: Path) -> dict[str, Path]:
    dev = load_rows(n, 5)
    other = [{k: v for k, v in r.items() if k not in _DROPPED} for r in independent(n, seed=1)]
    return {
        "gen_contacts (seed 5)": _write(into / "dev.csv", dev),
        "gen_independent (seed 1)": _write(into / "independent.csv", other),
    }


@contextlib.contextmanager
def _fresh(path: Path) -> Iterator[str]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    yield str(path)


def _crmkit(source: Path, db: str) -> None:
    command = [sys.executable, "-m", "crmkit", "import", str(source), "--db", db, "--region", "AL"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"crmkit import {source} exited {done.returncode}: {done.stderr[-500:]}")


def _raw(source: Path, db: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        columns = ", ".join(f'"{c}" TEXT' for c in header)
        conn.execute(f"CREATE TABLE contacts (id INTEGER PRIMARY KEY, {columns})")
        conn.execute("CREATE INDEX contacts_email ON contacts (email)")
        conn.execute("CREATE INDEX contacts_phone ON contacts (phone)")
        insert = (
            f"INSERT INTO contacts ({', '.join(header)}) VALUES ({', '.join('?' * len(header))})"
        )
        batch: list[list[str | None]] = []
        for row in reader:
            batch.append([cell or None for cell in row])
            if len(batch) == 5000:
                conn.execute("BEGIN")
                conn.executemany(insert, batch)
                conn.execute("COMMIT")
                batch.clear()
        if batch:
            conn.execute("BEGIN")
            conn.executemany(insert, batch)
            conn.execute("COMMIT")
    conn.close()


def _cpu() -> float:
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _timed(run: Callable[[Path, str], None], source: Path, db: Path) -> tuple[float, float]:
    with _fresh(db) as target:
        wall, cpu = time.perf_counter(), _cpu()
        run(source, target)
        return time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        files = _files(args.rows, here)
        print(f"{args.rows:,} rows per file; {os.cpu_count()} cores; median of {args.repeat}")
        print("| rows from | crmkit import: wall | CPU | raw sqlite3: wall | ratio (wall) |")
        print("|---|---|---|---|---|")
        for label, source in files.items():
            ours: list[tuple[float, float]] = []
            raw: list[float] = []
            for _ in range(args.repeat):  # alternating, so a change of load falls on both
                ours.append(_timed(_crmkit, source, here / "crmkit.sqlite"))
                raw.append(_timed(_raw, source, here / "raw.sqlite")[0])
            wall = statistics.median(w for w, _ in ours)
            cpu = statistics.median(c for _, c in ours)
            floor = statistics.median(raw)
            print(
                f"| {label} | {wall:.1f} s | {cpu:.1f} s | {floor:.2f} s | {wall / floor:.0f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
