"""The funnel report's facts computed by the database (see :mod:`crmkit.funnel.facts` for
what each aggregate means; the in-memory computation there is the definition these queries
must equal, and a hypothesis test holds them to it)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.funnel.facts import CohortFacts, FunnelFacts, StageFacts, StayStats, parse_cohort
from crmkit.funnel.pipeline import Pipeline
from crmkit.storage.sql._session import SQLSession

__all__ = ["sql_funnel_facts"]


def _case(column: str, names: tuple[str, ...]) -> tuple[str, list[Any]]:
    params: list[Any] = []
    whens = []
    for i, name in enumerate(names):
        whens.append("WHEN ? THEN ?")
        params += [name, i]
    return f"(CASE {column} {' '.join(whens)} END)", params


def _deal_filter(
    db: SQLSession, workspace: str, pipeline_id: str, since: datetime | None,
    until: datetime | None, owner: str | None, cohort: str | None,
) -> tuple[str, list[Any]]:  # fmt: skip
    d = db.dialect
    where = "d.workspace = ? AND d.pipeline_id = ?"
    params: list[Any] = [workspace, pipeline_id]
    if cohort is not None:
        start = datetime.fromisoformat(cohort + "-01T00:00:00+00:00")
        end = (start + timedelta(days=32)).replace(day=1)
        since = start if since is None else max(since, start)
        until = end if until is None else min(until, end)
    if since is not None:
        where += " AND d.created_at >= ?"
        params.append(d.ts(since))
    if until is not None:
        where += " AND d.created_at < ?"
        params.append(d.ts(until))
    if owner is not None:
        where += " AND d.owner = ?"
        params.append(owner)
    return where, params


def sql_funnel_facts(
    db: SQLSession,
    workspace: str,
    pipeline: Pipeline,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    owner: str | None = None,
    cohort: Any = None,
) -> FunnelFacts:
    d = db.dialect
    names = pipeline.stage_names
    last = len(names) - 1
    month = parse_cohort(cohort)
    where, wparams = _deal_filter(db, workspace, pipeline.id, since, until, owner, month)
    to_idx, to_params = _case("c.to_stage", names)
    cur_idx, cur_params = _case("d.stage", names)

    # 1. Each deal's covered range (grouped, so only a few rows come back).
    # Changes are aggregated per deal first (one pass over the pipeline's changes), then
    # joined to the deals by key; joining first made SQLite scan the changes per deal.
    ranges = db.fetchall(
        f"SELECT d.status, r.lo, r.hi, {cur_idx} AS cur, count(*) FROM deals d LEFT JOIN ("
        f" SELECT c.deal_id AS deal_id, min({to_idx}) AS lo, max({to_idx}) AS hi"
        f" FROM stage_changes c WHERE c.workspace = ? AND c.pipeline_id = ?"
        f" GROUP BY c.deal_id) AS r ON r.deal_id = d.id"
        f" WHERE {where} GROUP BY d.status, r.lo, r.hi, cur",
        [*cur_params, *to_params, *to_params, workspace, pipeline.id, *wparams],
    )
    enter = [0] * (len(names) + 1)
    won_at = [0] * (len(names) + 1)
    stop = [0] * len(names)
    counts: Counter[str] = Counter()
    for status, lo, hi, cur, n in ranges:
        current = 0 if cur is None else int(cur)
        lo_i = current if lo is None else min(int(lo), current)
        hi_i = current if hi is None else max(int(hi), current)
        won = status == "won"
        if won:
            hi_i = last
        enter[lo_i] += n
        enter[hi_i + 1] -= n
        if won:
            won_at[lo_i] += n
            won_at[hi_i + 1] -= n
        else:
            stop[hi_i] += n
        counts[status] += n

    # 2. Lost deals by the stage they were lost in and their reason.
    lost_rows = db.fetchall(
        f"SELECT {cur_idx}, d.lost_reason, count(*) FROM deals d"
        f" WHERE {where} AND d.status = 'lost' GROUP BY d.stage, d.lost_reason",
        [*cur_params, *wparams],
    )
    reasons: list[Counter[str]] = [Counter() for _ in names]
    for idx, reason, n in lost_rows:
        reasons[0 if idx is None else int(idx)][reason or "unknown"] += n

    # 3. Stays: count, total, and the ranks the median and p90 need, ranked by the database.
    stay = d.duration_us("LEAD(c.at) OVER (PARTITION BY c.deal_id ORDER BY c.at, c.id)", "c.at")
    if since is None and until is None and owner is None and month is None:
        # Every deal of the pipeline counts: read its changes alone, in the order of their
        # (workspace, deal_id, at) index, which the window can use without sorting.
        stays_sql = (
            f"SELECT {to_idx} AS i, {stay} AS dur FROM stage_changes c"
            " WHERE c.workspace = ? AND c.pipeline_id = ?"
        )
        stay_params = [*to_params, workspace, pipeline.id]
    else:
        stays_sql = (
            f"SELECT {to_idx} AS i, {stay} AS dur FROM stage_changes c JOIN deals d"
            f" ON d.workspace = c.workspace AND d.id = c.deal_id WHERE {where}"
        )
        stay_params = [*to_params, *wparams]
    # One window pass gives each stage's count and total and ranks its stays, so only the
    # rows at the median and p90 ranks come back.
    totals: dict[int, tuple[int, int]] = {}
    picks: dict[int, dict[int, int]] = defaultdict(dict)
    for i, rn, n, total, dur in db.fetchall(
        f"SELECT i, rn, n, total, dur FROM (SELECT i, dur,"
        f" ROW_NUMBER() OVER (PARTITION BY i ORDER BY dur) AS rn,"
        f" count(*) OVER (PARTITION BY i) AS n, sum(dur) OVER (PARTITION BY i) AS total"
        f" FROM ({stays_sql}) AS s WHERE i IS NOT NULL AND dur IS NOT NULL) AS r"
        " WHERE rn = (n + 1) / 2 OR rn = n / 2 + 1 OR rn = (9 * n + 9) / 10",
        stay_params,
    ):
        totals[int(i)] = (int(n), int(total))
        picks[int(i)][int(rn)] = int(dur)

    def stats(i: int) -> StayStats:
        if i not in totals:
            return StayStats()
        n, total = totals[i]
        ranks = picks[i]
        mid = n // 2
        median = ranks[mid + 1] if n % 2 else (ranks[mid] + ranks[mid + 1]) // 2
        p90 = ranks[(9 * n + 9) // 10]
        us = timedelta(microseconds=1)
        return StayStats(n, total * us, median * us, p90 * us)

    stages = []
    entered = won_running = 0
    for i, name in enumerate(names):
        entered += enter[i]
        won_running += won_at[i]
        stages.append(StageFacts(
            name, entered, entered - stop[i], won_running, sum(reasons[i].values()),
            tuple(sorted(reasons[i].items(), key=lambda kv: (-kv[1], kv[0]))), stats(i),
        ))  # fmt: skip

    # 4-5. Won deals: cycle lengths and values per close day (summed exactly in Python).
    cycle = timedelta(0)
    values: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for created, closed, amount, code in db.fetchall(
        f"SELECT d.created_at, d.closed_at, d.amount, d.currency FROM deals d"
        f" WHERE {where} AND d.status = 'won'",
        wparams,
    ):
        if closed is None:
            continue
        closed_at = d.ts_out(closed)
        cycle += closed_at - d.ts_out(created)
        values[(closed_at.date(), code)] += d.decimal_out(amount)
    won_values = tuple((day, Money(amount, code)) for (day, code), amount in sorted(values.items()))

    # 6. Cohorts by creation month.
    months: dict[str, list[int]] = {}
    for m, status, n in db.fetchall(
        f"SELECT {d.month('d.created_at')} AS m, d.status, count(*) FROM deals d"
        f" WHERE {where} GROUP BY m, d.status",
        wparams,
    ):
        row = months.setdefault(m, [0, 0, 0, 0])
        row[0] += n
        row[{"won": 1, "lost": 2}.get(status, 3)] += n
    cohorts = tuple(CohortFacts(m, *c) for m, c in sorted(months.items()))
    return FunnelFacts(tuple(stages), counts["won"], counts["lost"], counts["open"], cycle,
                       won_values, cohorts)  # fmt: skip
