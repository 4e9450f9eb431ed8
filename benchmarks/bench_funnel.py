"""Funnel benchmark: 100k deals with about 1M stage changes, every report in memory.

Run:  python benchmarks/bench_funnel.py [--scale 1.0] [--repeat 3]

Each crmkit call is timed on the same Python values the storage layer hands the reports
(best of ``--repeat`` runs). The funnel counts are set beside a hand-written pandas/NumPy
computation of the same numbers (entered, moved on, won per stage and the median stay), timed
from ready-made columns, i.e. the best case for the reference; both must agree.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import Money, new_id, paused_gc
from crmkit.funnel import (
    Deal,
    DealStatus,
    LifecycleChange,
    LifecycleStages,
    Pipeline,
    Stage,
    StageChange,
    assemble,
    deal_facts,
    fit_win_model,
    forecast,
    funnel_report,
    lifecycle_report,
    open_deal,
    pipeline_as_of,
    rotting_deals,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
STAGES = [
    "New",
    "Contacted",
    "Qualified",
    "Demo",
    "Proposal",
    "Negotiation",
    "Contract",
    "Signature",
]
REASONS = ["price", "timing", "competitor", "no budget", "went silent"]


def make_history(n_deals: int, seed: int = 1) -> tuple[Pipeline, list[Deal], list[StageChange]]:
    """About ten changes per deal, with backward moves, skips, wins, losses and open deals.

    Changes are built directly (as storage returns them) rather than through the transition
    functions, so that generating 1M of them does not dominate the run.
    """
    rng = random.Random(seed)
    pipeline = Pipeline.new(
        "Sales",
        [Stage(s, (i + 1) / 10, timedelta(days=30)) for i, s in enumerate(STAGES)],
        now=T0,
    )
    deals, changes = [], []
    top = len(STAGES) - 1
    with paused_gc():
        for i in range(n_deals):
            at = T0 + timedelta(minutes=rng.randrange(60 * 24 * 330))
            deal, c = open_deal(
                pipeline,
                title=f"Deal {i}",
                value=Money(rng.randrange(100, 5000), "EUR"),
                contact_id=f"c{i}",
                owner=f"rep{i % 20}",
                at=at,
                id=f"d{i:06d}",
                expected_close=(at + timedelta(days=rng.randrange(10, 120))).date(),
            )
            changes.append(c)
            idx, entered_at = 0, at
            for _ in range(10):
                at += timedelta(minutes=rng.randrange(60, 60 * 200))
                if rng.random() < 0.15 and idx > 0:
                    nxt = idx - 1
                else:
                    nxt = min(idx + rng.choice((1, 1, 2)), top)
                if nxt == idx:
                    continue
                changes.append(
                    StageChange(new_id(), deal.id, pipeline.id, STAGES[idx], STAGES[nxt], at, None)
                )
                idx, entered_at = nxt, at
            at += timedelta(hours=5)
            # Owners differ (rep0 wins 10 %, rep19 48 %), so the win model has a signal.
            outcome = rng.random()
            status, reason, closed = DealStatus.OPEN, None, None
            if outcome < 0.1 + 0.02 * (i % 20):
                status, closed = DealStatus.WON, at
            elif outcome < 0.75:
                status, closed, reason = DealStatus.LOST, at, rng.choice(REASONS)
            if closed is not None:
                changes.append(
                    StageChange(new_id(), deal.id, pipeline.id, STAGES[idx], status.value, at, None)
                )
            deals.append(
                attrs.evolve(
                    deal,
                    stage=STAGES[idx],
                    status=status,
                    changed_at=closed or entered_at,
                    closed_at=closed,
                    lost_reason=reason,
                    version=2,
                )
            )
    return pipeline, deals, changes


def make_lifecycle(n_contacts: int, seed: int = 2) -> list[LifecycleChange]:
    rng = random.Random(seed)
    stages = LifecycleStages.default().stages
    out = []
    for i in range(n_contacts):
        at = T0 + timedelta(hours=rng.randrange(24 * 300))
        previous = None
        for stage in stages[: rng.randrange(1, len(stages) + 1)]:
            out.append(LifecycleChange(new_id(), f"c{i}", previous, stage, at))
            previous, at = stage, at + timedelta(hours=rng.randrange(1, 500))
        if previous != "customer" and rng.random() < 0.4:
            out.append(
                LifecycleChange(
                    new_id(),
                    f"c{i}",
                    previous,
                    "disqualified",
                    at,
                    reason=rng.choice(["bounced", "not our market"]),
                )
            )
    return out


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def pandas_reference(
    pipeline: Pipeline, deals: list[Deal], changes: list[StageChange]
) -> Callable[[], list[tuple[int, int, int, float | None]]] | None:
    """The same counts hand-written with pandas/NumPy, from ready-made columns."""
    try:
        import numpy as np
        import pandas as pd
    except ImportError:
        return None
    index = {n: i for i, n in enumerate(pipeline.stage_names)}
    n = len(index)
    ch = pd.DataFrame(
        {
            "deal": [c.deal_id for c in changes],
            "stage": [index.get(c.to_stage, -1) for c in changes],
            "at": np.array([c.at.timestamp() for c in changes]),
            "id": [c.id for c in changes],
        }
    )
    dl = pd.DataFrame(
        {"deal": [d.id for d in deals], "won": [d.status is DealStatus.WON for d in deals]}
    )

    def run() -> list[tuple[int, int, int, float | None]]:
        ordered = ch.sort_values(["deal", "at", "id"])
        in_stage = ordered[ordered.stage >= 0]
        ranges = in_stage.groupby("deal").stage.agg(["min", "max"]).join(dl.set_index("deal"))
        hi = np.where(ranges.won, n - 1, ranges["max"])
        lo, won = ranges["min"].to_numpy(), ranges.won.to_numpy()
        stays = ordered["at"].shift(-1) - ordered["at"]
        same = ordered.deal.shift(-1) == ordered.deal
        ended = ordered[same & (ordered.stage >= 0)].assign(stay=stays[same])
        medians = ended.groupby("stage").stay.median()
        out = []
        for i in range(n):
            covered = (lo <= i) & (i <= hi)
            entered = int(covered.sum())
            moved = int((covered & ((i < hi) | won)).sum())
            med = medians.get(i)
            out.append(
                (entered, moved, int((covered & won).sum()), None if med is None else float(med))
            )
        return out

    return run


# Each deal's lowest and highest stage and its status, grouped: the per-stage counts (same
# rules as crmkit: current stage included, a win passes every stage) are then summed over a
# few hundred rows. Hand-written for this one pipeline; it computes the counts only.
HAND_WRITTEN = """
SELECT r.lo, r.hi, CASE d.stage {cases} END, d.status, count(*)
FROM deals d JOIN (SELECT deal_id, min(CASE to_stage {cases} END) AS lo,
                          max(CASE to_stage {cases} END) AS hi
                   FROM stage_changes WHERE workspace = 'default' AND pipeline_id = ?
                   GROUP BY deal_id) AS r ON r.deal_id = d.id
WHERE d.workspace = 'default'
GROUP BY r.lo, r.hi, d.stage, d.status
"""

HAND_RANGES = """
SELECT range_lo, range_hi, CASE stage {cases} END, status, count(*) FROM deals
WHERE workspace = 'default' AND pipeline_id = ?
GROUP BY range_lo, range_hi, stage, status
"""
HAND_STAYS = """
SELECT to_stage, count(*), sum(stay_us) FROM stage_changes
WHERE workspace = 'default' AND pipeline_id = ? AND stay_us IS NOT NULL GROUP BY to_stage
"""
HAND_OUTCOMES = """
SELECT status, stage, lost_reason, strftime('%Y-%m', created_at / 1000000, 'unixepoch'), count(*)
FROM deals WHERE workspace = 'default' AND pipeline_id = ?
GROUP BY status, stage, lost_reason, 4
"""
HAND_WON = """
SELECT created_at, closed_at, amount, currency FROM deals
WHERE workspace = 'default' AND pipeline_id = ? AND status = 'won'
"""
HAND_PICK = """
SELECT stay_us FROM stage_changes
WHERE workspace = 'default' AND pipeline_id = ? AND to_stage = ? AND stay_us IS NOT NULL
ORDER BY stay_us LIMIT 1 OFFSET ?
"""


def sqlite_side(
    pipeline: Pipeline, deals: list[Deal], changes: list[StageChange], expected: Any, r: int
) -> None:
    """crm.funnel on SQLite (facts computed by SQL) beside the hand-written query."""
    import sqlite3
    import tempfile

    from crmkit import CRM, Contact
    from crmkit.storage import SQLiteStorage

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "funnel.sqlite")
        storage = SQLiteStorage(path)
        contact_ids = sorted({d.contact_id for d in deals if d.contact_id})
        with storage.unit_of_work("default") as uow:
            for cid in contact_ids:
                uow.contacts.add(Contact.new(id=cid, name=cid, now=T0))
            uow.pipelines.add(pipeline)
            uow.deals.add_many(deals)
            uow.stage_changes.add_many(changes)
            uow.commit()
        crm = CRM(storage=storage)
        ours, report = best(lambda: crm.funnel(pipeline.id), r)
        conn = sqlite3.connect(path)
        cases = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(STAGES))

        def hand() -> list[tuple[int, int, int]]:
            rows = conn.execute(HAND_WRITTEN.format(cases=cases), (pipeline.id,)).fetchall()
            last = len(STAGES) - 1
            out = [[0, 0, 0] for _ in STAGES]
            for lo, hi, cur, status, n in rows:
                lo, hi = min(lo, cur), max(hi, cur)
                if status == "won":
                    hi = last
                for i in range(lo, hi + 1):
                    out[i][0] += n
                    out[i][1] += n if (i < hi or status == "won") else 0
                    out[i][2] += n if status == "won" else 0
            return [(e, m, w) for e, m, w in out]

        def stays() -> dict[str, tuple[int, ...]]:
            # What the report's stay columns need: count, total, the median and p90 ranks.
            out = {}
            for stage, n, total in conn.execute(HAND_STAYS, (pipeline.id,)).fetchall():
                ranks = sorted({(n + 1) // 2, n // 2 + 1, (9 * n + 9) // 10})
                picks = [
                    conn.execute(HAND_PICK, (pipeline.id, stage, k - 1)).fetchone()[0]
                    for k in ranks
                ]
                out[stage] = (n, total, *picks)
            return out

        def the_rest() -> tuple[Any, ...]:
            # Lost reasons, cohorts, cycle length and won values.
            outcomes = conn.execute(HAND_OUTCOMES, (pipeline.id,)).fetchall()
            cycle, values = 0, defaultdict(Decimal)
            for created, closed, amount, currency in conn.execute(HAND_WON, (pipeline.id,)):
                cycle += closed - created
                values[(closed // 86_400_000_000, currency)] += Decimal(amount)
            return outcomes, cycle, values

        def kept_ranges() -> list[Any]:
            # The per-deal stage ranges crmkit keeps on its rows, instead of the changes.
            return conn.execute(HAND_RANGES.format(cases=cases), (pipeline.id,)).fetchall()

        ref, counts = best(hand, r)
        ref_stays, _ = best(lambda: (hand(), stays()), r)
        ref_all, _ = best(lambda: (hand(), stays(), the_rest()), r)
        ref_kept, _ = best(lambda: (kept_ranges(), stays(), the_rest()), r)
        conn.close()
        storage.close()
    print(
        f"  {'crm.funnel on SQLite (facts in SQL)':<46} {ours:>6.2f} s {ref:>8.2f} s "
        f"{ours / ref:>6.2f}   (reference: hand-written SQL, counts only)"
    )
    print(
        f"  {'':<46} {'':>8} {ref_stays:>8.2f} s {ours / ref_stays:>6.2f}   "
        "(reference: hand-written SQL, counts and stay medians/p90)"
    )
    print(
        f"  {'':<46} {'':>8} {ref_all:>8.2f} s {ours / ref_all:>6.2f}   "
        "(reference: hand-written SQL, every figure of the report)"
    )
    print(
        f"  {'':<46} {'':>8} {ref_kept:>8.2f} s {ours / ref_kept:>6.2f}   "
        "(reference: the same, reading the ranges and stays crmkit keeps)"
    )
    same = [(s.entered, s.moved_on, s.won) for s in report.stages] == counts
    print(
        f"    same counts as the hand-written SQL: {same}; "
        f"SQLite report == in-memory report: {report.stages == expected.stages}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = int(100_000 * args.scale)
    t = time.perf_counter()
    pipeline, deals, changes = make_history(n)
    people = make_lifecycle(n)
    print(
        f"crmkit funnel benchmark (in memory): {n:,} deals, {len(changes):,} stage changes, "
        f"{len(people):,} lifecycle changes (generated in {time.perf_counter() - t:.1f} s); "
        f"{os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}"
    )
    print(f"  {'what':<46} {'time':>8} {'pandas':>10} {'ratio':>6}")
    r = args.repeat
    now = T0 + timedelta(days=400)
    ours, report = best(lambda: funnel_report(pipeline, deals, changes), r)
    reference = pandas_reference(pipeline, deals, changes)
    if reference is None:
        print(f"  {'funnel_report (facts + assembly)':<46} {ours:>6.2f} s   (pandas missing)")
    else:
        ref, counts = best(reference, r)
        print(
            f"  {'funnel_report (facts + assembly)':<46} {ours:>6.2f} s {ref:>8.2f} s "
            f"{ours / ref:>6.2f}"
        )
        same = [(s.entered, s.moved_on, s.won) for s in report.stages] == [c[:3] for c in counts]
        medians_close = all(
            c[3] is None or abs(s.median_time_in_stage.total_seconds() - c[3]) <= 1
            for s, c in zip(report.stages, counts, strict=True)
        )
        print(f"    same counts as pandas: {same}; same medians (±1 s): {medians_close}")
    facts_time, facts = best(lambda: deal_facts(pipeline, deals, changes), r)
    rows: list[tuple[str, Callable[[], Any]]] = [
        ("  of which deal_facts", lambda: facts),
        ("  of which assemble", lambda: assemble(facts, name="Sales")),
        ("funnel_report(owner=...)", lambda: funnel_report(pipeline, deals, changes, owner="rep3")),
        ("pipeline_as_of", lambda: pipeline_as_of(pipeline, deals, changes, now)),
        ("rotting_deals", lambda: rotting_deals(pipeline, deals, now)),
        ("forecast (stage probability)", lambda: forecast(pipeline, deals)),
        ("fit_win_model (25 % holdout)", lambda: fit_win_model(pipeline, deals, changes)),
        ("lifecycle_report", lambda: lifecycle_report(people)),
    ]
    for label, fn in rows:
        spent = facts_time if label.endswith("deal_facts") else best(fn, r)[0]
        print(f"  {label:<46} {spent:>6.2f} s")
    model = fit_win_model(pipeline, deals, changes)
    spent, _ = best(lambda: forecast(pipeline, deals, model=model), r)
    print(f"  {'forecast (win model)':<46} {spent:>6.2f} s")
    sqlite_side(pipeline, deals, changes, report, r)
    print()
    print(report)
    print(model.evaluation)


if __name__ == "__main__":
    main()
