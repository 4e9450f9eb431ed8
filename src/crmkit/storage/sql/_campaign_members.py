"""Campaign members on any SQL backend: one row per member (migration 0023), indexed by
contact for their touches (0024), counted as they change with the campaign's events (0025,
:mod:`crmkit.storage.sql._campaign_counts`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from crmkit._types import Money
from crmkit.errors import AlreadyExistsError, ConflictError, UniqueKeyError, ValidationError
from crmkit.marketing.campaign import CampaignMember, EventType, Group
from crmkit.marketing.campaign_report import MeasuredBuyer, MeasuredGroups, MeasuredOutcomes
from crmkit.storage.sql._campaign_counts import (
    MEMBER_STATE,
    add_event_counts,
    add_member_counts,
    event_counts,
    member_counts,
    new_member_counts,
    shift_member_counts,
)
from crmkit.storage.sql._campaign_outcomes import tally_outcomes
from crmkit.storage.sql._session import Dialect, Row, SQLSession

__all__ = ["SQLCampaignMemberRepository"]

_COLS = "id, campaign_id, contact_id, grp, consented, at"
_INSERT = (
    "INSERT INTO campaign_members "
    "(workspace, campaign_id, id, contact_id, launched_to, grp, consented, at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# Rows per executemany: memory stays flat for a million members.
_STEP = 20_000

_MEASURED = "workspace = ? AND campaign_id = ? AND consented = ? AND contact_id IS NOT NULL"
# Merged twins can only be memberships a merge moved (contact_id <> launched_to), so only
# those contacts are read again, and only if the kept counts show any.
_TWINS = (
    f"SELECT contact_id, grp FROM campaign_members WHERE {_MEASURED} AND contact_id IN "
    f"(SELECT contact_id FROM campaign_members WHERE {_MEASURED} "
    "AND contact_id <> launched_to) ORDER BY contact_id, id"
)
# A contact's touches: their messaged memberships, by launch time then id (one probe of
# the campaign_members_touches index, migration 0024).
_TOUCH = (
    "SELECT x.campaign_id FROM campaign_members x WHERE x.workspace = m.workspace "
    "AND x.contact_id = m.contact_id AND x.grp = 'treated' AND x.consented = ? "
)
_BUYERS = (
    "SELECT m.id, m.contact_id, m.grp, t.id, t.amount, t.currency, "
    f"({_TOUCH} ORDER BY x.at, x.id LIMIT 1), "
    f"({_TOUCH} AND x.at <= t.occurred_at ORDER BY x.at DESC, x.id DESC LIMIT 1) "
    "FROM campaign_members m JOIN transactions t "
    "ON t.workspace = m.workspace AND t.contact_id = m.contact_id "
    "WHERE m.workspace = ? AND m.campaign_id = ? AND m.consented = ? "
    "AND m.contact_id IS NOT NULL AND t.kind = 'purchase' "
    "AND t.occurred_at >= ? AND t.occurred_at < ? "
    "ORDER BY m.contact_id, t.occurred_at, t.id, m.id"
)


def _buyers(rows: list[Row], d: Dialect) -> dict[str, MeasuredBuyer]:
    """The buyers from :data:`_BUYERS`' rows, which come by contact, then purchase, then
    membership: a merged contact's twins repeat each purchase (kept once), and the older
    twin's group is the contact's. One pass, a hundred thousand rows: plain locals."""
    groups = {g.value: g for g in Group}
    dec = d.decimal_out
    found: dict[str, MeasuredBuyer] = {}
    purchases: list[tuple[Decimal, str, str | None]] = []
    cid: Any = None
    member = grp = first = tid = cid
    for row_member, row_cid, row_grp, row_tid, amount, currency, row_first, last in rows:
        if row_cid != cid:
            if cid is not None:
                found[cid] = MeasuredBuyer(groups[grp], tuple(purchases), first)
            cid, member, grp, first = row_cid, row_member, row_grp, row_first
            tid, purchases = None, []
        elif row_member < member:
            member, grp = row_member, row_grp
        if row_tid != tid:
            purchases.append((dec(amount), currency, last))
            tid = row_tid
    if cid is not None:
        found[cid] = MeasuredBuyer(groups[grp], tuple(purchases), first)
    return found


class SQLCampaignMemberRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def _member(self, r: Row) -> CampaignMember:
        d = self._db.dialect
        return CampaignMember(r[0], r[1], r[2], Group(r[3]), bool(r[4]), d.ts_out(r[5]))

    def _row(self, m: CampaignMember) -> tuple[Any, ...]:
        if not isinstance(m, CampaignMember):
            raise ValidationError("members", m, "expected CampaignMember values")
        ts = self._db.dialect.ts(m.at)
        return (
            self._ws,
            m.campaign_id,
            m.id,
            m.contact_id,
            m.contact_id,
            m.group.value,
            bool(m.consented),
            ts,
        )

    def add_many(self, members: Iterable[CampaignMember]) -> int:
        """See the protocol. The constraints check the batch inside a savepoint; only a
        refused batch is looked at again, to name the member at fault."""
        batch = list(members)
        if not batch:
            return 0
        rows = [self._row(m) for m in batch]
        self._db.execute("SAVEPOINT crmkit_members")
        try:
            it = iter(rows)
            while chunk := list(islice(it, _STEP)):
                self._db.executemany(_INSERT, chunk)
            add_member_counts(self._db, self._ws, new_member_counts(rows))
        except ConflictError:
            self._db.execute("ROLLBACK TO SAVEPOINT crmkit_members")
            self._db.execute("RELEASE SAVEPOINT crmkit_members")
            self._name_the_clash(batch)
            raise
        self._db.execute("RELEASE SAVEPOINT crmkit_members")
        return len(batch)

    def _name_the_clash(self, batch: list[CampaignMember]) -> None:
        ids: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for m in batch:
            pair = (m.campaign_id, m.contact_id or "")
            if m.id in ids:
                raise AlreadyExistsError("campaign member", m.id)
            if m.contact_id is not None and pair in pairs:
                raise UniqueKeyError("campaign member", "contact", ":".join(pair))
            ids.add(m.id)
            pairs.add(pair)
        for m in batch:
            held = self._db.fetchone(
                "SELECT id, launched_to FROM campaign_members WHERE workspace = ? "
                "AND campaign_id = ? AND (id = ? OR launched_to = ?)",
                (self._ws, m.campaign_id, m.id, m.contact_id),
            )
            if held is not None and held[0] == m.id:
                raise AlreadyExistsError("campaign member", m.id)
            if held is not None:
                raise UniqueKeyError("campaign member", "contact", f"{m.campaign_id}:{held[1]}")

    def _select(self, where: str, params: Sequence[Any]) -> list[CampaignMember]:
        rows = self._db.fetchall(
            f"SELECT {_COLS} FROM campaign_members WHERE workspace = ? {where} ORDER BY id",
            (self._ws, *params),
        )
        return [self._member(r) for r in rows]

    def of_campaign(self, campaign_id: str) -> list[CampaignMember]:
        return self._select("AND campaign_id = ?", (campaign_id,))

    def for_contact(self, contact_id: str) -> list[CampaignMember]:
        return self._select("AND contact_id = ?", (contact_id,))

    def counts(self, campaign_id: str) -> dict[tuple[Group, bool], int]:
        # The kept counts: a launch reads them at its end, a million members counted again.
        kept = member_counts(self._db, self._ws, campaign_id)
        return {pair: n for pair, (n, _, _) in kept.items()}

    def measured(self, campaign_id: str) -> dict[str, Group]:
        rows = self._db.fetchall(
            "SELECT contact_id, grp FROM campaign_members WHERE workspace = ? "
            "AND campaign_id = ? AND consented = ? AND contact_id IS NOT NULL ORDER BY id",
            (self._ws, campaign_id, True),
        )
        found: dict[str, Group] = {}
        groups = {g.value: g for g in Group}
        for contact_id, grp in rows:
            found.setdefault(contact_id, groups[grp])  # merged twins: the older wins
        return found

    def measured_purchases(
        self, campaign_id: str, *, since: datetime, until: datetime
    ) -> dict[str, list[Money]]:
        d = self._db.dialect
        rows = self._db.fetchall(
            "SELECT contact_id, amount, currency FROM transactions WHERE workspace = ? "
            "AND kind = 'purchase' AND occurred_at >= ? AND occurred_at < ? "
            "AND contact_id IN (SELECT contact_id FROM campaign_members WHERE workspace = ? "
            "AND campaign_id = ? AND consented = ? AND contact_id IS NOT NULL) "
            "ORDER BY contact_id, occurred_at, id",
            (self._ws, d.ts(since), d.ts(until), self._ws, campaign_id, True),
        )
        found: dict[str, list[Money]] = {}
        for contact_id, amount, currency in rows:
            found.setdefault(contact_id, []).append(Money(d.decimal_out(amount), currency))
        return found

    def _members_pass(
        self, campaign_id: str
    ) -> tuple[dict[Group, int], dict[tuple[Group, bool], int], bool]:
        """The measured group sizes (merged twins once), the launch's counts, and whether a
        merge moved any member: from the kept counts (the measured ones are the attached)."""
        measured = (self._ws, campaign_id, True)
        counts: dict[tuple[Group, bool], int] = {}
        sizes: dict[Group, int] = {}
        moved = 0
        for (grp, consented), (n, kept, m) in member_counts(self._db, *measured[:2]).items():
            counts[(grp, consented)] = n
            if consented:
                sizes[grp] = kept
                moved += m
        if moved:
            self._count_twins_once(sizes, measured)
        return {g: n for g, n in sizes.items() if n}, counts, bool(moved)

    def _buyers(
        self, campaign_id: str, since: datetime, until: datetime
    ) -> dict[str, MeasuredBuyer]:
        d = self._db.dialect
        params = (True, True, self._ws, campaign_id, True, d.ts(since), d.ts(until))
        return _buyers(self._db.fetchall(_BUYERS, params), d)

    def measured_groups(
        self, campaign_id: str, *, since: datetime, until: datetime
    ) -> MeasuredGroups:
        """See :class:`crmkit.storage.protocols.MeasuredGroupsSource`: the sizes in one
        ``GROUP BY`` (and the merged twins' rows, if a merge moved any), the buyers in one
        join; only the buyers' rows come to Python."""
        sizes, counts, _ = self._members_pass(campaign_id)
        return MeasuredGroups(sizes, self._buyers(campaign_id, since, until), counts)

    def measured_outcomes(
        self, campaign_id: str, *, since: datetime, until: datetime, currency: str | None
    ) -> MeasuredOutcomes:
        """See :class:`crmkit.storage.protocols.MeasuredOutcomesSource`: the members' pass
        of :meth:`measured_groups`, then the buyers added up in one aggregate
        (:mod:`crmkit.storage.sql._campaign_outcomes`)."""
        sizes, counts, twins = self._members_pass(campaign_id)
        return tally_outcomes(
            self._db,
            self._ws,
            campaign_id,
            window=(since, until),
            currency=currency,
            sizes=sizes,
            counts=counts,
            twins=twins,
            buyers=lambda: MeasuredGroups(sizes, self._buyers(campaign_id, since, until), counts),
        )

    def _count_twins_once(self, sizes: dict[Group, int], measured: tuple[Any, ...]) -> None:
        rows = self._db.fetchall(_TWINS, (*measured, *measured))
        seen: set[str] = set()
        for cid, grp in rows:  # by contact, oldest membership first
            if cid in seen:
                sizes[Group(grp)] -= 1
            seen.add(cid)

    def event_counts(self, campaign_id: str) -> dict[EventType, int]:
        """See :class:`crmkit.storage.protocols.CampaignEventCounts`: the kept counts."""
        return event_counts(self._db, self._ws, campaign_id)

    def count_events(self, campaign_id: str, counts: Mapping[EventType, int]) -> None:
        add_event_counts(self._db, self._ws, campaign_id, counts)

    def _of_contact(self, contact_id: str) -> list[Row]:
        """The contact's memberships as the kept counts weigh them, by id."""
        return self._db.fetchall(
            f"SELECT {MEMBER_STATE}, id FROM campaign_members WHERE workspace = ? "
            "AND contact_id = ? ORDER BY id",
            (self._ws, contact_id),
        )

    def _change(self, rows: list[Row], *, to: str | None, deleted: bool = False) -> int:
        """Give the members *rows* (of :meth:`_of_contact`) to contact *to* (``None``:
        detach them), or delete them, moving their weight in the kept counts. Exactly the
        rows read are written, by primary key, so the counts move with what changed."""
        shift_member_counts(
            self._db, self._ws, (r[:5] for r in rows), contact_id=to, deleted=deleted
        )
        keys = [(self._ws, r[0], r[5]) for r in rows]
        where = "WHERE workspace = ? AND campaign_id = ? AND id = ?"
        if deleted:
            self._db.executemany(f"DELETE FROM campaign_members {where}", keys)
        elif to is None:
            sql = f"UPDATE campaign_members SET contact_id = NULL, launched_to = NULL {where}"
            self._db.executemany(sql, keys)
        else:
            sql = f"UPDATE campaign_members SET contact_id = ? {where}"
            self._db.executemany(sql, [(to, *k) for k in keys])
        return len(rows)

    def detach_contact(self, contact_id: str) -> int:
        return self._change(self._of_contact(contact_id), to=None)

    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        rows = self._of_contact(from_id)
        self._change(rows, to=to_id)
        return [str(r[5]) for r in rows]

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        # By id alone (an unmerge knows no campaign): each is read once to find its
        # campaign, then written by its full primary key.
        rows = [
            r
            for rid in record_ids
            for r in self._db.fetchall(
                f"SELECT {MEMBER_STATE}, id FROM campaign_members WHERE workspace = ? AND id = ?",
                (self._ws, rid),
            )
        ]
        self._change(rows, to=contact_id)

    def erase_contact(self, contact_id: str) -> int:
        # Erasure keeps members detached (``detach_contact`` runs first): nothing is left.
        return self._change(self._of_contact(contact_id), to=None, deleted=True)
