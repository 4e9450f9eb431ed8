"""Incremental ``CRM.resolve`` latency: exact identities, then fuzzy candidates through the
stored blocking keys, side by side with the identity engine's in-process ``IdentityIndex``.

Run:  python benchmarks/bench_resolve.py [--memory 1000000] [--sqlite 200000]

Contacts come from gen_contacts.py (five markets, cross-script names, typos, namesakes,
households); 0.3 % of the generated records are held out and resolved as new touchpoints
(name, identities, city, birthday as each record has them). The table reports p50/p99 of
every query and of those that took the fuzzy path (no identity known), and how often a
confident answer was the right person. The loaded heap is frozen (``gc.freeze()``) before
timing, for crmkit and the reference alike.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_identity import generate
from crmkit import CRM, Contact
from crmkit._types import paused_gc
from crmkit.errors import DuplicateContactError, ValidationError
from crmkit.identity import IdentityIndex
from crmkit.storage import MemoryStorage, SQLiteStorage, Storage

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def report(what: str, ours: str, reference: str = "", note: str = "") -> None:
    print(f"  {what:<50} {ours:>20} {reference:>24} {note}", flush=True)


def to_contact(row: dict[str, str]) -> Contact | None:
    fields: dict[str, Any] = {
        "name": row["full_name"] or " ".join(p for p in (row["first_name"], row["last_name"]) if p),
        "city": row["city"] or None,
        "region": row["region"] or None,
        "emails": [row["email"]] if row["email"] else [],
        "phones": [row["phone"]] if row["phone"] else [],
        "handles": {"instagram": row["instagram"]} if row["instagram"] else {},
        "birthday": row["birthday"] or None,
    }
    try:
        return Contact.new(now=T0, **fields)
    except ValidationError:
        for bad in ("phones", "emails", "handles", "birthday"):
            fields.pop(bad)
            try:
                return Contact.new(now=T0, **fields)
            except ValidationError:
                continue
    return None


def query_of(row: dict[str, str]) -> dict[str, Any]:
    q: dict[str, Any] = {"region": row["region"] or None}
    name = row["full_name"] or " ".join(p for p in (row["first_name"], row["last_name"]) if p)
    for key, value in (
        ("name", name),
        ("email", row["email"]),
        ("phone", row["phone"]),
        ("city", row["city"]),
        ("birthday", row["birthday"]),
    ):
        if value:
            q[key] = value
    if row["instagram"]:
        q["handle"] = ("instagram", row["instagram"])
    return q


def load(
    n: int,
) -> tuple[list[tuple[Contact, dict[str, str]]], list[dict[str, str]], dict[str, int]]:
    path = generate(n, seed=7)
    rng = random.Random(1)
    stored: list[tuple[Contact, dict[str, str]]] = []
    held: list[dict[str, str]] = []
    entity: dict[str, int] = {}
    with paused_gc(), path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if len(stored) >= n:
                break
            if rng.random() < max(0.003, 600 / n):
                held.append(row)
                continue
            c = to_contact(row)
            if c is not None:
                stored.append((c, row))
                entity[c.id] = int(row["entity_id"])
    return stored, held, entity


def fill(storage: Storage, stored: Iterable[tuple[Contact, dict[str, str]]]) -> float:
    t = time.perf_counter()
    batch: list[Contact] = []

    def flush() -> None:
        with storage.unit_of_work("default") as uow:
            for c in batch:
                try:
                    uow.contacts.add(c)
                except DuplicateContactError:
                    # Records of one person share identities: keep the first holder.
                    bare = Contact(
                        id=c.id,
                        name=c.name,
                        city=c.city,
                        birthday=c.birthday,
                        created_at=T0,
                        updated_at=T0,
                    )
                    uow.contacts.add(bare)
            uow.commit()
        batch.clear()

    with paused_gc():
        for c, _ in stored:
            batch.append(c)
            if len(batch) == 20_000:
                flush()
        flush()
    return time.perf_counter() - t


def pct(samples: list[float]) -> str:
    if not samples:
        return "-"
    s = sorted(samples)
    return f"{s[len(s) // 2] * 1000:.3f} / {s[int(len(s) * 0.99)] * 1000:.3f}"


def measure(
    fn: Callable[[dict[str, Any]], Any], queries: list[dict[str, Any]]
) -> list[tuple[float, Any]]:
    out = []
    for q in queries:
        t = time.perf_counter()
        res = fn(q)
        out.append((time.perf_counter() - t, res))
    return out


def bench(
    label: str,
    storage: Storage,
    stored: list[tuple[Contact, dict[str, str]]],
    held: list[dict[str, str]],
    entity: dict[str, int],
    index: IdentityIndex | None,
) -> None:
    build = fill(storage, stored)
    # A long-lived process holding a million contacts moves them out of the collector's
    # sight once loaded; otherwise a full collection (hundreds of ms) lands in some lookup.
    gc.collect()
    gc.freeze()
    crm = CRM(storage=storage)
    # The first tenth warms up (phone metadata per region loads on first use, connections
    # open); each of the others is asked once, so no answer comes from a warm cache.
    warm, held = held[: len(held) // 10], held[len(held) // 10 :]
    for r in warm:
        crm.resolve(**query_of(r))
        if index is not None:
            index.candidates(_index_query(query_of(r)))
    queries = [query_of(r) for r in held]
    truth = [int(r["entity_id"]) for r in held]
    runs = measure(lambda q: crm.resolve(**q), queries)
    exact = [_exact(res) for _, res in runs]
    fuzzy = [t for (t, _), ex in zip(runs, exact, strict=True) if not ex]
    sure = [
        (res.contact.id, e, ex)
        for (_, res), e, ex in zip(runs, truth, exact, strict=True)
        if res.contact
    ]
    report(f"{label}: {len(stored):,} contacts stored in (s)", f"{build:.1f}")
    ref = ""
    if index is not None:
        ref_runs = measure(lambda q: index.candidates(_index_query(q)), queries)
        ref = pct([t for t, _ in ref_runs]) + " IdentityIndex"
    report(f"{label}: resolve, every query (ms p50 / p99)", pct([t for t, _ in runs]), ref)
    report(
        f"{label}: resolve, fuzzy path only (ms p50 / p99)",
        pct(fuzzy),
        "",
        f"{len(fuzzy):,} of {len(runs):,}",
    )
    for kind, flag in (("exact", True), ("fuzzy", False)):
        answers = [entity.get(cid) == e for cid, e, ex in sure if ex is flag]
        share = f"{sum(answers) / len(answers):.3f} right" if answers else "-"
        report(f"{label}: confident {kind} answers", f"{len(answers):,}", share)
    crm.close()


def _exact(res: Any) -> bool:
    # Exact answers carry bare reasons ("phone equal"); the engine's carry weights ("+8.6").
    return bool(res.candidates) and not any("+" in r or "−" in r for r in res.candidates[0].reasons)


def _index_query(q: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in q.items() if k not in ("name", "handle")}
    if "name" in q:
        out["full_name"] = q["name"]
    if "handle" in q:
        out["instagram"] = q["handle"][1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory", type=int, default=1_000_000)
    parser.add_argument("--sqlite", type=int, default=200_000)
    args = parser.parse_args()
    print(
        f"crmkit resolve benchmark, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    if args.memory:
        stored, held, entity = load(args.memory)
        index = IdentityIndex()
        with paused_gc():
            for c, row in stored:
                index.add(c.id, row)
        bench("memory", MemoryStorage(), stored, held, entity, index)
        del index
    if args.sqlite:
        stored, held, entity = load(args.sqlite)
        with tempfile.TemporaryDirectory() as tmp:
            bench(
                "SQLite", SQLiteStorage(os.path.join(tmp, "r.sqlite")), stored, held, entity, None
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
