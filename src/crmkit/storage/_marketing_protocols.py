"""The protocol of campaign members (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from crmkit._types import Money
from crmkit.marketing.campaign import CampaignMember, EventType, Group
from crmkit.marketing.campaign_report import (
    MeasuredBuyer,
    MeasuredGroups,
    MeasuredOutcomes,
    group_outcomes,
)
from crmkit.marketing.touches import first_touch, last_touch
from crmkit.storage._fast_paths import transactions_of
from crmkit.storage._linked import ContactErasable, ContactLinked
from crmkit.value.ledger import TransactionKind

__all__ = [
    "CampaignEventCounts",
    "CampaignMemberRepository",
    "MeasuredGroupsSource",
    "MeasuredOutcomesSource",
    "measured_groups",
    "measured_groups_in_python",
    "measured_outcomes",
    "measured_outcomes_in_python",
]


class CampaignMemberRepository(ContactLinked, ContactErasable, Protocol):
    """Who a launched campaign reached or held out: one record per member.

    A kind of its own, not the generic record store's, because a campaign has a million
    members: SQL backends keep one row per member (migration 0023), a third of the rows
    and index entries the record store writes for a record with two keys. One member per
    campaign and contact *the launch wrote it for*: after a merge the survivor may hold two
    (merged twins), and an erased member is detached, not deleted (the counts survive).
    """

    def add_many(self, members: Iterable[CampaignMember]) -> int:
        """Insert them all or none: a member id held or repeated raises
        :class:`crmkit.errors.AlreadyExistsError`, a campaign and contact pair held or
        repeated :class:`crmkit.errors.UniqueKeyError`; the repository is then as before."""
        ...

    def of_campaign(self, campaign_id: str) -> list[CampaignMember]:
        """The campaign's members, by id (launch order)."""
        ...

    def for_contact(self, contact_id: str) -> list[CampaignMember]:
        """The contact's memberships in every campaign, by id."""
        ...

    def counts(self, campaign_id: str) -> dict[tuple[Group, bool], int]:
        """How many of the campaign's members (detached ones included) are in each group
        with each consent at send time; pairs with none are left out."""
        ...

    def measured(self, campaign_id: str) -> dict[str, Group]:
        """Contact id -> group of the members a report measures: consenting at send time,
        not detached; a contact with two memberships counts once, in the older's group."""
        ...

    def measured_purchases(
        self, campaign_id: str, *, since: datetime, until: datetime
    ) -> dict[str, list[Money]]:
        """The amounts of the purchases in ``[since, until)`` of the contacts
        :meth:`measured` gives, oldest first; contacts who bought nothing are left out.
        SQL backends join the two tables and read two columns of the ledger."""
        ...

    def detach_contact(self, contact_id: str) -> int:
        """Keep the contact's memberships without the contact (an erasure); how many."""
        ...


@runtime_checkable
class CampaignEventCounts(Protocol):
    """A campaign members repository that keeps each campaign's event counts as events are
    recorded (SQL backends: a row per campaign and type, migration 0025), so a report need
    not count five million events. ``crm.campaigns`` calls :meth:`count_events` in the
    transaction that adds the events. Events are never removed (merges and erasures move
    or anonymise them), so the counts only grow.

    Fallback: the events counted in the record store, per type.
    """

    def count_events(self, campaign_id: str, counts: Mapping[EventType, int]) -> None:
        """Count *counts* more events of the campaign, by type."""
        ...

    def event_counts(self, campaign_id: str) -> dict[EventType, int]:
        """The campaign's events by type (types with none left out)."""
        ...


@runtime_checkable
class MeasuredGroupsSource(Protocol):
    """A campaign members repository that reads what a campaign report measures in the
    database: the measured members counted per group, and only the buyers read (SQL
    backends: a ``GROUP BY`` over the members and one join of the members, the ledger and
    the buyers' other memberships). Counting a million members in Python was most of a
    report's time.

    Fallback: :func:`measured_groups_in_python`, which gives the same answer.
    """

    def measured_groups(
        self, campaign_id: str, *, since: datetime, until: datetime
    ) -> MeasuredGroups:
        """What :func:`measured_groups_in_python` gives."""
        ...


def measured_groups_in_python(
    uow: Any, campaign_id: str, *, since: datetime, until: datetime
) -> MeasuredGroups:
    """The definition: the members :meth:`CampaignMemberRepository.measured` gives,
    counted per group; their purchases in ``[since, until)``, oldest first (by time, then
    id); each buyer's first touch and each purchase's last touch
    (:mod:`crmkit.marketing.touches`) from the buyer's memberships in every campaign; and
    :meth:`CampaignMemberRepository.counts`."""
    members = uow.campaign_members
    measured: dict[str, Group] = members.measured(campaign_id)
    sizes = {g: n for g, n in Counter(measured.values()).items() if n}
    ledger = transactions_of(uow.transactions, measured, since=since, until=until)
    buyers = {}
    for cid, entries in ledger.items():
        bought = sorted(
            (t for t in entries if t.kind is TransactionKind.PURCHASE),
            key=lambda t: (t.occurred_at, t.id),
        )
        if not bought:
            continue
        touches: list[CampaignMember] = members.for_contact(cid)
        buyers[cid] = MeasuredBuyer(
            measured[cid],
            tuple(
                (t.amount.amount, t.amount.currency, last_touch(touches, t.occurred_at))
                for t in bought
            ),
            first_touch(touches),
        )
    return MeasuredGroups(sizes, buyers, members.counts(campaign_id))


def measured_groups(
    uow: Any, campaign_id: str, *, since: datetime, until: datetime
) -> MeasuredGroups:
    """The campaign members repository's :class:`MeasuredGroupsSource` fast path, or the
    fallback."""
    served = getattr(uow.campaign_members, "measured_groups", None)
    if callable(served):
        found: MeasuredGroups = served(campaign_id, since=since, until=until)
        return found
    return measured_groups_in_python(uow, campaign_id, since=since, until=until)


@runtime_checkable
class MeasuredOutcomesSource(Protocol):
    """A campaign members repository that tallies a report's measured groups in the
    database: per group the buyers, their revenue and its sum of squares (what the revenue
    interval needs), and the first- and last-touch figures, so not even the buyers come to
    Python (SQL backends: the members' pass of :class:`MeasuredGroupsSource`, then one
    aggregate over the join of the members, the ledger and the buyers' other memberships).

    Fallback: :func:`measured_outcomes_in_python`, which gives the same answer (and the
    same errors).
    """

    def measured_outcomes(
        self, campaign_id: str, *, since: datetime, until: datetime, currency: str | None
    ) -> MeasuredOutcomes:
        """What :func:`measured_outcomes_in_python` gives."""
        ...


def measured_outcomes_in_python(
    uow: Any, campaign_id: str, *, since: datetime, until: datetime, currency: str | None
) -> MeasuredOutcomes:
    """The definition: :func:`measured_groups` tallied by
    :func:`crmkit.marketing.campaign_report.group_outcomes` in the report's *currency*
    (``None``: the one currency the purchases are in; several raise
    :class:`crmkit.errors.CurrencyMismatchError`)."""
    measured = measured_groups(uow, campaign_id, since=since, until=until)
    cur, groups = group_outcomes(campaign_id, measured, currency)
    return MeasuredOutcomes(cur, groups, measured.counts)


def measured_outcomes(
    uow: Any, campaign_id: str, *, since: datetime, until: datetime, currency: str | None
) -> MeasuredOutcomes:
    """The campaign members repository's :class:`MeasuredOutcomesSource` fast path, or the
    fallback."""
    served = getattr(uow.campaign_members, "measured_outcomes", None)
    if callable(served):
        found: MeasuredOutcomes = served(campaign_id, since=since, until=until, currency=currency)
        return found
    return measured_outcomes_in_python(
        uow, campaign_id, since=since, until=until, currency=currency
    )
