"""Erasure benchmark: what suppression costs an import, and what an erasure costs, on SQLite.

Run:  python benchmarks/bench_erasure.py [--rows 20000] [--erased 2000]

* Import: the same ``--rows`` rows into two fresh SQLite files, one where nobody was ever
  erased (no key, so the check is skipped: the reference) and one where ``--erased`` people
  were erased first (every row's identities are hashed and looked up in the markers); 5 % of
  the rows are erased people coming back and must be reported as suppressed.
* Erase: ``crm.contacts.erase`` of contacts holding 5 interactions, 1 ledger entry, 1 consent
  record and a list membership each, against deleting the same rows with hand-written SQL
  in one transaction (no markers, no archive: the floor).
* Lists: ``crm.lists.create`` from a segment of half the contacts, and ``members``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crmkit import CRM, Money
from crmkit.segments import tag

T0 = datetime(2026, 6, 1, tzinfo=UTC)


_PHONE_BASE = {"gone": 1_000_000, "new": 3_000_000, "other": 6_000_000}


def _rows(n: int, prefix: str) -> list[dict[str, Any]]:
    base = _PHONE_BASE[prefix]  # each group its own numbers: only "gone" rows are suppressed
    return [
        {
            "full_name": f"Person {i}",
            "email": f"{prefix}{i}@example.al",
            "phone": f"+35569{base + i}",
            "city": "Tiranë",
        }
        for i in range(n)
    ]


def _seed(crm: CRM, n: int, *, records: bool, prefix: str = "gone") -> list[str]:
    report = crm.import_contacts(_rows(n, prefix))
    ids = [r.contact_id or "" for r in report.rows]
    if records:
        crm.lists.create("L")
        crm.lists.add("L", ids)
        crm.interactions.log_many(
            [
                {"contact_id": cid, "channel": "phone", "summary": f"call {k}", "occurred_at": T0}
                for cid in ids
                for k in range(5)
            ]
        )
        for cid in ids:
            crm.transactions.add(cid, kind="purchase", amount=Money("10", "EUR"), occurred_at=T0)
            crm.consent.record(cid, purpose="marketing_email", channel="email", granted=True)
    return ids


def bench_import(rows: int, erased: int) -> tuple[float, float, int]:
    incoming = _rows(rows, "new")
    back = max(1, rows // 20)
    incoming[:back] = _rows(back, "gone")  # erased people coming back
    times = []
    suppressed = 0
    for with_erasures in (False, True):
        path = Path(tempfile.mkdtemp()) / "crm.sqlite"
        with CRM.open(str(path), clock=lambda: T0) as crm:
            if with_erasures:
                for cid in _seed(crm, erased, records=False):
                    crm.contacts.erase(cid)
            else:
                _seed(crm, erased, records=False, prefix="other")  # as many contacts held
            start = time.perf_counter()
            report = crm.import_contacts(incoming)
            times.append(time.perf_counter() - start)
            if with_erasures:
                suppressed = len(report.suppressed)
    return times[0], times[1], suppressed


def bench_erase(n: int) -> tuple[list[float], list[float]]:
    path = Path(tempfile.mkdtemp()) / "crm.sqlite"
    with CRM.open(str(path), clock=lambda: T0) as crm:
        ids = _seed(crm, 2 * n, records=True)
        crmkit_ms = []
        for cid in ids[:n]:
            start = time.perf_counter()
            crm.contacts.erase(cid)
            crmkit_ms.append((time.perf_counter() - start) * 1000)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")  # the settings SQLiteStorage uses
    raw_ms = []
    for cid in ids[n:]:
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in (
            "interactions",
            "transactions",
            "consents",
            "list_changes",
            "identities",
            "contact_tags",
            "lifecycle_changes",
            "tasks",
            "import_rows",
        ):
            conn.execute(
                f"DELETE FROM {table} WHERE workspace = ? AND contact_id = ?", ("default", cid)
            )
        conn.execute("DELETE FROM contacts WHERE workspace = ? AND id = ?", ("default", cid))
        conn.execute("COMMIT")
        raw_ms.append((time.perf_counter() - start) * 1000)
    conn.close()
    return crmkit_ms, raw_ms


def bench_lists(n: int) -> tuple[float, float]:
    with CRM(clock=lambda: T0) as crm:
        for i in range(n):
            crm.contacts.create(name=f"P{i}", tags={"vip"} if i % 2 else set())
        start = time.perf_counter()
        crm.lists.create("VIPs", from_segment=tag("vip"))
        created = time.perf_counter() - start
        start = time.perf_counter()
        members = crm.lists.members("VIPs")
        read = time.perf_counter() - start
        assert len(members) == n // 2
    return created, read


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--erased", type=int, default=2_000)
    ap.add_argument("--erase", type=int, default=300)
    ap.add_argument("--list", type=int, default=20_000)
    args = ap.parse_args()
    plain, checked, suppressed = bench_import(args.rows, args.erased)
    ours, raw = bench_erase(args.erase)
    created, read = bench_lists(args.list)
    print("| what | crmkit | reference | ratio |")
    print("|---|---|---|---|")
    print(
        f"| import {args.rows:,} rows, {args.erased:,} erased before ({suppressed:,} rows "
        f"suppressed) | {checked:.2f} s | {plain:.2f} s same import, nobody ever erased | "
        f"{checked / plain:.2f} |"
    )
    print(
        f"| `contacts.erase` (5 interactions, 1 ledger entry, consent, list) x{args.erase} | "
        f"p50 {_p(ours, 50):.2f} ms, p99 {_p(ours, 99):.2f} ms | p50 {_p(raw, 50):.2f} ms, "
        f"p99 {_p(raw, 99):.2f} ms raw SQL deletes in one transaction | "
        f"{_p(ours, 50) / _p(raw, 50):.1f} (p50) |"
    )
    print(
        f"| `lists.create(from_segment=)` {args.list // 2:,} members of {args.list:,}, memory "
        f"| {created:.2f} s | | |"
    )
    print(f"| `lists.members` {args.list // 2:,} members, memory | {read:.3f} s | | |")


if __name__ == "__main__":
    main()
