"""A campaign report's counts kept as they change (migration 0025), on any SQL backend.

Counting them at each report was two full passes (5M event keys, 1M members) and two thirds
of its time. Events are only ever added (merges, unmerges and erasures move or anonymise
them, never drop them), so their counts only grow, with each event recorded. A member's
weight in the counts depends on its contact: attached (not erased) and moved (a merge gave
it to another contact than the launch wrote it for). Each statement that changes members
reads the rows it changes first (a contact's few memberships, by the touches index) and
moves their weight in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from crmkit.marketing.campaign import EventType, Group
from crmkit.storage.sql._session import SQLSession

__all__ = [
    "MEMBER_STATE",
    "MemberCounts",
    "add_event_counts",
    "add_member_counts",
    "event_counts",
    "member_counts",
    "new_member_counts",
    "shift_member_counts",
]

#: The columns :func:`shift_member_counts` takes a member's state from, in this order.
MEMBER_STATE = "campaign_id, grp, consented, contact_id, launched_to"

#: Per group and consent at send time: members, attached ones, moved ones.
MemberCounts = dict[tuple[Group, bool], tuple[int, int, int]]

_ADD_EVENTS = (
    "INSERT INTO campaign_event_counts (workspace, campaign_id, type, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (workspace, campaign_id, type) DO UPDATE SET "
    "n = campaign_event_counts.n + excluded.n"
)
_ADD_MEMBERS = (
    "INSERT INTO campaign_member_counts "
    "(workspace, campaign_id, grp, consented, members, attached, moved) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (workspace, campaign_id, grp, consented) DO UPDATE SET "
    "members = campaign_member_counts.members + excluded.members, "
    "attached = campaign_member_counts.attached + excluded.attached, "
    "moved = campaign_member_counts.moved + excluded.moved"
)


def add_event_counts(
    db: SQLSession, workspace: str, campaign_id: str, counts: Mapping[EventType, int]
) -> None:
    """Count *counts* more events of the campaign (one type's row at a time, in type order,
    so concurrent recorders lock the rows in one order)."""
    rows = [
        (workspace, campaign_id, t.value, n)
        for t, n in sorted(counts.items(), key=lambda p: p[0].value)
        if n
    ]
    db.executemany(_ADD_EVENTS, rows)


def event_counts(db: SQLSession, workspace: str, campaign_id: str) -> dict[EventType, int]:
    rows = db.fetchall(
        "SELECT type, n FROM campaign_event_counts WHERE workspace = ? AND campaign_id = ?",
        (workspace, campaign_id),
    )
    return {EventType(t): int(n) for t, n in rows if n}


def _weight(contact_id: str | None, launched_to: str | None) -> tuple[int, int]:
    """(attached, moved) of one member, as migration 0025 counts them."""
    if contact_id is None:
        return 0, 0
    return 1, int(launched_to is not None and contact_id != launched_to)


def add_member_counts(db: SQLSession, workspace: str, deltas: Mapping[Any, list[int]]) -> None:
    """Add *deltas*, (campaign id, group value, consented) -> [members, attached, moved]."""
    rows = [(workspace, c, g, bool(k), *d) for (c, g, k), d in sorted(deltas.items()) if any(d)]
    db.executemany(_ADD_MEMBERS, rows)


def new_member_counts(rows: Sequence[tuple[Any, ...]]) -> dict[Any, list[int]]:
    """The deltas of inserting member *rows*, in the insert's column order (workspace,
    campaign_id, id, contact_id, launched_to, grp, consented, at)."""
    # A launch writes a million rows, all attached and none moved: count them by C code,
    # then look at the rare others one by one.
    deltas = {k: [n, n, 0] for k, n in Counter(map(itemgetter(1, 5, 6), rows)).items()}
    for r in rows:
        if r[3] is None or r[3] != r[4]:
            attached, moved = _weight(r[3], r[4])
            d = deltas[r[1], r[5], r[6]]
            d[1] += attached - 1
            d[2] += moved
    return {(c, g, bool(k)): d for (c, g, k), d in deltas.items()}


def shift_member_counts(
    db: SQLSession,
    workspace: str,
    before: Iterable[tuple[Any, ...]],
    *,
    contact_id: str | None,
    deleted: bool = False,
) -> None:
    """Move the weight of the members *before* (rows of :data:`MEMBER_STATE`, read before a
    change) to their state after it: given to *contact_id* (``None``: detached, both
    contact columns cleared), or *deleted*."""
    deltas: dict[Any, list[int]] = {}
    for campaign_id, grp, consented, cid, launched_to in before:
        d = deltas.setdefault((campaign_id, grp, bool(consented)), [0, 0, 0])
        attached, moved = _weight(cid, launched_to)
        if deleted:
            now, members = (0, 0), -1
        elif contact_id is None:
            now, members = (0, 0), 0
        else:
            now, members = _weight(contact_id, launched_to), 0
        d[0] += members
        d[1] += now[0] - attached
        d[2] += now[1] - moved
    add_member_counts(db, workspace, deltas)


def member_counts(db: SQLSession, workspace: str, campaign_id: str) -> MemberCounts:
    """The campaign's kept member counts; pairs with no member left out."""
    rows = db.fetchall(
        "SELECT grp, consented, members, attached, moved FROM campaign_member_counts "
        "WHERE workspace = ? AND campaign_id = ?",
        (workspace, campaign_id),
    )
    return {(Group(g), bool(k)): (int(n), int(a), int(m)) for g, k, n, a, m in rows if n}
