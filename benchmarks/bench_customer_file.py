"""Customer file benchmark (issue #15): revenue, expiring contracts, the sBG fit.

Run:  python benchmarks/bench_customer_file.py [--scale 1.0] [--repeat 5] [--calls 300]
          [--signed 1.0] [--only revenue,expiring,sbg,breakdown] [--dir DIR [--reuse]]

1. ``crm.revenue(by=("category", "month"))`` over 5M line items (``--scale`` times that) on
   SQLite, beside two hand-written SQL queries on the same table with ``sqlite3``: the same
   grouping crmkit sends (by SKU, currency and month, the table's key order) and the one a
   person writes for the report (join the SKU to its category, group by category, month and
   currency). Both are timed fetching all rows; the report must equal the join's answer.
   The lines go in through ``uow.revenue.add_all`` (what ``crm.transactions.add`` does after
   resolving SKUs) in time order, as a ledger grows; no ledger entries are written, so the
   setup stays minutes.
2. ``crm.contracts.expiring(within=..., as_of=...)`` at 1M signed contracts (``--scale``
   times that; ``--signed`` of them signed, the others drafts, which are never expiring):
   1-year contracts starting over 30 years, so about 90 signed ones end on any day. p50 and
   p99 of ``--calls`` calls at random dates, for windows of 1, 7 and 60 days (the call,
   which answers from the key index; and the call plus reading every contract found),
   beside the hand-written SQL over ``record_keys`` (the ids only) and joined to
   ``records`` (fetching the JSON bodies and decoding them with ``json.loads``).
3. ``ShiftedBetaGeoModel().fit`` on Fader & Hardie's (2007) two cohorts against their
   published parameters (relative error) and its time.
4. ``crm.breakdown("customer_type", "city", "organization.country", "organization.industry",
   flags={"vat_registered": ...})`` over 1M contacts (``--scale`` times that; 40 % in one of
   10,000 organisations, cities in several spellings) on SQLite, beside the five
   ``GROUP BY`` queries a person writes for the same splits, run with ``sqlite3`` on the same
   file; the counts must agree (the hand-written city counts folded in Python). Once, also
   the in-memory fallback on the same file (every contact loaded and counted in Python).
   Contacts are bulk-loaded as ``bench_segments_sql.load`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmkit import CRM, Contact, Money, Organization
from crmkit._api.customer_file.kinds import CONTRACTS
from crmkit._types import paused_gc
from crmkit.clv import ShiftedBetaGeoModel
from crmkit.customer_file import Contract, ContractStatus
from crmkit.customer_file.revenue import RevenueLine
from crmkit.segments import Everyone, field
from crmkit.segments.breakdown import assemble
from crmkit.storage import SQLiteStorage, segment_value_counts
from crmkit.text import fold

try:
    from bench_segments_sql import load
except ImportError:  # run from the repository root
    from benchmarks.bench_segments_sql import load

WS = "bench"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
CATEGORIES = [f"category {i:02d}" for i in range(12)]


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


# -- revenue ---------------------------------------------------------------------------------


def _fill_revenue(crm: CRM, n_lines: int, n_products: int) -> None:
    rng = random.Random(7)
    for i in range(n_products):
        crm.products.create(
            sku=f"SKU-{i:04d}",
            name=f"Product {i}",
            category=CATEGORIES[i % len(CATEGORIES)],
            price=Money("10.00", "EUR"),
            vat_rate=Decimal("0.20"),
        )
    span = timedelta(days=730).total_seconds()
    batch = 100_000
    made = 0
    while made < n_lines:
        lines = []
        for k in range(made, min(made + batch, n_lines)):
            # Time order, as a ledger grows: one line every span / n seconds.
            when = T0 + timedelta(seconds=span * k / n_lines)
            refund = rng.random() < 0.03
            net = rng.randrange(100, 100_000) * (-1 if refund else 1)
            currency = "EUR" if rng.random() < 0.8 else "USD"
            sku = f"sku-{rng.randrange(n_products):04d}" if rng.random() < 0.95 else None
            lines.append(RevenueLine(f"t{k:08d}", 0, when, sku, currency, net, net // 5))
        with crm.storage.unit_of_work(WS) as uow, paused_gc():
            uow.revenue.add_all(lines)
            uow.commit()
        made += len(lines)


def _as_rows(report: Any) -> dict[Any, tuple[int, int, int]]:
    return {
        (r.key, r.net.currency): (int(r.net.amount * 100), int(r.vat.amount * 100), r.lines)
        for r in report.rows
    }


def bench_revenue(path: str, n_lines: int, repeat: int) -> dict[str, Any]:
    crm = CRM(storage=SQLiteStorage(path), workspace=WS)
    n_products = 200
    start = time.perf_counter()
    _fill_revenue(crm, n_lines, n_products)
    fill = time.perf_counter() - start
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size = -131072")
    conn.execute("CREATE TEMP TABLE cat (sku TEXT PRIMARY KEY, category TEXT) WITHOUT ROWID")
    conn.executemany(
        "INSERT INTO cat VALUES (?, ?)",
        [(f"sku-{i:04d}", CATEGORIES[i % len(CATEGORIES)]) for i in range(n_products)],
    )
    month = "CAST(strftime('%Y%m', l.occurred_at / 1000000, 'unixepoch') AS INTEGER)"
    lines_sql = (
        f"SELECT c.category, {month}, l.currency, SUM(l.net), SUM(l.vat), COUNT(*) "
        "FROM revenue_lines l LEFT JOIN cat c ON c.sku = l.sku WHERE l.workspace = ? "
        "AND l.occurred_at >= ? AND l.occurred_at < ? GROUP BY 1, 2, 3"
    )
    days_same = (
        "SELECT sku, currency, month, SUM(net), SUM(vat), SUM(lines) FROM revenue_days "
        "WHERE workspace = ? GROUP BY sku, currency, month"
    )
    days_join = (
        "SELECT c.category, d.month, d.currency, SUM(d.net), SUM(d.vat), SUM(d.lines) "
        "FROM revenue_days d LEFT JOIN cat c ON c.sku = d.sku WHERE d.workspace = ? "
        "GROUP BY 1, 2, 3"
    )
    us = 1_000_000
    everything = (0, 2**62)
    since, until = T0 + timedelta(days=100.5), T0 + timedelta(days=600.25)
    window = (int(since.timestamp() * us), int(until.timestamp() * us))

    def by_lines(bounds: tuple[int, int]) -> list[Any]:
        return conn.execute(lines_sql, (WS, *bounds)).fetchall()

    def report(lo: datetime | None = None, hi: datetime | None = None) -> Any:
        return crm.revenue(by=("category", "month"), since=lo, until=hi)

    report()  # one untimed pass of each warms the page cache alike
    by_lines(everything)
    timings = {
        "crm": _timed(report, repeat),
        "days_same": _timed(lambda: conn.execute(days_same, (WS,)).fetchall(), repeat),
        "days_join": _timed(lambda: conn.execute(days_join, (WS,)).fetchall(), repeat),
        "lines": _timed(lambda: by_lines(everything), repeat),
        "crm_window": _timed(lambda: report(since, until), repeat),
        "lines_window": _timed(lambda: by_lines(window), repeat),
    }

    def truth(rows: list[Any]) -> dict[Any, tuple[int, int, int]]:
        return {
            ((cat, f"{m // 100:04d}-{m % 100:02d}"), cur): (net, vat, n)
            for cat, m, cur, net, vat, n in rows
        }

    equal = _as_rows(timings["crm"][1]) == truth(timings["lines"][1])
    equal_window = _as_rows(timings["crm_window"][1]) == truth(timings["lines_window"][1])
    conn.close()
    crm.close()
    return {
        "fill": fill,
        "times": {k: v[0] for k, v in timings.items()},
        "equal": equal and equal_window,
        "groups": len(timings["crm"][1].rows),
    }


# -- expiring contracts ----------------------------------------------------------------------


def _fill_contracts(crm: CRM, n: int, signed_share: float) -> None:
    rng = random.Random(11)
    n_contacts = max(1, n // 50)
    contacts = [
        Contact.new(id=f"c{i:07d}", name=f"Customer {i}", now=T0) for i in range(n_contacts)
    ]
    with crm.storage.unit_of_work(WS) as uow:
        for contact in contacts:
            uow.contacts.add(contact)
        uow.commit()
    first = date(2000, 1, 1)
    batch = 20_000
    for lo in range(0, n, batch):
        with crm.storage.unit_of_work(WS) as uow, paused_gc():
            records = CONTRACTS.on(uow)
            for i in range(lo, min(lo + batch, n)):
                starts = first + timedelta(days=rng.randrange(30 * 365))
                draft = Contract.new(
                    f"c{i % n_contacts:07d}",
                    title=f"Support {i}",
                    starts_on=starts,
                    ends_on=starts + timedelta(days=364),
                    value=Money("1200.00", "EUR"),
                    renewal="auto",
                    notice=timedelta(days=30),
                    at=T0,
                )
                if rng.random() < signed_share:
                    draft = attrs.evolve(
                        draft, status=ContractStatus.SIGNED, signed_at=T0, signed_by="Ana"
                    )
                records.add(draft)
            uow.commit()


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_expiring(
    path: str, n: int, calls: int, signed_share: float, reuse: bool = False
) -> dict[str, Any]:
    filled = reuse and os.path.exists(path)
    crm = CRM(storage=SQLiteStorage(path), workspace=WS)
    start = time.perf_counter()
    if not filled:
        _fill_contracts(crm, n, signed_share)
    fill = time.perf_counter() - start
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size = -131072")
    sql = (
        "SELECT r.body FROM records r JOIN record_keys k ON k.workspace = r.workspace "
        "AND k.kind = r.kind AND k.record_id = r.id WHERE k.workspace = ? "
        "AND k.kind = 'contracts' AND k.name = ? AND k.value BETWEEN ? AND ?"
    )

    ids_sql = (
        "SELECT k.record_id, k.value FROM record_keys k WHERE k.workspace = ? "
        "AND k.kind = 'contracts' AND k.name = ? AND k.value BETWEEN ? AND ?"
    )

    def by_hand(lo: str, hi: str, decode: bool) -> int:
        found: dict[Any, Any] = {}
        for key in ("ends", "notice"):
            if not decode:  # the ids (and the key's day) from the index alone
                found.update(conn.execute(ids_sql, (WS, key, lo, hi)).fetchall())
                continue
            for (body,) in conn.execute(sql, (WS, key, lo, hi)):
                found[body] = json.loads(body)
        return len(found)

    rng = random.Random(3)
    out: dict[str, Any] = {"fill": fill, "windows": []}
    for days in (1, 7, 60):
        t_crm, t_all, t_raw, t_json, sizes = [], [], [], [], []
        for _ in range(calls):
            as_of = date(2005, 1, 1) + timedelta(days=rng.randrange(20 * 365))
            last = as_of + timedelta(days=days)
            start = time.perf_counter()
            found = crm.contracts.expiring(within=timedelta(days=days), as_of=as_of)
            t_crm.append(time.perf_counter() - start)
            list(found)  # and every contract read (a page at a time)
            t_all.append(time.perf_counter() - start)
            start = time.perf_counter()
            by_hand(as_of.isoformat(), last.isoformat(), False)
            t_raw.append(time.perf_counter() - start)
            start = time.perf_counter()
            by_hand(as_of.isoformat(), last.isoformat(), True)
            t_json.append(time.perf_counter() - start)
            sizes.append(len(found))
        out["windows"].append((days, statistics.median(sizes), t_crm, t_all, t_raw, t_json))
    conn.close()
    crm.close()
    return out


# -- breakdowns -------------------------------------------------------------------------------

CITIES = ["Sofia", "SOFIA", "Plovdiv", "Varna", "VARNA ", "Burgas", "Tiranë", "Tirane", "Ruse"]
COUNTRIES = ["BG", "AL", "PL", "RO", "GR"]
INDUSTRIES = ["Retail", "Wholesale", "Transport", "Software", "Farming", "Tourism"]
BY = ("customer_type", "city", "organization.country", "organization.industry")
_ORGS = " LEFT JOIN organizations o ON o.workspace = c.workspace AND o.id = c.organization_id"
HAND_BREAKDOWN = {
    "customer_type": "SELECT CASE WHEN c.organization_id IS NULL THEN 'individual' "
    "ELSE 'organization' END, count(*) FROM contacts c WHERE c.workspace = ? GROUP BY 1",
    "city": "SELECT c.city, count(*) FROM contacts c WHERE c.workspace = ? GROUP BY 1",
    "organization.country": f"SELECT o.country, count(*) FROM contacts c{_ORGS}"
    " WHERE c.workspace = ? GROUP BY 1",
    "organization.industry": f"SELECT o.industry, count(*) FROM contacts c{_ORGS}"
    " WHERE c.workspace = ? GROUP BY 1",
    "vat_registered": f"SELECT o.vat_id IS NOT NULL, count(*) FROM contacts c{_ORGS}"
    " WHERE c.workspace = ? GROUP BY 1",
}


def _fill_breakdown(path: str, n: int) -> None:
    rng = random.Random(5)
    n_orgs = max(1, n // 100)
    contacts = [
        Contact.new(
            id=f"c{i:07d}",
            name=f"Customer {i}",
            city=rng.choice(CITIES),
            organization_id=f"o{rng.randrange(n_orgs):06d}" if rng.random() < 0.4 else None,
            now=T0,
        )
        for i in range(n)
    ]
    load(path, contacts, (), ())
    with SQLiteStorage(path).unit_of_work(WS) as uow:
        for i in range(n_orgs):
            uow.organizations.add(
                Organization.new(
                    id=f"o{i:06d}",
                    name=f"Org {i}",
                    country=COUNTRIES[i % len(COUNTRIES)],
                    industry=INDUSTRIES[i % len(INDUSTRIES)],
                    vat_id=f"BG{i:09d}" if i % 3 else None,
                )
            )
        uow.commit()


def _counts(rows: list[tuple[Any, int]]) -> dict[Any, int]:
    """Counts by folded value, as a breakdown groups them."""
    out: dict[Any, int] = {}
    for value, n in rows:
        key = fold(value) if isinstance(value, str) else value
        out[key] = out.get(key, 0) + n
    return out


def bench_breakdown(path: str, n: int, repeat: int, reuse: bool = False) -> dict[str, Any]:
    start = time.perf_counter()
    if not (reuse and os.path.exists(path)):
        _fill_breakdown(path, n)
    fill = time.perf_counter() - start
    crm = CRM(storage=SQLiteStorage(path), workspace=WS)
    vat = {"vat_registered": field("organization.vat_id").is_null(False)}
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size = -131072")

    def ours() -> dict[str, Any]:
        return crm.breakdown(*BY, flags=vat)

    def hand() -> dict[str, list[Any]]:
        return {k: conn.execute(sql, (WS,)).fetchall() for k, sql in HAND_BREAKDOWN.items()}

    ours()  # one untimed pass of each warms the page cache alike
    hand()
    t_ours, got = _timed(ours, repeat)
    t_hand, by_hand = _timed(hand, repeat)
    want = {
        k: _counts([(bool(v) if k == "vat_registered" else v, c) for v, c in rows])
        for k, rows in by_hand.items()
    }
    equal = {k: _counts([(r.value, r.count) for r in b.rows]) for k, b in got.items()} == want
    start = time.perf_counter()
    with crm.storage.unit_of_work(WS, read_only=True) as uow:
        # What a backend without the fast path does: load everything, count in Python.
        fallback = segment_value_counts(_Bare(uow), Everyone(), [*BY, *vat.values()], now=T0)
    t_fallback = time.perf_counter() - start
    same = [assemble(k, c, top=None) for k, c in zip(got, fallback, strict=True)] == list(
        got.values()
    )
    conn.close()
    crm.close()
    return {
        "fill": fill,
        "crm": t_ours,
        "hand": t_hand,
        "fallback": t_fallback,
        "equal": equal and same,
    }


class _Bare:
    """A unit of work seen without its ``segment_value_counts``: the fallback's view."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        if name == "segment_value_counts":
            raise AttributeError(name)
        return getattr(self._uow, name)


# -- sBG ---------------------------------------------------------------------------------------

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
PUBLISHED = {"regular": (REGULAR, 0.704, 1.182), "high end": (HIGH_END, 0.668, 3.806)}


def bench_sbg(repeat: int) -> list[tuple[str, float, float, float, float, float]]:
    rows = []
    for name, (counts, alpha, beta) in PUBLISHED.items():
        times, fit = _timed(lambda c=counts: ShiftedBetaGeoModel().fit(c), repeat)
        a, b = fit.params["alpha"], fit.params["beta"]
        rows.append((name, a, b, abs(a / alpha - 1), abs(b / beta - 1), min(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument(
        "--signed", type=float, default=1.0, help="share of the contracts signed (others drafts)"
    )
    parser.add_argument("--only", default="revenue,expiring,sbg,breakdown")
    parser.add_argument("--dir", default=None, help="where the SQLite files go (default: tmp)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="expiring, breakdown: time the files --dir holds from an earlier run (same --scale)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    folder = args.dir or tempfile.mkdtemp(prefix="bench_cf_")
    if "revenue" in only:
        n = int(5_000_000 * args.scale)
        path = os.path.join(folder, "revenue.sqlite")
        r = bench_revenue(path, n, args.repeat)
        med = {k: statistics.median(v) for k, v in r["times"].items()}
        best = min(med["days_same"], med["days_join"])
        print(
            f"\nRevenue by category and month, SQLite, {n:,} line items (filled in "
            f"{r['fill']:.0f} s; {r['groups']} rows; equal to the lines: {r['equal']}), seconds"
        )
        print(f"{'':58} {'median':>8} {'best':>8} {'ratio':>6}")
        for label, key, base in (
            ("crm.revenue(by=('category', 'month'))", "crm", best),
            ("hand SQL on the day sums, crmkit's grouping", "days_same", best),
            ("hand SQL on the day sums, join categories", "days_join", best),
            ("hand SQL on the lines, join categories, strftime month", "lines", best),
            ("crm.revenue, since/until mid-day (500 days)", "crm_window", med["lines_window"]),
            ("hand SQL on the lines, same window", "lines_window", med["lines_window"]),
        ):
            times = r["times"][key]
            print(f"{label:58} {med[key]:8.3f} {min(times):8.3f} {med[key] / base:6.2f}")
    if "expiring" in only:
        n = int(1_000_000 * args.scale)
        path = os.path.join(folder, "contracts.sqlite")
        e = bench_expiring(path, n, args.calls, args.signed, args.reuse)
        print(
            f"\ncontracts.expiring, SQLite, {n:,} contracts, {args.signed:.0%} signed (filled in "
            f"{e['fill']:.0f} s), {args.calls} calls per window, ms"
        )
        print(
            f"{'window':>7} {'found':>6} | {'crm p50':>8} {'crm p99':>8} | {'SQL p50':>8} "
            f"{'SQL p99':>8} | {'+read p50':>9} {'p99':>8} | {'SQL+json p50':>12} {'p99':>8}"
        )
        for days, size, t_crm, t_all, t_raw, t_json in e["windows"]:
            c50, c99 = _pct(t_crm, 0.5) * 1e3, _pct(t_crm, 0.99) * 1e3
            a50, a99 = _pct(t_all, 0.5) * 1e3, _pct(t_all, 0.99) * 1e3
            r50, r99 = _pct(t_raw, 0.5) * 1e3, _pct(t_raw, 0.99) * 1e3
            j50, j99 = _pct(t_json, 0.5) * 1e3, _pct(t_json, 0.99) * 1e3
            print(
                f"{days:>5} d {size:6.0f} | {c50:8.2f} {c99:8.2f} | {r50:8.2f} {r99:8.2f} | "
                f"{a50:9.2f} {a99:8.2f} | {j50:12.2f} {j99:8.2f}"
            )
    if "sbg" in only:
        print("\nsBG fit on Fader & Hardie (2007), years 0..7, against the published parameters")
        head = ("cohort", "alpha", "beta", "err alpha", "err beta", "time ms")
        print("{:10} {:>8} {:>8} {:>10} {:>9} {:>8}".format(*head))
        for name, a, b, ea, eb, t in bench_sbg(args.repeat):
            print(f"{name:10} {a:8.4f} {b:8.4f} {ea:10.3%} {eb:9.3%} {t * 1e3:8.2f}")

    if "breakdown" in only:
        n = int(1_000_000 * args.scale)
        b = bench_breakdown(os.path.join(folder, "breakdown.sqlite"), n, args.repeat, args.reuse)
        best = min(b["hand"])
        print(
            f"\nBreakdowns by customer type, city, country, industry and VAT registration, "
            f"SQLite, {n:,} contacts (filled in {b['fill']:.0f} s; counts equal to the "
            f"hand-written SQL and to the fallback: {b['equal']}), seconds"
        )
        print(f"{'':58} {'median':>8} {'best':>8} {'ratio':>6}")
        for label, times in (
            ("crm.breakdown(4 fields, flags={vat_registered})", b["crm"]),
            ("hand SQL: 5 GROUP BY queries", b["hand"]),
            ("in-memory fallback (every contact loaded), once", [b["fallback"]]),
        ):
            med = statistics.median(times)
            print(f"{label:58} {med:8.3f} {min(times):8.3f} {med / best:6.2f}")


if __name__ == "__main__":
    main()
