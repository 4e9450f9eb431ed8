"""A campaign report's measured groups tallied in SQL
(:class:`crmkit.storage.protocols.MeasuredOutcomesSource`).

The buyers' join of :mod:`crmkit.storage.sql._campaign_members` is added up where it is
read: per purchase its last touch, per buyer (and currency) the revenue, per group the
buyers, the revenue, its sum of squares and the first- and last-touch figures. A report then
reads a few rows, not a hundred thousand buyers (at 1M members, reading them and tallying
them in Python took 0.6-0.8 s of 3.5).

The sums must be exact. PostgreSQL adds ``numeric`` exactly. SQLite keeps amounts as text
and adds text as floats, so amounts are read as whole ten-thousandths (exact for amounts
with at most four decimals below 10^11: the float's error is far below half a unit) and
added as 64-bit integers. Anything else (more decimals, exponent notation, larger amounts,
a sum of squares past 2^63, several currencies in the window) is answered by the buyers'
rows tallied in Python instead, the same answer by the definition.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from crmkit.errors import StorageError
from crmkit.marketing.campaign import Group
from crmkit.marketing.campaign_report import (
    GroupOutcome,
    MeasuredGroups,
    MeasuredOutcomes,
    group_outcomes,
)
from crmkit.storage.sql._session import Dialect, SQLSession

__all__ = ["tally_outcomes"]

# SQLite: amounts as whole ten-thousandths.
_SQLITE_PLACES = 4
_SQLITE_AMOUNT = "CAST(round(CAST(t.amount AS REAL) * 10000) AS INTEGER)"
_SQLITE_SCALE = (
    "CASE WHEN instr(t.amount, '.') > 0 THEN length(t.amount) - instr(t.amount, '.') ELSE 0 END"
)
_SQLITE_ODD = (
    "CASE WHEN instr(t.amount, 'E') > 0 OR abs(CAST(t.amount AS REAL)) >= 1e11 THEN 1 ELSE 0 END"
)
# A buyer's touches: their messaged memberships (the campaign_members_touches index).
_TOUCH = (
    "SELECT x.campaign_id FROM campaign_members x WHERE x.workspace = {ws} "
    "AND x.contact_id = {cid} AND x.grp = 'treated' AND x.consented = ? "
)
# After a merge a contact may hold two memberships of the campaign: the older one's row
# alone is read (only when the members' pass saw a merge move any).
_OLDER = (
    "AND m.id = (SELECT min(y.id) FROM campaign_members y WHERE y.workspace = m.workspace "
    "AND y.campaign_id = m.campaign_id AND y.contact_id = m.contact_id AND y.consented = ?) "
)


# Without merged twins a buyer's only membership of the campaign is ``m``: this campaign is
# their first touch if ``m`` was messaged and no messaged membership came before it, and a
# purchase's last touch if ``m`` was messaged by then and none came between. Probes for
# "none before" and "none between" need no sort of the touches (ORDER BY ... LIMIT 1 sorted
# each buyer's touches by launch time and id), and the held out need none at all.
_MESSAGED = "m.grp = 'treated' AND NOT EXISTS (SELECT 1 FROM campaign_members x "
_SAME = (
    "WHERE x.workspace = m.workspace AND x.contact_id = m.contact_id AND x.grp = 'treated' "
    "AND x.consented = ? "
)
_NONE_BEFORE = f"{_MESSAGED}{_SAME}AND (x.at < m.at OR (x.at = m.at AND x.id < m.id)))"
_NONE_BETWEEN = (
    f"m.at <= t.occurred_at AND {_MESSAGED}{_SAME}AND x.at <= t.occurred_at "
    "AND (x.at > m.at OR (x.at = m.at AND x.id > m.id)))"
)


def _query(d: Dialect, *, twins: bool) -> str:
    """The aggregate; its parameters are listed in :func:`tally_outcomes`."""
    if d.name == "sqlite":
        amount, scale, odd = _SQLITE_AMOUNT, _SQLITE_SCALE, _SQLITE_ODD
    else:
        amount, scale, odd = "t.amount", "scale(t.amount)", "0"
    # Materialised: each purchase's last touch is looked up once, not once per use.
    keep = " MATERIALIZED" if d.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 35) else ""
    if twins:
        # The touches of every membership of the contact, by launch time and id.
        touch = _TOUCH.format(ws="m.workspace", cid="m.contact_id")
        last = f"({touch} AND x.at <= t.occurred_at ORDER BY x.at DESC, x.id DESC LIMIT 1) = ?"
        first = f"({touch} ORDER BY x.at, x.id LIMIT 1) = ?"
    else:
        last, first = _NONE_BETWEEN, _NONE_BEFORE
    return (
        f"WITH p AS{keep} (SELECT m.contact_id AS cid, m.grp AS grp, t.currency AS cur, "
        f"{amount} AS amt, {scale} AS pl, {odd} AS odd, "
        f"CASE WHEN {last} THEN 1 ELSE 0 END AS hit, "
        f"CASE WHEN {first} THEN 1 ELSE 0 END AS f "
        "FROM campaign_members m JOIN transactions t "
        "ON t.workspace = m.workspace AND t.contact_id = m.contact_id "
        "WHERE m.workspace = ? AND m.campaign_id = ? AND m.consented = ? "
        "AND m.contact_id IS NOT NULL AND t.kind = 'purchase' "
        f"AND t.occurred_at >= ? AND t.occurred_at < ? {_OLDER if twins else ''}), "
        "b AS (SELECT cid, grp, cur, sum(amt) AS rev, sum(hit * amt) AS under_rev, "
        "max(hit) AS under, max(pl) AS pl, max(hit * pl) AS hit_pl, max(odd) AS odd, "
        "max(f) AS f FROM p GROUP BY cid, grp, cur) "
        "SELECT grp, cur, count(*), sum(rev), sum(rev * rev), max(pl), max(odd), sum(f), "
        "sum(f * rev), max(f * pl), sum(under), sum(under_rev), max(hit_pl) "
        "FROM b GROUP BY grp, cur"
    )


def _touch_params(campaign_id: str, *, twins: bool) -> tuple[Any, ...]:
    return (True, campaign_id, True, campaign_id) if twins else (True, True)


def tally_outcomes(
    db: SQLSession,
    workspace: str,
    campaign_id: str,
    *,
    window: tuple[datetime, datetime],
    currency: str | None,
    sizes: Mapping[Group, int],
    counts: Mapping[tuple[Group, bool], int],
    twins: bool,
    buyers: Callable[[], MeasuredGroups],
) -> MeasuredOutcomes:
    """The report's :class:`MeasuredOutcomes` from the members' pass (*sizes*, *counts*,
    whether a merge moved any member: *twins*) and one aggregate; *buyers* reads the
    buyers' rows for the cases the aggregate cannot add up exactly."""
    d = db.dialect
    since, until = window
    # In the order they appear: the touches (in p's select list), the members, the window.
    params = (
        *_touch_params(campaign_id, twins=twins),
        workspace,
        campaign_id,
        True,
        d.ts(since),
        d.ts(until),
        *((True,) if twins else ()),
    )
    try:
        rows = db.fetchall(_query(d, twins=twins), params)
    except StorageError as exc:
        if d.name != "sqlite" or "overflow" not in str(exc):
            raise
        rows = None  # SQLite: a sum past 2^63 ("integer overflow")
    found = None if rows is None else _groups(rows, d, currency, sizes)
    if found is None:
        cur, groups = group_outcomes(campaign_id, buyers(), currency)
        return MeasuredOutcomes(cur, groups, counts)
    return MeasuredOutcomes(found[0], found[1], counts)


def _groups(
    rows: list[tuple[Any, ...]], d: Dialect, currency: str | None, sizes: Mapping[Group, int]
) -> tuple[str | None, dict[Group, GroupOutcome]] | None:
    """The groups from the aggregate's rows (one per group and currency), or ``None`` when
    they cannot be the exact answer."""
    currencies = {r[1] for r in rows}
    if len(currencies) > 1:
        # A buyer in two currencies converts once: only the buyers' rows can say that
        # (and, with no currency named, name them all in the error).
        return None
    cur = currency if currency is not None else next(iter(currencies), None)
    exact = d.name != "sqlite"
    by_group: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        places, odd, squares = row[5], row[6], row[4]
        if not exact and (odd or places > _SQLITE_PLACES or not isinstance(squares, int)):
            return None  # not whole ten-thousandths, or the squares overflowed to a float
        by_group[row[0]] = row
    finest = min((-int(r[5]) for r in rows if r[1] == cur), default=0)
    groups = {}
    for g, n in sizes.items():
        found = by_group.get(g.value)
        if found is None:
            groups[g] = GroupOutcome(n, 0, places=min(finest, 0))
            continue
        _, row_cur, buyers, rev, sq, pl, _, f, f_rev, f_pl, under, under_rev, hit_pl = found
        # Revenue only in the report's currency (a named one nobody bought in: none).
        mine = row_cur == cur
        groups[g] = GroupOutcome(
            n,
            int(buyers),
            _exact(d, rev, pl, mine),
            _exact(d, sq, pl, mine, power=2),
            min(finest, 0),
            int(f),
            _exact(d, f_rev, f_pl, mine),
            int(under),
            _exact(d, under_rev, hit_pl, mine),
        )
    return cur, groups


def _exact(d: Dialect, value: Any, places: Any, mine: bool, *, power: int = 1) -> Decimal:
    """A sum as the definition's exact Decimal addition gives it: with the finest places of
    its terms (*places* decimals of each amount, *power* for a sum of squares), 0 for none."""
    if not mine or value is None:
        return Decimal(0)
    found = d.decimal_out(value)
    if d.name == "sqlite":
        found = found.scaleb(-_SQLITE_PLACES * power)
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, 60)
        return found.quantize(Decimal(1).scaleb(-int(places or 0) * power))
