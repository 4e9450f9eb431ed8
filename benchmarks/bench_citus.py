"""Citus against plain PostgreSQL, side by side in one run: loading many workspaces through
crmkit, then ``resolve`` and ``timeline`` latency.

Run (tools/citus-cluster.sh createdb crmkit_bench prints the Citus URL):

    CRMKIT_TEST_POSTGRES_DSN=postgresql://postgres@127.0.0.1:5432/test \\
    CRMKIT_TEST_CITUS_DSN=postgresql://postgres@127.0.0.1:5441/crmkit_bench \\
    python benchmarks/bench_citus.py [--scale 1.0]

``--rebalance`` instead times the operator's runbook on a database of its own
(``tools/citus-cluster.sh createdb``, Citus's default 32 shards a table): load the
workspaces, then add the spare node as a worker and run the rebalancer in ``block_writes``
mode while eight writers keep recording, one workspace each; it reports the time, the
shards moved, failed calls and lost or doubled writes, and how long writers' calls waited.

Scale 1.0 is the issue's 64 workspaces x 10k contacts and 50k interactions (hours on two
cores); ``--scale 0.01`` keeps 64 workspaces with 100 contacts and 500 interactions each.
Eight threads load the workspaces (each workspace by one thread: contacts with
``import_contacts``, interactions with ``interactions.log_many``). Everything happens in a
throwaway schema, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from crmkit import CRM
from crmkit.storage.postgres import PostgresStorage, distribute
from crmkit.testing.citus import own_cluster_database
from crmkit.testing.under_load import writers_during

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def phone(ws: int, i: int) -> str:
    return f"+3556{ws:02d}{i:06d}"


def load(storage: PostgresStorage, workspaces: int, contacts: int, interactions: int) -> float:
    """Seconds to load every workspace with eight threads."""

    def one(ws: int) -> None:
        crm = CRM(storage=storage, workspace=f"ws{ws}", default_region="AL")
        crm.import_contacts(
            {"first_name": f"P{i}", "phone": phone(ws, i), "email": f"p{i}@w{ws}.example"}
            for i in range(contacts)
        )
        ids = [c.id for c in crm.contacts.all()]
        rng = random.Random(ws)
        for start in range(0, interactions, 5_000):
            crm.interactions.log_many(
                {
                    "contact_id": rng.choice(ids),
                    "channel": "phone",
                    "summary": f"call {n}",
                    "occurred_at": T0 + timedelta(minutes=n),
                }
                for n in range(start, min(start + 5_000, interactions))
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for done in pool.map(one, range(workspaces)):
            del done
    return time.perf_counter() - started


def latency(call: Callable[[int], object], n: int) -> str:
    samples = []
    for i in range(n):
        t = time.perf_counter_ns()
        call(i)
        samples.append(time.perf_counter_ns() - t)
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {cuts[49] / 1e6:.2f} ms, p99 {cuts[98] / 1e6:.2f} ms"


def run(name: str, dsn: str, citus: bool, args: argparse.Namespace) -> None:
    schema = args.keep or f"bench_{uuid.uuid4().hex[:12]}"
    if citus:
        distribute(dsn, schema=schema)
    storage = PostgresStorage(dsn, schema=schema, pool_size=8)
    try:
        ws, nc, ni = args.workspaces, args.contacts, args.interactions
        if CRM(storage=storage, workspace="ws0").contacts.count() == 0:
            seconds = load(storage, ws, nc, ni)
            rows = ws * (nc + ni)
            print(
                f"{name:<12} load {ws} x ({nc} contacts + {ni} interactions): {seconds:.1f} s, "
                f"{rows / seconds:,.0f} rows/s",
                flush=True,
            )
        else:
            print(f"{name:<12} loaded before, in schema {schema}: latency only", flush=True)
        rng = random.Random(7)
        crms = [CRM(storage=storage, workspace=f"ws{w}", default_region="AL") for w in range(ws)]
        picks = [(rng.randrange(ws), rng.randrange(nc)) for _ in range(args.samples)]
        owners = [crms[w].resolve(phone=phone(w, i)).contact for w, i in picks]
        print(
            f"{name:<12} resolve by phone   "
            + latency(lambda k: crms[picks[k][0]].resolve(phone=phone(*picks[k])), len(picks))
        )
        print(
            f"{name:<12} timeline(limit=20) "
            + latency(
                lambda k: crms[picks[k][0]].timeline(owners[k].id, limit=20),  # type: ignore[union-attr]
                len(picks),
            ),
            flush=True,
        )
    finally:
        if args.keep:
            storage.close()
        else:
            storage.drop_schema()


def _shards_on(conn: psycopg.Connection[Any], port: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM citus_shards WHERE nodeport = %s AND table_name = "
        "'crmkit.contacts'::regclass",
        (port,),
    ).fetchone()
    return int(row[0]) if row else 0


def rebalance(dsn: str, args: argparse.Namespace) -> None:
    with own_cluster_database(dsn, "crmkit_bench_rebalance") as (dsn, spare):
        distribute(dsn, schema="crmkit")
        storage = PostgresStorage(dsn, schema="crmkit", pool_size=8)
        ws, nc, ni = args.workspaces, args.contacts, args.interactions
        seconds = load(storage, ws, nc, ni)
        print(f"citus        load {ws} x ({nc} contacts + {ni} interactions): {seconds:.1f} s")
        crms = [CRM(storage=storage, workspace=f"ws{w}", default_region="AL") for w in range(8)]
        with psycopg.connect(dsn, autocommit=True) as conn:

            def add_and_rebalance() -> None:
                conn.execute("SELECT citus_add_node('127.0.0.1', %s)", (spare,))
                conn.execute("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')")
                conn.execute("SELECT citus_rebalance_wait()")

            outcome = writers_during(crms, add_and_rebalance, writers=8)
            moved = _shards_on(conn, spare)
        stored: list[str] = []
        for w in range(8):
            with storage.unit_of_work(f"ws{w}", read_only=True) as uow:
                rows = uow.session.fetchall(
                    "SELECT id FROM interactions WHERE workspace = ? AND summary NOT LIKE ?",
                    (f"ws{w}", "call %"),  # the loaded interactions are "call N"
                )
            stored.extend(r[0] for r in rows)
        lost = len(set(outcome.written) - set(stored))
        doubled = len(stored) - len(set(stored)) + len(set(stored) - set(outcome.written))
        cuts = statistics.quantiles(outcome.call_seconds, n=100)
        print(
            f"citus        add a worker + rebalance under 8 writers: "
            f"{outcome.operation_seconds:.1f} s, {moved} of 32 contacts shards moved"
        )
        print(
            f"citus        writers: {len(outcome.written)} calls ok, {len(outcome.errors)} failed, "
            f"{lost} lost, {doubled} doubled; call p50 {cuts[49] * 1e3:.1f} ms, "
            f"p99 {cuts[98] * 1e3:.1f} ms, max {max(outcome.call_seconds) * 1e3:.0f} ms"
        )
        storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--rebalance", action="store_true", help="time adding a worker instead")
    parser.add_argument(
        "--keep",
        metavar="SCHEMA",
        help="load into SCHEMA and keep it; a later run with the same SCHEMA measures latency "
        "only (on a settled database, after autovacuum has caught up)",
    )
    parser.add_argument("--only", choices=["postgresql", "citus"], help="run one side only")
    args = parser.parse_args()
    args.workspaces = 64
    args.contacts = max(10, int(10_000 * args.scale))
    args.interactions = max(10, int(50_000 * args.scale))
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.rebalance:
        rebalance(os.environ["CRMKIT_TEST_CITUS_DSN"], args)
        print(f"load average {os.getloadavg()[0]:.1f}")
        return
    if args.only != "citus":
        run("postgresql", os.environ["CRMKIT_TEST_POSTGRES_DSN"], False, args)
    if args.only != "postgresql":
        run("citus", os.environ["CRMKIT_TEST_CITUS_DSN"], True, args)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
