"""PostgreSQL benchmarks: bulk load vs raw COPY, resolve and timeline latency, 8 writers.

Run:  CRMKIT_TEST_POSTGRES_DSN=postgresql://postgres@127.0.0.1:5432/test \\
      python benchmarks/bench_postgres.py [--scale 1.0]

Everything happens in a throwaway schema that is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from crmkit import CRM, Contact, new_id
from crmkit._types import paused_gc
from crmkit.storage.postgres import PostgresStorage
from crmkit.storage.postgres._driver import DIALECT
from crmkit.storage.sql._rows import (
    CONTACT_COLUMNS,
    INTERACTION_COLUMNS,
    contact_to_row,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def report(what: str, ours: str, reference: str, ratio: str) -> None:
    print(f"  {what:<50} {ours:>20} {reference:>20} {ratio:>7}", flush=True)


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t)
    return statistics.median(samples) / 1e3, statistics.quantiles(samples, n=100)[98] / 1e3


def copy_rows(
    conn: psycopg.Connection[Any], table: str, columns: tuple[str, ...], rows: Any
) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def load_contacts(storage: PostgresStorage, n: int) -> list[Contact]:
    """Set-up, not measured: contacts and identities straight through COPY."""
    with paused_gc():
        contacts = [
            Contact.new(name=f"Person {i}", emails=[f"person{i}@example.al"],
                        phones=[f"+3556{9000000 + i:08d}"], now=T0)
            for i in range(n)
        ]  # fmt: skip
    with storage._connect() as conn:
        copy_rows(conn, "contacts", ("workspace", *CONTACT_COLUMNS),
                  (("default", *contact_to_row(c, DIALECT)) for c in contacts))  # fmt: skip
        identities = (("default", k, c.id, False) for c in contacts for k in c.identity_keys())
        copy_rows(conn, "identities", ("workspace", "key", "contact_id", "shared"), identities)
        conn.commit()
        conn.execute("ANALYZE")
    return contacts


def bench_bulk(storage: PostgresStorage, contacts: list[Contact], n: int) -> None:
    rng = random.Random(1)
    rows = [
        {"contact_id": contacts[rng.randrange(len(contacts))].id, "channel": "phone",
         "direction": "inbound", "summary": f"call {i}", "handled_by": "arta",
         "occurred_at": T0 + timedelta(seconds=i)}
        for i in range(n)
    ]  # fmt: skip
    crm = CRM(storage=storage, clock=lambda: T0)
    t = time.perf_counter()
    for start in range(0, n, 200_000):
        crm.interactions.log_many(rows[start : start + 200_000])
    ours = time.perf_counter() - t

    # Raw psycopg COPY of the same rows into the same table (same indexes and foreign key):
    # ids generated, datetimes passed as they are, nothing validated.
    with storage._connect() as conn:
        t = time.perf_counter()
        for start in range(0, n, 200_000):
            batch = rows[start : start + 200_000]
            copy_rows(conn, "interactions", ("workspace", *INTERACTION_COLUMNS), (
                ("default", new_id(), r["contact_id"], r["channel"], r["direction"],
                 r["occurred_at"], r["summary"], None, r["handled_by"], None, None, None, T0)
                for r in batch
            ))  # fmt: skip
            conn.commit()
        ref = time.perf_counter() - t
    report(f"log_many {n:,} interactions (s)", f"{ours:.1f}", f"{ref:.1f} raw COPY",
           f"{ours / ref:.2f}")  # fmt: skip


def bench_lookups(storage: PostgresStorage, contacts: list[Contact]) -> None:
    crm = CRM(storage=storage, default_region="AL")
    rng = random.Random(2)
    picks = [contacts[rng.randrange(len(contacts))] for _ in range(4000)]
    queries = iter(
        [{"email": c.emails[0].upper()} if i % 2 else {"phone": "0" + c.phones[0][4:]}
         for i, c in enumerate(picks)]
    )  # fmt: skip
    p50, p99 = timed(lambda: crm.resolve(**next(queries)), 4000)
    report(f"resolve among {len(contacts):,} contacts (µs)", f"{p50:.0f} / {p99:.0f}", "", "")
    ids = iter([c.id for c in picks])
    p50, p99 = timed(lambda: crm.timeline(next(ids), limit=20), 4000)
    report("timeline(limit=20) (µs p50 / p99)", f"{p50:.0f} / {p99:.0f}", "", "")


def bench_writers(storage: PostgresStorage, writers: int, per_writer: int) -> None:
    crm = CRM(storage=storage)
    before = crm.contacts.count()
    phones = [f"+48601{n:06d}" for n in range(per_writer)]  # every writer uses the same phones
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for phone in phones:
                crm.record(channel="phone", phone=phone, summary="call")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(writers)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    total = writers * per_writer
    created = crm.contacts.count() - before
    with storage._connect() as conn:
        row = conn.execute(
            "SELECT count(*) FROM interactions i JOIN identities d ON d.contact_id = i.contact_id "
            "WHERE d.key LIKE 'phone:+48601%%'"
        ).fetchone()
    logged = int(row[0]) if row else 0
    report(f"{writers} writers x {per_writer} record() (calls/s)", f"{total / elapsed:,.0f}",
           "", "")  # fmt: skip
    report("  lost writes / duplicate contacts / errors",
           f"{total - logged} / {created - per_writer} / {len(errors)}", "", "")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    dsn = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
    storage = PostgresStorage(dsn, schema=f"crmkit_bench_{uuid.uuid4().hex[:8]}", pool_size=10)
    print(f"crmkit PostgreSQL benchmarks, scale {args.scale}, {os.cpu_count()} cores, "
          f"{datetime.now(UTC):%Y-%m-%d}")  # fmt: skip
    print(f"  {'what':<50} {'crmkit':>20} {'reference':>20} {'ratio':>7}")
    try:
        contacts = load_contacts(storage, int(1_000_000 * args.scale))
        bench_bulk(storage, contacts, int(1_000_000 * args.scale))
        bench_lookups(storage, contacts)
        bench_writers(storage, 8, max(50, int(500 * args.scale)))
    finally:
        storage.drop_schema()


if __name__ == "__main__":
    main()
