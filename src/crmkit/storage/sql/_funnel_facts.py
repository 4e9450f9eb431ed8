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
    db: SQLSession,
    workspace: str,
    pipeline_id: str,
    since: datetime | None,
    until: datetime | None,
    owner: str | None,
    cohort: str | None,
) -> tuple[str, list[Any]]:
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
    cur_idx, cur_params = _case("d.stage", names)

    # 1. Each deal's covered range (kept on its row, see _deal_ranges) with its status, lost
    # reason and creation month: one grouped pass over the deals gives the stage counts, the
    # lost reasons and the cohorts.
    ranges = db.fetchall(
        f"SELECT d.status, d.range_lo, d.range_hi, {cur_idx} AS cur,"
        f" {d.month('d.created_at')} AS m,"
        " CASE WHEN d.status = 'lost' THEN coalesce(d.lost_reason, '') END AS reason,"
        f" count(*) FROM deals d WHERE {where}"
        " GROUP BY d.status, d.range_lo, d.range_hi, cur, m, reason",
        [*cur_params, *wparams],
    )
    enter = [0] * (len(names) + 1)
    won_at = [0] * (len(names) + 1)
    stop = [0] * len(names)
    counts: Counter[str] = Counter()
    reasons: list[Counter[str]] = [Counter() for _ in names]
    months: dict[str, list[int]] = {}
    for status, lo, hi, cur, m, reason, n in ranges:
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
        if reason is not None:
            reasons[current][reason or "unknown"] += n
        cohort_row = months.setdefault(m, [0, 0, 0, 0])
        cohort_row[0] += n
        cohort_row[{"won": 1, "lost": 2}.get(status, 3)] += n

    # 3. Stays (stored with each change as stay_us): count, total, median and p90 per stage.
    if since is None and until is None and owner is None and month is None:
        stays = _all_stays(db, workspace, pipeline.id)
    else:
        stays = _chosen_stays(db, where, wparams)
    index = {name: i for i, name in enumerate(names)}
    by_index = {index[name]: st for name, st in stays.items() if name in index}

    def stats(i: int) -> StayStats:
        return by_index.get(i, StayStats())

    stages = []
    entered = won_running = 0
    for i, name in enumerate(names):
        entered += enter[i]
        won_running += won_at[i]
        stages.append(
            StageFacts(
                name,
                entered,
                entered - stop[i],
                won_running,
                sum(reasons[i].values()),
                tuple(sorted(reasons[i].items(), key=lambda kv: (-kv[1], kv[0]))),
                stats(i),
            )
        )

    # 2. Won deals: cycle lengths and values per close day (summed exactly in Python).
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

    cohorts = tuple(CohortFacts(m, *c) for m, c in sorted(months.items()))
    return FunnelFacts(
        tuple(stages), counts["won"], counts["lost"], counts["open"], cycle, won_values, cohorts
    )


_US = timedelta(microseconds=1)


def _ranks(n: int) -> tuple[int, int, int]:
    """The 1-based ranks the two-middle median and the nearest-rank p90 of *n* stays need."""
    return (n + 1) // 2, n // 2 + 1, (9 * n + 9) // 10


def _summary(n: int, total: int, at_rank: dict[int, int]) -> StayStats:
    low, high, p90 = _ranks(n)
    median = at_rank[low] if n % 2 else (at_rank[low] + at_rank[high]) // 2
    return StayStats(n, total * _US, median * _US, at_rank[p90] * _US)


def _all_stays(db: SQLSession, workspace: str, pipeline_id: str) -> dict[str, StayStats]:
    """Every ended stay of the pipeline, read from the (to_stage, stay_us) covering index:
    the counts by grouping it, and each rank the summary needs by one step into it."""
    scope = "workspace = ? AND pipeline_id = ? AND stay_us IS NOT NULL"
    out = {}
    for stage, n, total in db.fetchall(
        f"SELECT to_stage, count(*), sum(stay_us) FROM stage_changes WHERE {scope}"
        " GROUP BY to_stage",
        [workspace, pipeline_id],
    ):
        at_rank = {}
        for rank in set(_ranks(int(n))):
            row = db.fetchone(
                f"SELECT stay_us FROM stage_changes WHERE {scope} AND to_stage = ?"
                " ORDER BY stay_us LIMIT 1 OFFSET ?",
                [workspace, pipeline_id, stage, rank - 1],
            )
            if row is None:
                # A writer changed the stays between our statements (PostgreSQL reads run in
                # autocommit): rank them again in one statement, which sees one snapshot.
                return _ranked_stays(
                    db,
                    f"SELECT to_stage AS i, stay_us AS dur FROM stage_changes WHERE {scope}",
                    [workspace, pipeline_id],
                )
            at_rank[rank] = int(row[0])
        out[stage] = _summary(int(n), int(total), at_rank)
    return out


def _chosen_stays(db: SQLSession, where: str, params: list[Any]) -> dict[str, StayStats]:
    """The ended stays of the deals *where* selects."""
    return _ranked_stays(
        db,
        "SELECT c.to_stage AS i, c.stay_us AS dur FROM stage_changes c JOIN deals d"
        f" ON d.workspace = c.workspace AND d.id = c.deal_id WHERE {where}"
        " AND c.stay_us IS NOT NULL",
        params,
    )


def _ranked_stays(db: SQLSession, stays_sql: str, params: list[Any]) -> dict[str, StayStats]:
    """Stays ``(i, dur)`` ranked by the database in one window pass, so only the rows at the
    median and p90 ranks come back."""
    totals: dict[str, tuple[int, int]] = {}
    picks: dict[str, dict[int, int]] = defaultdict(dict)
    for stage, rn, n, total, dur in db.fetchall(
        "SELECT i, rn, n, total, dur FROM (SELECT i, dur,"
        " ROW_NUMBER() OVER (PARTITION BY i ORDER BY dur) AS rn,"
        " count(*) OVER (PARTITION BY i) AS n, sum(dur) OVER (PARTITION BY i) AS total"
        f" FROM ({stays_sql}) AS s) AS r"
        " WHERE rn = (n + 1) / 2 OR rn = n / 2 + 1 OR rn = (9 * n + 9) / 10",
        params,
    ):
        totals[stage] = (int(n), int(total))
        picks[stage][int(rn)] = int(dur)
    return {stage: _summary(n, total, picks[stage]) for stage, (n, total) in totals.items()}
