"""crmkit on a Citus cluster, every table distributed on ``workspace`` by ``distribute``.

Runs when CRMKIT_TEST_CITUS_DSN names a Citus coordinator (``tools/citus-cluster.sh createdb
NAME`` prints one; CI starts the cluster and sets it) and fails, not skips, when that server
is unreachable. The concurrency tests run here too, from test_shared_writers.py.
"""

from __future__ import annotations

import os
import re
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from crmkit import CRM, Money
from crmkit.errors import ConvergenceWarning, StorageUnavailableError
from crmkit.funnel import Stage
from crmkit.segments import field, tag
from crmkit.storage.migrations import load_migrations
from crmkit.storage.postgres import PostgresStorage, _crmkit_tables, distribute
from crmkit.storage.postgres._citus import distribute_tables
from crmkit.tasks import BirthdayGreeting, PurchaseAnniversary
from crmkit.testing import StorageContract
from crmkit.testing.citus import own_cluster_database
from crmkit.testing.contract import (
    ErasureContract,
    InteractionsContract,
    LedgerContract,
    MergeContract,
    SegmentPushdownContract,
)
from crmkit.testing.people import besa_on_instagram
from crmkit.testing.under_load import writers_during

DSN = os.environ.get("CRMKIT_TEST_CITUS_DSN", "")
pytestmark = pytest.mark.postgres
if not DSN:
    pytest.skip(
        "Citus suite not run: set CRMKIT_TEST_CITUS_DSN to a Citus coordinator's URL "
        "(tools/citus-cluster.sh createdb crmkit_test prints one; CI sets it)",
        allow_module_level=True,
    )

# Two shards per table (one on each worker of the test cluster) instead of Citus's default
# 32: the same routing, much faster to set up and to empty.
FAST = f"{DSN}{'&' if '?' in DSN else '?'}options=-c%20citus.shard_count%3D2"
T0 = datetime(2026, 11, 16, 9, 12, tzinfo=UTC)


@pytest.fixture
def storage(citus: Any) -> Iterator[PostgresStorage]:
    storage = citus.recycled()
    yield storage
    storage.close()


class CitusStorage:
    @pytest.fixture
    def storage(self, citus: Any) -> Iterator[PostgresStorage]:
        storage = citus.recycled()
        yield storage
        storage.close()


class TestCitusContractCore(
    CitusStorage,
    SegmentPushdownContract,
    InteractionsContract,
    LedgerContract,
    MergeContract,
    ErasureContract,
):
    """The parts of the contract where Citus has differed from one server: segment SQL (a
    plan Citus refused), the bulk COPY paths (how worker errors arrive), and the statements
    that move or delete a contact's rows across many tables. Run by default."""


@pytest.mark.slow
class TestCitusStorage(CitusStorage, StorageContract):
    """The whole contract, 214 tests in about two and a half minutes on two shared cores:
    ``-m slow``."""


# -- distribute ----------------------------------------------------------------------------


def _placement(schema: str) -> dict[str, tuple[str, int]]:
    """Each table of the schema Citus knows: (method, co-location group)."""
    with psycopg.connect(DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, p.partmethod, p.colocationid FROM pg_dist_partition p "
            "JOIN pg_class c ON c.oid = p.logicalrelid WHERE c.relnamespace = %s::regnamespace",
            (schema,),
        ).fetchall()
    return {name: (method, group) for name, method, group in rows}


@pytest.fixture
def schema() -> Iterator[str]:
    schema = f"crmkit_test_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


def test_distribute_hashes_every_crmkit_table_on_workspace_co_located(schema: str) -> None:
    assert distribute(FAST, schema=schema) == _crmkit_tables()
    placed = _placement(schema)
    assert set(placed) == set(_crmkit_tables())
    assert {method for method, _ in placed.values()} == {"h"}
    assert len({group for _, group in placed.values()}) == 1


def test_distribute_starts_with_contacts_and_keeps_the_schema_version_plain(schema: str) -> None:
    tables = distribute(FAST, schema=schema)
    assert tables[0] == "contacts"
    assert "crmkit_schema_version" not in _placement(schema)


def test_distribute_again_distributes_nothing(schema: str) -> None:
    distribute(FAST, schema=schema)
    assert distribute(FAST, schema=schema) == []


def test_an_upgrade_of_a_distributed_database_distributes_the_tables_it_adds(
    schema: str,
) -> None:
    """Distributed at the schema before the newest migration, then opened by this crmkit."""
    migrations = load_migrations("crmkit.storage.postgres.migrations")
    newest = migrations[-1]
    # Back to before the newest migration that adds tables (and the ones after it).
    first = max(n for n, m in enumerate(migrations) if re.search(r"CREATE TABLE \w+", m.sql))
    undone = migrations[first:]
    added = [t for m in undone for t in re.findall(r"CREATE TABLE (\w+)", m.sql)]
    PostgresStorage(FAST, schema=schema, pool_size=1).close()
    options = f"-c search_path={schema} -c citus.shard_count=2"
    with psycopg.connect(DSN, autocommit=True, options=options) as conn:
        for migration in reversed(undone):
            for table in reversed(re.findall(r"CREATE TABLE (\w+)", migration.sql)):
                conn.execute(f"DROP TABLE {table}".encode())
            for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", migration.sql):
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}".encode())
        conn.execute("DELETE FROM crmkit_schema_version WHERE version >= %s", (undone[0].version,))
        older = [t for t in _crmkit_tables() if t not in added]
        assert sorted(distribute_tables(conn, older)) == sorted(older)
    storage = PostgresStorage(FAST, schema=schema, pool_size=1)
    try:
        assert storage.schema_version == newest.version
        assert sorted(storage._distributed_on_open) == sorted(added)
        assert {m for m, _ in _placement(schema).values()} == {"h"}
        assert set(_placement(schema)) == set(_crmkit_tables())
    finally:
        storage.close()
    assert distribute(FAST, schema=schema) == []


# -- the README's story --------------------------------------------------------------------


def test_the_instagram_then_phone_story_on_a_distributed_database(
    storage: PostgresStorage,
) -> None:
    crm = CRM(storage=storage, workspace="acme", default_region="AL")
    dm = besa_on_instagram(crm, T0)
    crm.contacts.add_identity(dm.contact_id, phone="069 123 4567")
    call = crm.record(
        channel="phone",
        phone="+355 69 123 45 67",
        summary="Called back",
        occurred_at=T0 + timedelta(days=2),
    )
    resolved = crm.resolve(phone="+355 69 123 45 67").contact
    assert resolved is not None
    assert (resolved.name, call.contact_id) == ("Besa Kola", dm.contact_id)
    assert [i.summary for i in crm.timeline(dm.contact_id)] == [
        "Called back",
        "Asked about the Gold package",
    ]
    other = CRM(storage=storage, workspace="other", default_region="AL")
    assert other.resolve(phone="+355 69 123 45 67").contact is None


# -- every statement of one workspace's day is a router (single-shard) query ---------------


def _a_day_of_work(crm: CRM) -> None:
    """Record, resolve, timeline, merge and unmerge, segments and lists, funnel, tasks,
    ledger and CLV, import, automation and the outbox, duplicates and review, erasure."""
    dm = besa_on_instagram(crm, T0)
    besa = crm.contacts.add_identity(dm.contact_id, phone="069 123 4567")
    crm.record(
        channel="phone",
        phone="+355 69 123 45 67",
        summary="Called back",
        occurred_at=T0 + timedelta(days=2),
    )
    crm.contacts.update(besa.id, city="Tiranë", birthday=date(1990, 11, 20), tags=["vip"])
    assert crm.resolve(phone="+355691234567").contact is not None
    crm.resolve(name="Besa Kola", city="Tirane")
    crm.timeline(besa.id, limit=20)
    crm.contact_card(besa.id)
    twin = crm.contacts.create(name="Besa K.", emails=["besa@example.al"])
    crm.record(channel="email", email="besa@example.al", summary="Invoice?")
    merged = crm.merge(besa.id, twin.id)
    crm.unmerge(merged.merge_id)
    crm.merge(besa.id, twin.id)
    vip = (field("city") == "Tiranë") & tag("vip")
    crm.segments.save("vip-tirana", vip)
    crm.segments.members(crm.segments.get("vip-tirana"))
    crm.lists.create("December", from_segment=vip)
    crm.lists.members("December")
    pipeline = crm.pipelines.create("Sales", stages=[Stage("New"), Stage("Qualified")])
    deal = crm.deals.create(
        pipeline_id=pipeline.id,
        title="Gold",
        value=Money("900", "EUR"),
        contact_id=besa.id,
        owner="mira",
        created_at=T0,
    )
    crm.deals.move(deal.id, "Qualified", at=T0 + timedelta(days=1))
    crm.deals.win(deal.id, at=T0 + timedelta(days=3))
    crm.funnel(pipeline.id)
    crm.users.add("mira", team="desk")
    task = crm.tasks.create("Send the contract", assignee="mira", contact_id=besa.id)
    crm.tasks.complete(task.id, by="mira")
    crm.tasks.overdue(now=T0 + timedelta(days=30))
    crm.interactions.log_many(
        {"contact_id": besa.id, "channel": "web", "summary": f"Visit {n}"} for n in range(5)
    )
    crm.transactions.add(
        besa.id, kind="purchase", amount=Money("49.90", "EUR"), occurred_at=T0 - timedelta(days=180)
    )
    crm.transactions.add_many(
        {
            "contact_id": besa.id,
            "kind": "purchase",
            "amount": Money("49.90", "EUR"),
            "occurred_at": T0 - timedelta(days=90 * n),
        }
        for n in range(2)
    )
    with warnings.catch_warnings():  # one buyer's ledger: the fit degenerates, as it should
        warnings.simplefilter("ignore", ConvergenceWarning)
        crm.clv(as_of=T0 + timedelta(days=10))
    crm.import_contacts(
        [{"first_name": f"Walk-in {n}", "email": f"w{n}@example.al"} for n in range(20)]
    )
    crm.automation.run(date(2026, 11, 20), rules=[BirthdayGreeting(), PurchaseAnniversary()])
    crm.outbox.ack(m.id for m in crm.outbox.pending())
    crm.find_duplicates()
    crm.review_queue()
    crm.contacts.erase(crm.contacts.find(email="w3@example.al").id)  # type: ignore[union-attr]


def _task_counts(plan: Any) -> list[int]:
    """Every ``Task Count`` in an ``EXPLAIN (FORMAT JSON)`` plan, subplans included."""
    if isinstance(plan, dict):
        own = [int(plan["Task Count"])] if "Task Count" in plan else []
        return own + [n for value in plan.values() for n in _task_counts(value)]
    if isinstance(plan, list):
        return [n for value in plan for n in _task_counts(value)]
    return []


def test_a_day_of_work_for_one_workspace_sends_only_single_shard_queries(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement crmkit sends is captured at the driver (psycopg's cursor) and
    EXPLAINed on the coordinator: a query Citus routes to one shard plans ``Task Count: 1``
    (0 when no shard can match); a multi-shard query plans one task per shard (2 here).
    COPY (the bulk paths) cannot be EXPLAINed: its rows are the unit's one workspace."""
    CRM(storage=storage, workspace="other").record(channel="phone", phone="+35569000111")
    sent: dict[str, Any] = {}
    copied: list[str] = []
    execute, executemany, copy = (
        psycopg.Cursor.execute,
        psycopg.Cursor.executemany,
        psycopg.Cursor.copy,
    )

    def record_execute(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kw: Any) -> Any:
        sent.setdefault(_text(query), params)
        return execute(self, query, params, **kw)

    def record_executemany(self: psycopg.Cursor[Any], query: Any, rows: Any, **kw: Any) -> Any:
        rows = list(rows)
        if rows:
            sent.setdefault(_text(query), rows[0])
        return executemany(self, query, rows, **kw)

    def record_copy(self: psycopg.Cursor[Any], statement: Any, *args: Any, **kw: Any) -> Any:
        copied.append(_text(statement))
        return copy(self, statement, *args, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", record_execute)
    monkeypatch.setattr(psycopg.Cursor, "executemany", record_executemany)
    monkeypatch.setattr(psycopg.Cursor, "copy", record_copy)
    _a_day_of_work(CRM(storage=storage, workspace="acme", default_region="AL"))
    monkeypatch.undo()

    verbs = {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"}
    planned = {q: p for q, p in sent.items() if q.split(None, 1)[0].upper() in verbs}
    assert len(planned) > 100  # the day touched every part of crmkit
    multi_shard = {}
    with psycopg.ClientCursor(
        psycopg.connect(FAST, options=f"-c search_path={storage.schema}")
    ) as cur:
        for query, params in planned.items():
            cur.execute("EXPLAIN (FORMAT JSON) " + cur.mogrify(query, params))
            counts = _task_counts(cur.fetchone()[0])  # type: ignore[index]
            if any(n > 1 for n in counts):
                multi_shard[query] = counts
        cur.connection.rollback()
        cur.connection.close()
    assert multi_shard == {}
    assert copied
    assert all(c.startswith("COPY ") for c in copied)


def _text(query: Any) -> str:
    return query.decode() if isinstance(query, bytes) else str(query)


# -- operations under load -----------------------------------------------------------------


def _writers_during(
    storage: PostgresStorage, operation: Any, *, writers: int = 4, dsn: str = DSN
) -> tuple[list[str], list[str]]:
    """*writers* threads record into workspace ``acme`` (new contacts and their timelines)
    before, during and after ``operation(conn)``; returns (interaction ids written, errors)."""

    def run() -> None:
        options = f"-c search_path={storage.schema}"
        with psycopg.connect(dsn, autocommit=True, options=options) as conn:
            operation(conn)

    crm = CRM(storage=storage, workspace="acme", default_region="AL")
    outcome = writers_during(crm, run, writers=writers)
    return list(outcome.written), list(outcome.errors)


def _acme_placement(conn: psycopg.Connection[Any]) -> tuple[int, str, int]:
    row = conn.execute(
        "SELECT shardid, nodename, nodeport FROM citus_shards WHERE table_name = "
        "'contacts'::regclass AND shardid = get_shard_id_for_distribution_column("
        "'contacts', 'acme')"
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), int(row[2])


def _interaction_ids(storage: PostgresStorage) -> list[str]:
    with storage.unit_of_work("acme", read_only=True) as uow:
        rows = uow.session.fetchall("SELECT id FROM interactions WHERE workspace = ?", ("acme",))
    return sorted(r[0] for r in rows)


def test_moving_a_workspace_to_another_worker_under_writers_loses_nothing(
    storage: PostgresStorage,
) -> None:
    """What a rebalance does to each shard group, while four writers keep recording."""
    moved: list[tuple[str, int]] = []

    def move(conn: psycopg.Connection[Any]) -> None:
        shard, host, port = _acme_placement(conn)
        target = conn.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE groupid > 0 AND isactive "
            "AND nodeport <> %s ORDER BY nodeport LIMIT 1",
            (port,),
        ).fetchone()
        assert target is not None
        conn.execute(
            "SELECT citus_move_shard_placement(%s, %s, %s, %s, %s, "
            "shard_transfer_mode => 'block_writes')",
            (shard, host, port, target[0], target[1]),
        )
        moved.append((_acme_placement(conn)[1], _acme_placement(conn)[2]))
        assert moved[0] == (target[0], target[1])

    written, errors = _writers_during(storage, move)
    assert errors == []
    assert moved
    assert _interaction_ids(storage) == sorted(written)


def test_isolating_a_workspace_to_its_own_shard_under_writers_loses_nothing(
    storage: PostgresStorage,
) -> None:
    CRM(storage=storage, workspace="other").record(channel="phone", phone="+35569000111")
    isolated: list[int] = []

    def isolate(conn: psycopg.Connection[Any]) -> None:
        row = conn.execute(
            "SELECT isolate_tenant_to_new_shard('contacts', 'acme', 'CASCADE', "
            "shard_transfer_mode => 'block_writes')"
        ).fetchone()
        assert row is not None
        isolated.extend((int(row[0]), _acme_placement(conn)[0]))

    written, errors = _writers_during(storage, isolate)
    assert errors == []
    assert len(isolated) == 2
    assert isolated[0] == isolated[1]  # acme's rows now live in the new shard
    assert _interaction_ids(storage) == sorted(written)


def _workspace_on_another_worker(conn: psycopg.Connection[Any], port: int) -> str:
    for n in range(200):
        row = conn.execute(
            "SELECT nodeport FROM citus_shards WHERE table_name = 'contacts'::regclass "
            "AND shardid = get_shard_id_for_distribution_column('contacts', %s::text)",
            (f"w{n}",),
        ).fetchone()
        if row is not None and int(row[0]) != port:
            return f"w{n}"
    raise AssertionError("every workspace hashes to one worker")


def test_a_worker_down_fails_its_workspaces_cleanly_and_the_others_go_on(
    storage: PostgresStorage,
) -> None:
    """The worker is made unreachable by pointing Citus's node entry at a closed port."""
    acme = CRM(storage=storage, workspace="acme", default_region="AL")
    before = acme.record(channel="phone", phone="+355691110000", summary="before")
    options = f"-c search_path={storage.schema}"
    with psycopg.connect(DSN, autocommit=True, options=options) as conn:
        _, host, port = _acme_placement(conn)
        other = CRM(storage=storage, workspace=_workspace_on_another_worker(conn, port))
        node = conn.execute(
            "SELECT nodeid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (host, port)
        ).fetchone()
        assert node is not None
        conn.execute("SELECT citus_update_node(%s::int, '127.0.0.1', 1)", (node[0],))
        try:
            with pytest.raises(StorageUnavailableError):
                acme.record(channel="phone", phone="+355691110000", summary="while down")
            other.record(channel="email", email="still@example.al", summary="goes on")
        finally:
            conn.execute(
                "SELECT citus_update_node(%s::int, %s::text, %s::int)", (node[0], host, port)
            )
            conn.execute("SELECT start_metadata_sync_to_all_nodes()")
    assert [i.id for i in acme.timeline(before.contact_id)] == [before.id]


# -- a new worker ---------------------------------------------------------------------------


@pytest.fixture
def cluster_with_spare() -> Iterator[tuple[str, int]]:
    """A database of its own on the cluster (``tools/citus-cluster.sh createdb``: the two
    workers registered, the spare node at the coordinator's port + 3 not); yields (DSN with
    six shards per table, the spare's port). Adding the spare to this database's cluster
    leaves the shared test database alone."""
    with own_cluster_database(DSN, "crmkit_rebalance", options="-c citus.shard_count=6") as own:
        yield own


def _workers_holding_contacts(conn: psycopg.Connection[Any]) -> set[int]:
    rows = conn.execute(
        "SELECT DISTINCT nodeport FROM citus_shards WHERE table_name = 'crmkit.contacts'::regclass"
    ).fetchall()
    return {int(r[0]) for r in rows}


def test_adding_a_worker_and_rebalancing_under_eight_writers_loses_nothing(
    cluster_with_spare: tuple[str, int],
) -> None:
    """The operator's runbook (docs/postgres.md): add the node, start the rebalancer, wait;
    eight writers keep recording throughout and none of their calls fails."""
    dsn, spare = cluster_with_spare
    distribute(dsn, schema="crmkit")
    storage = PostgresStorage(dsn, schema="crmkit", pool_size=8)
    try:
        for n in range(30):  # other workspaces, so that the shard groups have rows to move
            CRM(storage=storage, workspace=f"w{n}").record(channel="email", email=f"{n}@x.al")
        with psycopg.connect(dsn, autocommit=True) as conn:
            before = _workers_holding_contacts(conn)
        moved: list[set[int]] = []

        def add_and_rebalance(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SELECT citus_add_node('127.0.0.1', %s)", (spare,))
            conn.execute("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')")
            conn.execute("SELECT citus_rebalance_wait()")
            moved.append(_workers_holding_contacts(conn))

        written, errors = _writers_during(storage, add_and_rebalance, writers=8, dsn=dsn)
        assert errors == []
        assert spare not in before
        assert len(moved) == 1
        assert spare in moved[0]  # the new worker holds shards now
        assert _interaction_ids(storage) == sorted(written)
        for n in range(30):
            assert CRM(storage=storage, workspace=f"w{n}").contacts.find(email=f"{n}@x.al")
    finally:
        storage.close()
