"""The campaign counts SQL backends keep (migration 0025): every column equals a recount
from the rows after any sequence of events, merges, unmerges and erasures, and a database
written before the migration opens with its counts filled from what it holds.

PostgreSQL runs when CRMKIT_TEST_POSTGRES_DSN is set (see conftest.py).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from hypothesis import HealthCheck, given, settings

from crmkit import CRM
from crmkit._api.marketing.campaign_kinds import event_counts
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0
from crmkit.testing.contract._campaign_counts import counts_world, recount_events, run_counts_world

_KEPT = (
    "SELECT campaign_id, grp, consented, members, attached, moved FROM campaign_member_counts "
    "WHERE workspace = ? AND members <> 0"
)
_RECOUNT = (
    "SELECT campaign_id, grp, consented, count(*), count(contact_id), "
    "sum(CASE WHEN contact_id <> launched_to THEN 1 ELSE 0 END) FROM campaign_members "
    "WHERE workspace = ? GROUP BY campaign_id, grp, consented"
)
_EVENTS = "SELECT campaign_id, type, n FROM campaign_event_counts WHERE workspace = ? AND n <> 0"


class _Backend(Protocol):  # tests/storage/conftest.py
    def open(self) -> Storage: ...

    def back_to(self, version: int, *then: str) -> None: ...


def _tables(storage: Storage, workspace: str) -> tuple[set[Any], set[Any], set[Any]]:
    """The kept member counts, their recount, and the kept event counts."""
    with storage.unit_of_work(workspace, read_only=True) as uow:
        db = uow.session  # type: ignore[attr-defined]
        kept = {(c, g, bool(k), *map(int, r)) for c, g, k, *r in db.fetchall(_KEPT, (workspace,))}
        recount = {
            (c, g, bool(k), *map(int, r)) for c, g, k, *r in db.fetchall(_RECOUNT, (workspace,))
        }
        events = {(c, t, int(n)) for c, t, n in db.fetchall(_EVENTS, (workspace,))}
    return kept, recount, events


def _event_recount(storage: Storage, workspace: str, campaign_ids: list[str]) -> set[Any]:
    return {
        (c, t.value, n)
        for c in campaign_ids
        for t, n in recount_events(storage, workspace, c).items()
    }


def test_every_kept_count_equals_a_recount_of_the_rows(sql_backend: _Backend) -> None:
    storage = sql_backend.open()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(s=counts_world)
    def agree(s: dict[str, Any]) -> None:
        crm = CRM(storage=storage, workspace=f"k-{uuid.uuid4().hex[:8]}", clock=lambda: T0)
        campaigns = [c.id for c in run_counts_world(crm, s)]
        kept, recount, events = _tables(storage, crm.workspace)
        assert kept == recount
        assert events == _event_recount(storage, crm.workspace, campaigns)

    try:
        agree()
    finally:
        storage.close()


def test_an_older_database_opens_with_its_counts_filled(sql_backend: _Backend) -> None:
    storage = sql_backend.open()
    s = {
        "people": 6,
        "consent": {0, 1, 2, 3, 4},
        "campaigns": [(20, 3), (0, 4)],
        "ops": [
            *(("event", w, c, t) for w in range(6) for c in (0, 1) for t in ("opened", "clicked")),
            ("merge", 0, 1),
            ("event", 0, 1, "converted"),
            ("merge", 2, 3),
            ("unmerge", 1),
            ("erase", 4),
        ],
    }
    crm = CRM(storage=storage, workspace="w", clock=lambda: T0)
    campaigns = [c.id for c in run_counts_world(crm, s)]
    before = _tables(storage, "w")
    reports = [crm.campaigns.report(c) for c in campaigns]
    storage.close()
    sql_backend.back_to(24)  # as a crmkit from before the kept counts left it
    storage = sql_backend.open()  # migrates: the counts are filled from the rows
    try:
        assert _tables(storage, "w") == before
        assert before[0] == before[1]
        assert any(moved for *_, moved in before[0])  # a merge moved a member
        assert before[2] == _event_recount(storage, "w", campaigns)
        crm = CRM(storage=storage, workspace="w", clock=lambda: T0)
        assert [crm.campaigns.report(c) for c in campaigns] == reports
        with storage.unit_of_work("w", read_only=True) as uow:
            assert sum(event_counts(uow, campaigns[0]).values()) > 0
    finally:
        storage.close()
