"""The SQLite half of ``bench_segments.py``: bulk load, then the compiled segment beside the
hand-written SQL for the same question, in the same run."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.segments import Segment
from crmkit.storage import SQLiteStorage
from crmkit.storage.sql._rows import CONTACT_WRITE_COLUMNS, contact_to_row
from crmkit.storage.sqlite._driver import DIALECT

WS = "bench"
# What a careful person writes for "Sofia, vip, >= 3 phone calls in 90 days, a purchase in
# 180 days" on this schema: the city compared as stored (the generated data spells it one way),
# correlated subqueries along the (workspace, contact_id, occurred_at) indexes.
HAND_SQL = """
SELECT c.id FROM contacts c
WHERE c.workspace = ? AND c.city = ?
  AND c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.workspace = ? AND t.tag = ?)
  AND (SELECT count(*) FROM interactions i WHERE i.workspace = c.workspace
       AND i.contact_id = c.id AND i.channel = ? AND i.occurred_at >= ? AND i.occurred_at <= ?) >= 3
  AND EXISTS (SELECT 1 FROM transactions x WHERE x.workspace = c.workspace
       AND x.contact_id = c.id AND x.kind = 'purchase' AND x.occurred_at >= ?
       AND x.occurred_at <= ?)
ORDER BY c.id
"""


def _chunks(rows: Iterable[tuple[Any, ...]], n: int = 100_000) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for r in rows:
        batch.append(r)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def load(
    path: str,
    contacts: list[Contact],
    inter: Iterable[tuple[str, str, str, datetime]],
    buys: Iterable[tuple[str, datetime, Money]],
) -> None:
    SQLiteStorage(path).close()  # creates the schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    # Indexes are built after the load (measured: faster than maintaining them row by row).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('contacts', 'interactions', 'transactions', 'contact_tags')"
    ).fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    marks = ", ".join("?" * (len(CONTACT_WRITE_COLUMNS) + 1))
    for batch in _chunks((WS, *contact_to_row(c, DIALECT)) for c in contacts):
        conn.executemany(
            f"INSERT INTO contacts (workspace, {', '.join(CONTACT_WRITE_COLUMNS)})"
            f" VALUES ({marks})",
            batch,
        )
    conn.executemany(
        "INSERT INTO contact_tags (workspace, contact_id, tag) VALUES (?, ?, ?)",
        [(WS, c.id, t) for c in contacts for t in c.tags],
    )
    ts = DIALECT.ts
    rows = (
        (WS, f"i{k:08d}", cid, ch, d, ts(at), ts(at)) for k, (cid, ch, d, at) in enumerate(inter)
    )
    for batch in _chunks(rows):
        conn.executemany(
            "INSERT INTO interactions (workspace, id, contact_id, channel, direction,"
            " occurred_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
    trows = (
        (WS, f"t{k:08d}", cid, "purchase", str(m.amount), m.currency, ts(at), "[]", ts(at))
        for k, (cid, at, m) in enumerate(buys)
    )
    for batch in _chunks(trows):
        conn.executemany(
            "INSERT INTO transactions (workspace, id, contact_id, kind, amount,"
            " currency, occurred_at, lines, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    t = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first, min(times), out


def sqlite_side(
    contacts: list[Contact],
    inter: Callable[[], Iterable[tuple[str, str, str, datetime]]],
    buys: Callable[[], Iterable[tuple[str, datetime, Money]]],
    seg: Segment,
    now: datetime,
    expected: list[str],
    repeat: int,
) -> None:
    path = os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    t = time.perf_counter()
    load(path, contacts, inter(), buys())
    loaded = time.perf_counter() - t
    storage = SQLiteStorage(path)
    ts = DIALECT.ts
    params = [
        WS,
        "Sofia",
        WS,
        "vip",
        "phone",
        ts(now - timedelta(days=90)),
        ts(now),
        ts(now - timedelta(days=180)),
        ts(now),
    ]

    def ours() -> list[str]:
        with storage.unit_of_work(WS, read_only=True) as uow:
            return [c.id for c in uow.segment_members(seg, now=now)]

    def hand() -> list[str]:
        with storage.unit_of_work(WS, read_only=True) as uow:
            return [r[0] for r in uow.session.fetchall(HAND_SQL, params)]

    h_first, h_best, h_ids = _best(hand, repeat)
    o_first, o_best, o_ids = _best(ours, repeat)
    assert o_ids == h_ids == sorted(expected), "SQLite, hand-written SQL and memory disagree"
    storage.close()
    print(f"\nSQLite ({os.path.getsize(path) / 2**20:,.0f} MiB, bulk load {loaded:.1f} s)")
    print(f"{'step':<44}{'crmkit s':>10}{'hand SQL s':>16}{'ratio':>8}")
    for name, a, b in (
        ("compound segment, first run", o_first, h_first),
        ("compound segment, warm (best of repeat)", o_best, h_best),
    ):
        print(f"{name:<44}{a:>10.3f}{b:>16.3f}{a / b:>8.2f}")
    ok = o_best <= 1.5 * h_best
    print(
        f"SQLite target <= 1.5x hand-written: {'met' if ok else 'MISSED'} ({o_best / h_best:.2f}x)"
    )
    os.remove(path)
