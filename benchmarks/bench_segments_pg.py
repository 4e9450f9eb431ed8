"""The PostgreSQL half of ``bench_segments.py`` (``--postgres``, DSN from
``CRMKIT_TEST_POSTGRES_DSN``): COPY into a throwaway schema, then the compiled segment beside
the hand-written SQL for the same question, in the same run."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.segments import Segment
from crmkit.storage.postgres import PostgresStorage
from crmkit.storage.postgres._driver import DIALECT
from crmkit.storage.sql._rows import CONTACT_WRITE_COLUMNS, contact_to_row

WS = "bench"
# PostgreSQL plans the grouped IN better than a correlated count (DESIGN.md), so that is what
# a careful person writes here.
HAND_SQL = """
SELECT c.id FROM contacts c
WHERE c.workspace = ? AND c.city = ?
  AND c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.workspace = ? AND t.tag = ?)
  AND c.id IN (SELECT i.contact_id FROM interactions i WHERE i.workspace = ? AND i.channel = ?
               AND i.occurred_at >= ? AND i.occurred_at <= ?
               GROUP BY i.contact_id HAVING count(*) >= 3)
  AND EXISTS (SELECT 1 FROM transactions x WHERE x.workspace = c.workspace
              AND x.contact_id = c.id AND x.kind = 'purchase' AND x.occurred_at >= ?
              AND x.occurred_at <= ?)
ORDER BY c.id
"""


def _copy(conn: Any, table: str, columns: tuple[str, ...], rows: Iterable[Any]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def postgres_side(
    dsn: str,
    contacts: list[Contact],
    inter: Callable[[], Iterable[tuple[str, str, str, datetime]]],
    buys: Callable[[], Iterable[tuple[str, datetime, Money]]],
    seg: Segment,
    now: datetime,
    expected: list[str],
    repeat: int,
) -> None:
    storage = PostgresStorage(dsn, schema=f"bench_seg_{uuid.uuid4().hex[:8]}")
    try:
        t = time.perf_counter()
        with storage._connect() as conn:
            _copy(
                conn,
                "contacts",
                ("workspace", *CONTACT_WRITE_COLUMNS),
                ((WS, *contact_to_row(c, DIALECT)) for c in contacts),
            )
            _copy(
                conn,
                "contact_tags",
                ("workspace", "contact_id", "tag"),
                ((WS, c.id, tg) for c in contacts for tg in c.tags),
            )
            _copy(
                conn,
                "interactions",
                (
                    "workspace",
                    "id",
                    "contact_id",
                    "channel",
                    "direction",
                    "occurred_at",
                    "created_at",
                ),
                (
                    (WS, f"i{k:08d}", cid, ch, d, at, at)
                    for k, (cid, ch, d, at) in enumerate(inter())
                ),
            )
            _copy(
                conn,
                "transactions",
                (
                    "workspace",
                    "id",
                    "contact_id",
                    "kind",
                    "amount",
                    "currency",
                    "occurred_at",
                    "lines",
                    "created_at",
                ),
                (
                    (WS, f"t{k:08d}", cid, "purchase", m.amount, m.currency, at, "[]", at)
                    for k, (cid, at, m) in enumerate(buys())
                ),
            )
            conn.commit()
            conn.autocommit = True
            conn.execute("ANALYZE")
        loaded = time.perf_counter() - t
        params = [
            WS,
            "Sofia",
            WS,
            "vip",
            WS,
            "phone",
            now - timedelta(days=90),
            now,
            now - timedelta(days=180),
            now,
        ]

        def ours() -> list[str]:
            with storage.unit_of_work(WS, read_only=True) as uow:
                return [c.id for c in uow.segment_members(seg, now=now)]

        def hand() -> list[str]:
            with storage.unit_of_work(WS, read_only=True) as uow:
                return [r[0] for r in uow.session.fetchall(HAND_SQL, params)]

        rows = []
        for fn in (hand, ours):
            t = time.perf_counter()
            out = fn()
            first = time.perf_counter() - t
            best = min(_timed(fn) for _ in range(repeat))
            rows.append((first, best, out))
        (h_first, h_best, h_ids), (o_first, o_best, o_ids) = rows
        assert o_ids == h_ids == sorted(expected), "PostgreSQL, hand SQL and memory disagree"
        print(f"\nPostgreSQL (COPY load {loaded:.1f} s)")
        print(f"{'step':<44}{'crmkit s':>10}{'hand SQL s':>16}{'ratio':>8}")
        for name, a, b in (
            ("compound segment, first run", o_first, h_first),
            ("compound segment, warm (best of repeat)", o_best, h_best),
        ):
            print(f"{name:<44}{a:>10.3f}{b:>16.3f}{a / b:>8.2f}")
    finally:
        storage.drop_schema()


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t
