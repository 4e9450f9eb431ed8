"""Service desk benchmark (issue 14): `breaching` and `service_report` over 1M cases.

Run:  python benchmarks/bench_service.py [--scale 1.0] [--path /tmp/bench_service.sqlite]
      [--reuse] [--postgres DSN]

Data: 200 agents, 200 weeks of cases (5,000 a week at scale 1), a "Standard" policy
(09:00-17:00 UTC on weekdays; first response 4 h, resolution 16 h) and an "Urgent" one
(around the clock; 1 h and 4 h). Cases older than two weeks are clones of a few thousand
cases built by the real moves (`crmkit.service.transitions`), shifted by whole weeks (the
UTC calendar has no DST and no holidays, so the shift leaves every business time as it is)
with their own id, reason, agent and contact; the last two weeks are built one by one with
no move after NOW, so they hold the open backlog. Everything is bulk-loaded into the
tables crmkit writes (records, record_keys, case_facts) with executemany inside one
transaction, from the very rows crmkit's codec and `crmkit.service.facts` make.

Timed against hand-written SQL on the same file in the same run:
- `crm.cases.breaching(at=NOW, within=..., assignee=agent)` for random agents (p50/p99),
  and for the whole desk with `limit=50`; reference: the same index range read with sqlite3.
- `crm.service_report` over every case and over the last four weeks; reference: the same
  grouped query and median reads with sqlite3. The figures must be equal, and equal to
  `crmkit.service.facts.figures_of` over the facts in Python (and to PostgreSQL's with
  `--postgres`, loaded with COPY).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from functools import partial
from typing import Any

import attrs

from crmkit import CRM
from crmkit._api.service.kinds import CASES
from crmkit._types import new_id, paused_gc
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError
from crmkit.service import Case, SlaPolicy, WorkingHours, service_report
from crmkit.service import transitions as moves
from crmkit.service.facts import (
    CaseFacts,
    GroupFigures,
    ServiceFigures,
    case_facts,
    figures_of,
    in_order,
    microseconds,
    middle,
)
from crmkit.storage import SQLiteStorage
from crmkit.storage.codec import sortable_time
from crmkit.storage.sqlite._driver import DIALECT

WS = "bench"
AGENTS = [f"agent{i:03d}" for i in range(200)]
REASONS = ["question", "complaint", "billing", "equipment_fault", "return", "other"]
REASON_WEIGHTS = [30, 15, 25, 15, 10, 5]
WEEKS = 200
BASE = datetime(2023, 1, 2, tzinfo=UTC)  # a Monday
NOW = BASE + timedelta(weeks=WEEKS, days=-5, hours=-4)  # Wednesday 20:00 of the last week
HOUR = timedelta(hours=1)
POLICIES = {
    "standard": SlaPolicy.new(
        "Standard",
        first_response=4 * HOUR,
        resolution=16 * HOUR,
        hours=WorkingHours(clock(9), clock(17)),
        timezone="UTC",
        at=BASE,
    ),
    "urgent": SlaPolicy.new(
        "Urgent",
        first_response=HOUR,
        resolution=4 * HOUR,
        hours=WorkingHours.always(),
        timezone="UTC",
        at=BASE,
        priority="urgent",
    ),
}


def lifecycle(rng: random.Random, opened: datetime, cutoff: datetime | None) -> Case:
    """One case through random but plausible moves, none after *cutoff*."""
    priority = rng.choices(["low", "normal", "high", "urgent"], [20, 50, 20, 10])[0]
    case = moves.open_case(
        "c",
        subject="Router keeps rebooting",
        reason="question",
        reasons=REASONS,
        at=opened,
        sla=POLICIES["urgent" if priority == "urgent" else "standard"],
        priority=priority,
        channel="phone",
        assignee=AGENTS[0],
    )
    at = opened
    plan = [("respond", rng.expovariate(1 / 3) * HOUR)]
    if rng.random() < 0.15:
        plan += [
            ("waiting_on_customer", rng.uniform(0, 6) * HOUR),
            ("open", rng.uniform(1, 30) * HOUR),
        ]
    plan.append(("resolved", rng.expovariate(1 / 20) * HOUR))
    plan += [("closed", 24 * HOUR)] if rng.random() < 0.7 else []
    plan += [("rate", 2 * HOUR)] if rng.random() < 0.4 else []
    for step, after in plan:
        at += after
        if cutoff is not None and at > cutoff:
            break
        try:
            if step == "respond":
                case = moves.respond(case, at=at, by=AGENTS[0])
            elif step == "rate":
                case = moves.rate(
                    case, score=rng.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0], at=at
                )
            else:
                case = moves.set_status(case, step, at=at)
        except (InvalidTransitionError, InvalidDatetimeError):
            continue
    return case


def _shift(value: Any, by: timedelta) -> Any:
    return None if value is None else value + by


def shifted(case: Case, by: timedelta, **fields: Any) -> Case:
    """The case as if everything happened *by* later (exact on a UTC calendar without
    holidays when *by* is whole weeks)."""
    history = tuple(attrs.evolve(h, at=h.at + by) for h in case.history)
    rating = None if case.rating is None else attrs.evolve(case.rating, at=case.rating.at + by)
    times = (
        "opened_at",
        "updated_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "first_response_due",
        "resolution_due",
    )
    changes = {name: _shift(getattr(case, name), by) for name in times}
    return attrs.evolve(case, history=history, rating=rating, **changes, **fields)


def generate(n: int, contacts: list[str], seed: int = 14) -> Iterator[Case]:
    """*n* cases: clones of templates for all but the last two weeks, then those two."""
    rng = random.Random(seed)
    per_week = max(1, n // WEEKS)
    templates = [
        lifecycle(rng, BASE + timedelta(minutes=rng.randrange(7 * 24 * 60)), None)
        for _ in range(min(4000, per_week))
    ]
    for week in range(WEEKS):
        for i in range(per_week):
            fields = {
                "id": new_id(),
                "contact_id": rng.choice(contacts),
                "reason": rng.choices(REASONS, REASON_WEIGHTS)[0],
                "assignee": rng.choice(AGENTS),
            }
            if week < WEEKS - 2:
                yield shifted(templates[i % len(templates)], timedelta(weeks=week), **fields)
            else:
                opened = BASE + timedelta(weeks=week, minutes=rng.randrange(7 * 24 * 60))
                if opened < NOW:
                    yield attrs.evolve(lifecycle(rng, opened, NOW), **fields)


def load_sqlite(path: str, n: int) -> int:
    if os.path.exists(path):
        os.remove(path)
    crm = CRM.open(path, workspace=WS)
    for policy in POLICIES.values():
        crm.sla.create(
            policy.name,
            first_response=policy.first_response,
            resolution=policy.resolution,
            hours=policy.calendar.hours,
            timezone="UTC",
            priority=policy.priority,
        )
    contacts = [crm.contacts.create(name=f"Customer {i}").id for i in range(1000)]
    crm.storage.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN")
    count = 0
    columns = [a.name for a in attrs.fields(CaseFacts)]
    facts_sql = (
        f"INSERT INTO case_facts (workspace, {', '.join(columns)}) "
        f"VALUES (?, {', '.join('?' for _ in columns)})"
    )
    chunk: list[Case] = []

    def flush() -> None:
        records, keys, facts = [], [], []
        for case in chunk:
            stored = CASES.codec.encode("cases", case)
            key_values = {"keys": dict(stored.keys), "unique": sorted(stored.unique)}
            records.append(
                (
                    WS,
                    "cases",
                    stored.id,
                    stored.contact_id,
                    stored.version,
                    DIALECT.json(dict(stored.body)),
                    DIALECT.json(key_values),
                )
            )
            keys += [(WS, "cases", k, stored.id, v, False) for k, v in sorted(stored.keys.items())]
            facts.append((WS, *attrs.astuple(case_facts(case))))
        conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", records)
        conn.executemany("INSERT INTO record_keys VALUES (?, ?, ?, ?, ?, ?)", keys)
        conn.executemany(facts_sql, facts)
        chunk.clear()

    with paused_gc():
        for case in generate(n, contacts):
            chunk.append(case)
            count += 1
            if len(chunk) == 20_000:
                flush()
        flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return count


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def latencies(fn: Callable[[random.Random], Any], runs: int) -> tuple[float, float, Any]:
    rng = random.Random(5)
    times, last = [], None
    for _ in range(runs):
        took, last = timed(lambda: fn(rng))
        times.append(took * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], last


RAW_BREACHING = (
    "SELECT r.id, r.body FROM record_keys k JOIN records r ON r.workspace = k.workspace "
    "AND r.kind = k.kind AND r.id = k.record_id WHERE k.workspace = ? AND k.kind = 'cases' "
    "AND k.name = ? AND k.value >= ? AND k.value <= ? ORDER BY k.value, k.record_id LIMIT ?"
)


def bench_breaching(path: str, runs: int) -> list[tuple[str, str, str]]:
    crm = CRM(storage=SQLiteStorage(path), workspace=WS, clock=lambda: NOW)
    raw = sqlite3.connect(path)
    rows = []

    def agent(rng: random.Random) -> tuple[str, timedelta]:
        return rng.choice(AGENTS), rng.randrange(0, 60) * timedelta(minutes=1)

    def mine(rng: random.Random) -> Any:
        who, within = agent(rng)
        return crm.cases.breaching(at=NOW, within=within, assignee=who)

    def mine_raw(rng: random.Random) -> Any:
        who, within = agent(rng)
        horizon = f"{who}\x01{(NOW + within).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
        return raw.execute(
            RAW_BREACHING, (WS, "assignee_due", f"{who}\x01", horizon, -1)
        ).fetchall()

    def desk(rng: random.Random) -> Any:
        return crm.cases.breaching(
            at=NOW, within=rng.randrange(60) * timedelta(minutes=1), limit=50
        )

    def desk_raw(rng: random.Random) -> Any:
        horizon = (NOW + rng.randrange(60) * timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return raw.execute(RAW_BREACHING, (WS, "next_due", "", horizon, 50)).fetchall()

    for name, fn, ref in (("one agent", mine, mine_raw), ("whole desk, limit=50", desk, desk_raw)):
        p50, p99, last = latencies(fn, runs)
        r50, r99, _ = latencies(ref, runs)
        rows.append(
            (
                f"breaching, {name}",
                f"p50 {p50:.2f} ms, p99 {p99:.2f} ms ({len(last)} rows last)",
                f"p50 {r50:.2f} ms, p99 {r99:.2f} ms; p99 ratio {p99 / r99:.1f}",
            )
        )
    took, everything = timed(lambda: crm.cases.breaching(at=NOW))
    rows.append(
        ("breaching, whole desk, no limit", f"{took * 1000:.0f} ms, {len(everything)} rows", "")
    )
    crm.storage.close()
    return rows


def _states(c: str) -> str:
    return (
        f"SUM(CASE WHEN {c} = 'met' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {c} = 'breached' OR ({c} = 'running' AND {c}_due_us < ?) "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {c} = 'running' AND ({c}_due_us IS NULL OR {c}_due_us >= ?) "
        "THEN 1 ELSE 0 END)"
    )


WHERE = "workspace = ? AND opened_us >= ? AND opened_us < ?"
# Written by hand for a period holding most cases: read the indexes in order, sort nothing.
STREAM = "workspace = ? AND +opened_us >= ? AND +opened_us < ?"
RAW_GROUPS = (
    f"SELECT reason, priority, assignee, COUNT(*), {_states('first_response')}, "
    f"{_states('resolution')}, COALESCE(SUM(score), 0), COUNT(score), "
    "COUNT(first_response_used_us), COUNT(resolution_used_us) "
    "FROM case_facts WHERE {where} GROUP BY reason, priority, assignee"
)
RAW_PREVIOUS = f"SELECT reason, COUNT(*) FROM case_facts WHERE {WHERE} GROUP BY reason"
RAW_MEDIAN = (
    "SELECT {c} FROM case_facts WHERE {where} AND {c} IS NOT NULL ORDER BY {c} LIMIT ? OFFSET ?"
)
TRIO = ("met", "breached", "pending")


def raw_figures(
    conn: Any, since: datetime, until: datetime, at: datetime, stream: bool = False
) -> ServiceFigures:
    """The report's sums by hand with sqlite3: the grouped query, the previous period's
    counts, the two medians (*stream*: the plan for a period holding most cases)."""
    lo, hi, now = microseconds(since), microseconds(until), microseconds(at)
    where = STREAM if stream else WHERE
    groups = conn.execute(RAW_GROUPS.format(where=where), (now, now, now, now, WS, lo, hi))
    groups = groups.fetchall()
    previous = conn.execute(RAW_PREVIOUS, (WS, lo - (hi - lo), lo)).fetchall()
    medians: list[timedelta | None] = []
    for k, column in ((12, "first_response_used_us"), (13, "resolution_used_us")):
        n = sum(g[k] for g in groups)
        params = (WS, lo, hi, 2 - n % 2, (n - 1) // 2)
        sql = RAW_MEDIAN.format(c=column, where=where)
        got = [r[0] for r in conn.execute(sql, params)] if n else []
        medians.append(middle(got[0], got[-1]) if got else None)
    made = [
        GroupFigures(
            *g[0:4],
            dict(zip(TRIO, g[4:7], strict=True)),
            dict(zip(TRIO, g[7:10], strict=True)),
            *g[10:12],
        )
        for g in groups
    ]
    return ServiceFigures(in_order(made), dict(sorted(previous)), medians[0], medians[1])


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    return min((timed(fn) for _ in range(runs)), key=lambda pair: pair[0])


def cpu_of(runs: int, fn: Callable[[], Any]) -> float:
    """The least processor time of *runs* calls: SQLite works in this process, so this is
    the whole cost, without the waits a machine shared with other work adds to wall time."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def bench_report(path: str, dsn: str | None) -> list[tuple[str, str, str]]:
    crm = CRM(storage=SQLiteStorage(path), workspace=WS, clock=lambda: NOW)
    raw = sqlite3.connect(path)
    rows = []
    periods = {"every case": (BASE, NOW + HOUR), "last four weeks": (NOW - timedelta(weeks=4), NOW)}
    for name, (lo, hi) in periods.items():
        took, report = best_of(3, partial(crm.service_report, since=lo, until=hi, at=NOW))
        # by hand: the better of the two plans for this period
        stream = name == "every case"
        took_raw, expected = best_of(3, partial(raw_figures, raw, lo, hi, NOW, stream))
        with crm.storage.unit_of_work(WS, read_only=True) as uow:
            assert uow.case_facts.figures(since=lo, until=hi, at=NOW) == expected
        cpu = cpu_of(3, partial(crm.service_report, since=lo, until=hi, at=NOW))
        cpu_raw = cpu_of(3, partial(raw_figures, raw, lo, hi, NOW, stream))
        rows.append(
            (
                f"service_report, {name} ({report.cases:,} cases)",
                f"{took:.2f} s (cpu {cpu:.2f} s)",
                f"{took_raw:.2f} s (cpu {cpu_raw:.2f} s); ratio {took / took_raw:.2f}"
                f" (cpu {cpu / cpu_raw:.2f})",
            )
        )
    lo, hi = periods["every case"]
    facts = [CaseFacts(*r[1:]) for r in raw.execute("SELECT * FROM case_facts")]
    took, in_python = timed(lambda: figures_of(facts, since=lo, until=hi, at=NOW))
    assert in_python == raw_figures(raw, lo, hi, NOW)
    rows.append(("figures_of in Python over the same facts (equal)", f"{took:.2f} s", ""))
    took, cases = timed(lambda: old_report(crm, NOW - timedelta(weeks=4), NOW))
    rows.append(
        (
            "before: decode the cases + service_report, last four weeks",
            f"{took:.2f} s",
            f"{took / len(cases) * 1e6:.0f} us a case",
        )
    )
    if dsn:
        rows += bench_postgres(dsn, raw, periods)
    crm.storage.close()
    return rows


def old_report(crm: CRM, since: datetime, until: datetime) -> list[Case]:
    """What crm.service_report did before the facts: read every case of the period and the
    one before, then sum in Python."""
    with crm.storage.unit_of_work(WS, read_only=True) as uow:
        cases = CASES.on(uow).select(
            "opened",
            at_least=sortable_time(since - (until - since)),
            at_most=sortable_time(until),
        )
    service_report(cases, since=since, until=until, at=NOW)
    return cases


def bench_postgres(dsn: str, raw: Any, periods: dict[str, tuple[datetime, datetime]]) -> list[Any]:
    from crmkit.storage.postgres import PostgresStorage

    storage = PostgresStorage(dsn, schema="bench_service")
    with storage._connect() as conn:  # the facts only: the report reads nothing else
        conn.execute("DELETE FROM case_facts")
        with conn.cursor().copy("COPY case_facts FROM STDIN") as copy:
            for row in raw.execute("SELECT * FROM case_facts"):
                copy.write_row(row)
        conn.execute("ANALYZE case_facts")
    crm = CRM(storage=storage, workspace=WS, clock=lambda: NOW)
    rows = []
    for name, (lo, hi) in periods.items():
        took, _ = best_of(3, partial(crm.service_report, since=lo, until=hi, at=NOW))
        with storage.unit_of_work(WS, read_only=True) as uow:
            same = uow.case_facts.figures(since=lo, until=hi, at=NOW) == raw_figures(
                raw, lo, hi, NOW
            )
        assert same, name
        rows.append((f"service_report on PostgreSQL, {name}", f"{took:.2f} s", "figures equal"))
    storage.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is 1M cases")
    parser.add_argument("--path", default="/tmp/bench_service.sqlite")
    parser.add_argument("--reuse", action="store_true", help="keep the file a run loaded")
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--postgres", metavar="DSN", default=None)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    rows = []
    if not args.reuse:
        took, count = timed(lambda: load_sqlite(args.path, int(1_000_000 * args.scale)))
        rows.append(
            (
                f"bulk load of {count:,} cases into SQLite",
                f"{took:.1f} s",
                "records, record_keys, case_facts; one transaction",
            )
        )
    rows += bench_breaching(args.path, args.runs)
    rows += bench_report(args.path, args.postgres)
    width = max(len(r[0]) for r in rows)
    for what, mine, ref in rows:
        print(f"{what:<{width}}  {mine:<44}  {ref}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
