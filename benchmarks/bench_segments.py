"""Segment benchmark: a compound segment over 1M contacts and 5M interactions, in memory and
compiled to SQL on SQLite.

Run:  python benchmarks/bench_segments.py [--scale 1.0] [--repeat 3] [--no-sqlite] [--postgres]

The segment is the one issue 5 names: city, tag, at least 3 phone calls in the last 90 days,
a purchase in the last 180 days. ``SegmentData`` is built once from row streams (as storage
would hand them over); evaluation is timed on its own, first run (folds the city column) and
best of ``--repeat`` warm runs. Beside it, the same question hand-written in plain Python on
per-contact dictionaries (the best case for the reference: the filter order is chosen by hand
for this one question); both must agree.

SQLite: the same rows bulk-loaded into a crmkit database file (raw ``executemany``, indexes
built after the load), then ``uow.segment_members(seg)`` beside the hand-written SQL for the
same question in the same run (see ``HAND_SQL``); both must return the same ids.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from crmkit._types import Money, paused_gc
from crmkit.contacts import Contact
from crmkit.segments import SegmentData, field, interactions, purchases, tag

try:
    from bench_segments_sql import sqlite_side
except ImportError:  # run from the repository root
    from benchmarks.bench_segments_sql import sqlite_side

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CITIES = [
    "Sofia",
    "Plovdiv",
    "Varna",
    "Tiranë",
    "Durrës",
    "Kraków",
    "Warszawa",
    "Manila",
    "Cebu",
    "Tehran",
    "Shiraz",
    "Burgas",
    "Vlorë",
    "Gdańsk",
    "Davao",
    "Isfahan",
]
CHANNELS = ["phone"] * 2 + ["email"] * 3 + ["sms", "whatsapp", "instagram", "viber", "visit"]
SPAN_S = 730 * 86400


def make_contacts(n: int, rng: random.Random) -> list[Contact]:
    vip, plain = frozenset({"vip"}), frozenset[str]()
    with paused_gc():
        return [
            Contact(
                id=f"c{i:07d}",
                city=rng.choice(CITIES),
                created_at=NOW,
                updated_at=NOW,
                tags=vip if rng.random() < 0.1 else plain,
            )
            for i in range(n)
        ]


def interaction_rows(ids: list[str], n: int, seed: int) -> Iterator[tuple[str, str, str, datetime]]:
    # Skewed like real books: 80 % of touchpoints go to the most active 10 % of contacts,
    # and recent months are busier than old ones.
    rng = random.Random(seed)
    active = ids[: max(1, len(ids) // 10)]
    for _ in range(n):
        who = rng.choice(active) if rng.random() < 0.8 else rng.choice(ids)
        yield (
            who,
            rng.choice(CHANNELS),
            "outbound" if rng.random() < 0.5 else "inbound",
            NOW - timedelta(seconds=int(SPAN_S * rng.random() ** 2)),
        )


def purchase_rows(ids: list[str], n: int, seed: int) -> Iterator[tuple[str, datetime, Money]]:
    rng = random.Random(seed)
    price = [Money(p, "EUR") for p in (10, 20, 50, 100, 250)]
    for _ in range(n):
        yield rng.choice(ids), NOW - timedelta(seconds=rng.randrange(SPAN_S)), rng.choice(price)


def hand_written(
    contacts: list[Contact], calls: dict[str, list[datetime]], buys: dict[str, datetime]
) -> list[str]:
    since_calls, since_buy = NOW - timedelta(days=90), NOW - timedelta(days=180)
    out = []
    for c in contacts:
        if c.city != "Sofia" or "vip" not in c.tags:
            continue
        if sum(1 for t in calls.get(c.id, ()) if since_calls <= t <= NOW) < 3:
            continue
        last = buys.get(c.id)
        if last is not None and since_buy <= last <= NOW:
            out.append(c.id)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="DSN: CRMKIT_TEST_POSTGRES_DSN")
    args = parser.parse_args()
    n_contacts, n_inter, n_buys = (int(x * args.scale) for x in (1e6, 5e6, 1e6))
    rng = random.Random(7)
    contacts = make_contacts(n_contacts, rng)
    ids = [c.id for c in contacts]

    t = time.perf_counter()
    data = SegmentData(
        contacts,
        interactions=interaction_rows(ids, n_inter, 1),
        purchases=purchase_rows(ids, n_buys, 2),
    )
    build = time.perf_counter() - t

    seg = (
        (field("city") == "Sofia")
        & tag("vip")
        & (interactions(channel="phone", within_days=90).count >= 3)
        & purchases(within_days=180).exist()
    )
    t = time.perf_counter()
    members = data.member_ids(seg, now=NOW)
    first = time.perf_counter() - t
    warm = min(_timed(lambda: data.member_ids(seg, now=NOW)) for _ in range(args.repeat))

    t = time.perf_counter()
    calls: dict[str, list[datetime]] = {}
    buys: dict[str, datetime] = {}
    with paused_gc():
        for cid, channel, _, at in interaction_rows(ids, n_inter, 1):
            if channel == "phone":
                calls.setdefault(cid, []).append(at)
        for cid, at, _ in purchase_rows(ids, n_buys, 2):
            if at > buys.get(cid, at - timedelta(1)):
                buys[cid] = at
    ref_build = time.perf_counter() - t
    ref_members = hand_written(contacts, calls, buys)
    ref = min(_timed(lambda: hand_written(contacts, calls, buys)) for _ in range(args.repeat))
    assert list(members) == ref_members, "crmkit and the hand-written loop disagree"

    print(
        f"contacts {n_contacts:,}  interactions {n_inter:,}  purchases {n_buys:,}  "
        f"members {len(members):,}"
    )
    print(f"{'step':<44}{'crmkit s':>10}{'hand-written s':>16}{'ratio':>8}")
    rows = [
        ("index build (once)", build, ref_build),
        ("compound segment, first run", first, ref),
        ("compound segment, warm (best of repeat)", warm, ref),
    ]
    for name, ours, theirs in rows:
        print(f"{name:<44}{ours:>10.2f}{theirs:>16.2f}{ours / theirs:>8.2f}")
    print(f"in-memory target <= 3 s: {'met' if first <= 3 else 'MISSED'} ({first:.2f} s)")
    # What each database side loads and checks: the same data and segment as above.
    same = (
        contacts,
        lambda: interaction_rows(ids, n_inter, 1),
        lambda: purchase_rows(ids, n_buys, 2),
        seg,
        NOW,
        list(members),
        args.repeat,
    )
    if not args.no_sqlite:
        sqlite_side(*same)
    if args.postgres:
        try:
            from bench_segments_pg import postgres_side
        except ImportError:  # run from the repository root
            from benchmarks.bench_segments_pg import postgres_side
        postgres_side(os.environ["CRMKIT_TEST_POSTGRES_DSN"], *same)


def _timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
