"""The SQL backends compute the funnel facts in the database; they must equal memory's."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit import CRM, Contact, Money
from crmkit.funnel import Deal, Pipeline, Stage, StageChange, lose, move, open_deal, reopen, win
from crmkit.storage import MemoryStorage, SQLiteStorage, Storage

T0 = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)
PIPE = Pipeline.new(
    "Sales", ["New", Stage("Qualified", 0.3), Stage("Proposal", 0.6), "Won?"], id="p1", now=T0
)
ACTIONS = st.sampled_from(["New", "Qualified", "Proposal", "Won?", "won", "lost", "reopen"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Deal], list[StageChange]]:
    deals, changes = [], []
    for i in range(draw(st.integers(1, 6))):
        start = T0 + timedelta(days=draw(st.integers(0, 40)), microseconds=draw(st.integers(0, 9)))
        value = Money(draw(st.integers(0, 99)), "EUR")
        deal, first = open_deal(
            PIPE,
            title=f"D{i}",
            value=value,
            contact_id="c",
            owner=draw(st.sampled_from(["arta", "ivan"])),
            at=start,
            stage=draw(st.sampled_from([None, "Qualified"])),
        )
        changes.append(first)
        at = start
        for action in draw(st.lists(ACTIONS, max_size=6)):
            at += timedelta(hours=draw(st.integers(0, 60)))
            try:
                if action == "won":
                    deal, c = win(deal, at=at)
                elif action == "lost":
                    deal, c = lose(deal, reason=draw(st.sampled_from(["price", "timing"])), at=at)
                elif action == "reopen":
                    deal, c = reopen(deal, PIPE, at=at)
                else:
                    deal, c = move(deal, PIPE, action, at=at)
            except ValueError:
                continue
            changes.append(c)
        deals.append(deal)
    return deals, changes


def _load(
    storage: Storage, deals: list[Deal], changes: list[StageChange], workspace: str = "w"
) -> CRM:
    with storage.unit_of_work(workspace) as uow:
        uow.contacts.add(Contact.new(id="c", name="C", now=T0))
        uow.pipelines.add(PIPE)
        uow.deals.add_many(deals)
        uow.stage_changes.add_many(changes)
        uow.commit()
    return CRM(storage=storage, workspace=workspace)


def _backends() -> list[Storage]:
    out: list[Storage] = [SQLiteStorage(":memory:")]
    dsn = os.environ.get("CRMKIT_TEST_POSTGRES_DSN")
    if dsn:
        from crmkit.storage.postgres import PostgresStorage

        out.append(PostgresStorage(dsn, schema=f"crmkit_test_{uuid.uuid4().hex[:12]}"))
    return out


@pytest.fixture(scope="module")
def shared_backends() -> Iterator[list[Storage]]:
    """One storage per SQL backend for a whole property, each example in a workspace of its
    own: a fresh migrated schema per example cost more than the example itself."""
    backends = _backends()
    yield backends
    for storage in backends:
        drop = getattr(storage, "drop_schema", None)
        drop() if drop is not None else storage.close()


def _workspace() -> str:
    return f"w{uuid.uuid4().hex[:12]}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from([None, "arta"]), st.sampled_from([None, "2026-02"]))
def test_sql_funnel_equals_the_in_memory_definition(
    shared_backends: list[Storage],
    data: tuple[list[Deal], list[StageChange]],
    owner: str | None,
    cohort: str | None,
) -> None:
    deals, changes = data
    expected = _load(MemoryStorage(), deals, changes).funnel("p1", owner=owner, cohort=cohort)
    for storage in shared_backends:
        crm = _load(storage, deals, changes, _workspace())
        assert crm.funnel("p1", owner=owner, cohort=cohort) == expected, storage


def _load_piecewise(
    storage: Storage, deals: list[Deal], changes: list[StageChange], order: list[int], cut: int
) -> CRM:
    """Changes arrive out of time order: some one by one, the rest in one later bulk call."""
    shuffled = [changes[i] for i in order]
    workspace = _workspace()
    with storage.unit_of_work(workspace) as uow:
        uow.contacts.add(Contact.new(id="c", name="C", now=T0))
        uow.pipelines.add(PIPE)
        uow.deals.add_many(deals)
        for change in shuffled[:cut]:
            uow.stage_changes.add(change)
        uow.commit()
    with storage.unit_of_work(workspace) as uow:
        uow.stage_changes.add_many(shuffled[cut:])
        uow.commit()
    return CRM(storage=storage, workspace=workspace)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.randoms(use_true_random=False), st.integers(0, 40))
def test_stays_stay_right_when_changes_arrive_out_of_order(
    shared_backends: list[Storage],
    data: tuple[list[Deal], list[StageChange]],
    rnd: Any,
    cut: int,
) -> None:
    deals, changes = data
    order = list(range(len(changes)))
    rnd.shuffle(order)
    memory = _load(MemoryStorage(), deals, changes)
    expected, expected_arta = memory.funnel("p1"), memory.funnel("p1", owner="arta")
    for storage in shared_backends:
        got = _load_piecewise(storage, deals, changes, order, min(cut, len(changes)))
        assert got.funnel("p1") == expected, storage
        assert got.funnel("p1", owner="arta") == expected_arta, storage


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_database_from_before_the_funnel_summaries_is_filled_in(
    data: tuple[list[Deal], list[StageChange]],
) -> None:
    """Migration 0009 backfills the stays in SQL; the deal ranges are filled right after."""
    import sqlite3
    import tempfile
    from importlib import resources
    from pathlib import Path

    deals, changes = data
    expected = _load(MemoryStorage(), deals, changes).funnel("p1")
    path = Path(tempfile.mkdtemp()) / "old.sqlite"
    _load(SQLiteStorage(path), deals, changes).storage.close()
    migrations = resources.files("crmkit.storage.sqlite.migrations")
    sql = (migrations / "0009_funnel_summaries.sql").read_text()
    backfill = next(s for s in sql.split(";") if "UPDATE" in s)
    conn = sqlite3.connect(path)  # as a crmkit before 0009 left it, summaries unknown
    conn.execute("UPDATE stage_changes SET stay_us = NULL")
    conn.execute("UPDATE deals SET range_lo = NULL, range_hi = NULL")
    conn.execute(backfill)
    conn.execute("INSERT INTO funnel_ranges_pending SELECT workspace, id FROM pipelines")
    conn.commit()
    conn.close()
    reopened = CRM(storage=SQLiteStorage(path), workspace="w")
    assert reopened.funnel("p1") == expected
    reopened.storage.close()


def test_renaming_a_stage_keeps_sql_counts_equal_to_memory() -> None:
    deal, first = open_deal(PIPE, title="A", value=Money("5", "EUR"), contact_id="c", at=T0)
    deal, second = move(deal, PIPE, "Proposal", at=T0 + timedelta(days=1))
    renamed = Pipeline(
        PIPE.id,
        PIPE.name,
        (PIPE.stages[2], *PIPE.stages[:2], *PIPE.stages[3:]),
        PIPE.created_at,
        PIPE.version + 1,
    )
    results = []
    for storage in [MemoryStorage(), *_backends()]:
        try:
            crm = _load(storage, [deal], [first, second])
            with storage.unit_of_work("w") as uow:
                uow.pipelines.update(renamed)
                uow.commit()
            results.append(crm.funnel("p1").stages)
        finally:
            drop = getattr(storage, "drop_schema", None)
            drop() if drop is not None else storage.close()
    assert all(r == results[0] for r in results)
    # Reordered to Proposal, New, Qualified: New -> Proposal now covers the first two only.
    assert [s.entered for s in results[0]][:3] == [1, 1, 0]
