"""Foundation benchmarks: bulk logging, resolve and timeline, side by side with raw sqlite3.

Run:  python benchmarks/bench_foundation.py [--scale 1.0]

Prints one table. --scale shrinks every size for a quick look (0.1 = a tenth).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from crmkit import CRM, Contact, Interaction, new_id
from crmkit._types import paused_gc
from crmkit.storage import MemoryStorage, SQLiteStorage, Storage
from crmkit.storage.sql._interactions import INSERT_INTERACTION
from crmkit.storage.sql._rows import interaction_to_row
from crmkit.storage.sqlite._driver import DIALECT

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def raw_interaction(
    r: dict[str, Any], occurred_at: object, created_at: object
) -> tuple[object, ...]:
    """The hand-written references' interactions row (workspace first) from one of
    ``log_many``'s dict rows: a new id, the optional columns empty, the two datetimes as the
    database takes them (SQLite's integer microseconds; PostgreSQL's datetimes as they are).
    bench_postgres.py builds its COPY rows with it too."""
    return (
        "default",
        new_id(),
        r["contact_id"],
        r["channel"],
        r["direction"],
        occurred_at,
        r["summary"],
        None,
        r["handled_by"],
        None,
        None,
        None,
        created_at,
        None,
    )


rows_out: list[tuple[str, str, str, str]] = []


def report(what: str, ours: str, reference: str, ratio: str) -> None:
    rows_out.append((what, ours, reference, ratio))
    print(f"  {what:<52} {ours:>18} {reference:>18} {ratio:>8}", flush=True)


def percentiles(samples_ns: list[int]) -> tuple[float, float]:
    q = statistics.quantiles(samples_ns, n=100)
    return statistics.median(samples_ns) / 1000, q[98] / 1000


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t)
    return percentiles(samples)


def make_contacts(n: int) -> list[Contact]:
    with paused_gc():
        return [
            Contact.new(
                id=None,
                name=f"Person {i}",
                emails=[f"person{i}@example.al"],
                phones=[f"+3556{9000000 + i:08d}"],
                now=T0,
            )
            for i in range(n)
        ]


def bench_bulk(n: int, tmp: str) -> None:
    crm = CRM(storage=SQLiteStorage(os.path.join(tmp, "bulk.sqlite")), clock=lambda: T0)
    contacts = [crm.contacts.create(name=f"C{i}") for i in range(100)]
    rows = [
        {
            "contact_id": contacts[i % 100].id,
            "channel": "phone",
            "direction": "inbound",
            "summary": f"call {i}",
            "handled_by": "arta",
            "occurred_at": T0 + timedelta(seconds=i),
        }
        for i in range(n)
    ]
    t = time.perf_counter()
    crm.interactions.log_many(rows)
    ours = time.perf_counter() - t

    # The raw reference: the same rows, already as tuples, into the same schema.
    raw = SQLiteStorage(os.path.join(tmp, "raw.sqlite"))
    with raw.unit_of_work("default") as uow:
        for c in contacts:
            uow.contacts.add(c)
        uow.commit()
    conn = sqlite3.connect(os.path.join(tmp, "raw.sqlite"), isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -131072")
    conn.execute("PRAGMA temp_store = MEMORY")

    # Reference 1: raw code starting from the same dict rows. It must still give each row an
    # id and turn datetimes into the schema's integer microseconds, but validates nothing.
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        INSERT_INTERACTION,
        [raw_interaction(r, DIALECT.ts(r["occurred_at"]), DIALECT.ts(T0)) for r in rows],
    )
    conn.execute("ROLLBACK")
    ref_rows = time.perf_counter() - t
    # Reference 2: the insert alone, from tuples prepared before the clock starts.
    tuples = [
        ("default", *interaction_to_row(Interaction.new(now=T0, **row), DIALECT)) for row in rows
    ]
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(INSERT_INTERACTION, tuples)
    conn.execute("COMMIT")
    ref_insert = time.perf_counter() - t
    report(
        f"log_many {n:,} rows into SQLite (s)",
        f"{ours:.2f}",
        f"{ref_rows:.2f} raw rows",
        f"{ours / ref_rows:.2f}",
    )
    report(
        "  same, vs executemany of prebuilt tuples (s)",
        f"{ours:.2f}",
        f"{ref_insert:.2f} raw",
        f"{ours / ref_insert:.2f}",
    )
    conn.close()
    crm.close()
    raw.close()


def bench_resolve(n: int, tmp: str) -> None:
    contacts = make_contacts(n)
    samples = 3000
    rng = random.Random(7)
    picks = [contacts[rng.randrange(n)] for _ in range(samples)]
    # Half by email typed in capitals, half by phone typed the national way: normalisation
    # is part of every measured call.
    queries = [
        ({"email": c.emails[0].upper()} if i % 2 else {"phone": "0" + c.phones[0][4:]})
        for i, c in enumerate(picks)
    ]
    index = {c.emails[0]: c for c in contacts}
    emails = iter([c.emails[0] for c in picks])
    p50, p99 = timed(lambda: index[next(emails)], samples)
    report(f"dict lookup among {n:,} (µs p50 / p99)", "", f"{p50:.1f} / {p99:.1f}", "")
    resolve_on("memory", MemoryStorage(), contacts, queries)
    path = os.path.join(tmp, "resolve.sqlite")
    p99 = resolve_on("SQLite", SQLiteStorage(path), contacts, queries)
    conn = sqlite3.connect(path)
    keys = iter([("default", f"email:{c.emails[0]}") for c in picks])
    sql = (
        "SELECT c.* FROM identities i JOIN contacts c ON c.workspace = i.workspace "
        "AND c.id = i.contact_id WHERE i.workspace = ? AND i.key = ?"
    )
    r50, r99 = timed(lambda: conn.execute(sql, next(keys)).fetchall(), samples)
    report(
        "  raw indexed sqlite3 identity lookup (µs p50 / p99)",
        "",
        f"{r50:.1f} / {r99:.1f}",
        f"{p99 / r99:.1f}",
    )
    conn.close()


def resolve_on(
    label: str, storage: Storage, contacts: list[Contact], queries: list[dict[str, str]]
) -> float:
    with storage.unit_of_work("default") as uow:
        for c in contacts:
            uow.contacts.add(c)
        uow.commit()
    crm = CRM(storage=storage, default_region="AL")
    q = iter(queries)
    p50, p99 = timed(lambda: crm.resolve(**next(q)), len(queries))
    report(
        f"resolve email/phone among {len(contacts):,}, {label} (µs p50 / p99)",
        f"{p50:.1f} / {p99:.1f}",
        "",
        "",
    )
    crm.close()
    return p99


def bench_timeline(n: int, tmp: str) -> None:
    path = os.path.join(tmp, "timeline.sqlite")
    storage = SQLiteStorage(path)
    n_contacts = max(1000, n // 50)
    contacts = [Contact.new(name=f"C{i}", now=T0) for i in range(n_contacts)]
    rng = random.Random(3)
    with storage.unit_of_work("default") as uow:
        for c in contacts:
            uow.contacts.add(c)
        uow.commit()
    batch = 100_000
    for start in range(0, n, batch):
        with paused_gc():
            its = [
                Interaction.new(
                    contact_id=contacts[rng.randrange(n_contacts)].id,
                    channel="phone",
                    occurred_at=T0 + timedelta(minutes=rng.randrange(500_000)),
                    now=T0,
                )
                for _ in range(min(batch, n - start))
            ]
        with storage.unit_of_work("default") as uow:
            uow.interactions.add_many(its)
            uow.commit()
    crm = CRM(storage=storage)
    picks = iter([contacts[rng.randrange(n_contacts)].id for _ in range(6000)])
    p50, p99 = timed(lambda: crm.timeline(next(picks), limit=20), 3000)
    conn = sqlite3.connect(path)
    sql = (
        "SELECT * FROM interactions WHERE workspace = ? AND contact_id = ? "
        "ORDER BY occurred_at DESC, id DESC LIMIT 20"
    )
    r50, r99 = timed(lambda: conn.execute(sql, ("default", next(picks))).fetchall(), 3000)
    report(
        f"timeline(limit=20) among {n:,} interactions, SQLite (µs)",
        f"{p50:.0f} / {p99:.0f}",
        f"{r50:.0f} / {r99:.0f} raw",
        f"{p99 / r99:.1f}",
    )
    conn.close()
    crm.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    s = args.scale
    print(
        f"crmkit foundation benchmarks, scale {s}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"  {'what':<52} {'crmkit':>18} {'reference':>18} {'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        bench_bulk(int(100_000 * s), tmp)
        bench_resolve(int(200_000 * s), tmp)
        bench_timeline(int(1_000_000 * s), tmp)
    # Tails are only comparable between runs on an equally quiet machine: say how quiet.
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
