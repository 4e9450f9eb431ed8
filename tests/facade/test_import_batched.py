"""The import a batch at a time gives what the row-by-row import gives, row for row.

Both paths run on the same rows in twin storages (memory, SQLite and, when
``CRMKIT_TEST_POSTGRES_DSN`` is set, PostgreSQL): the reports, the stored contacts, the
review items and the fingerprints must agree once contact and review ids (random, but made
in the same order by both) are replaced by their rank.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmkit._api.importing as importing
from crmkit import CRM
from crmkit.errors import ValidationError
from crmkit.importing import parse_row, row_fingerprint
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.storage.protocols import Storage

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")

NAMES = ["Besa Kola", "Besa Kolla", "Беса Кола", "Ivan Petrov", "Иван Петров", "Arta Hoxha"]
# Invalid values are one in eight: enough errors, and most rows still get written.
EMAILS = ["besa@example.al", "ivan@example.bg", "arta@example.al", "gone@example.al"] * 2
EMAILS += ["bad@"]
PHONES = ["+355 69 123 4567", "+359 888 123 456", "069 555 1234", "+355 68 000 1111"] * 2
PHONES += ["12"]
CITIES = ["Tiranë", "Sofia", "Durrës"]

ROW = st.fixed_dictionaries(
    {},
    optional={
        "full_name": st.sampled_from(NAMES),
        "email": st.sampled_from(EMAILS),
        "phone": st.sampled_from(PHONES),
        "instagram": st.sampled_from(["besa.k", "ivan_p"]),
        "external_id": st.sampled_from([1, 2]),
        "city": st.sampled_from(CITIES),
        "tags": st.sampled_from(["vip", "b2b, vip"]),
        "company": st.sampled_from(["Alfa", "Beta"]),
    },
)
OPTIONS = st.fixed_dictionaries(
    {
        "batch_size": st.sampled_from([1, 2, 3, 7, 5000]),
        "match_on": st.sampled_from([("email", "phone", "handle", "external_id"), ("email",)]),
    },
    optional={"dry_run": st.just(True), "all_or_nothing": st.just(True)},
)


def _seed(crm: CRM) -> None:
    """Known people, one of them erased (their email is suppressed)."""
    crm.contacts.create(name="Besa Kola", emails=["besa@example.al"], city="Tiranë")
    crm.contacts.create(name="Ivan Petrov", phones=["+359888123456"])
    crm.contacts.create(name="Arta Hoxha", phones=["+355695551234"])
    gone = crm.contacts.create(name="Drita Gone", emails=["gone@example.al"])
    crm.contacts.erase(gone.id)


@contextmanager
def _memory() -> Iterator[Storage]:
    yield MemoryStorage()


def _sqlite(tmp: Path) -> Callable[[], Any]:
    @contextmanager
    def make() -> Iterator[Storage]:
        yield SQLiteStorage(tmp / f"{uuid.uuid4().hex}.sqlite")

    return make


def _minimal() -> Callable[[], Any]:
    """The third-party backend of tests/storage, which offers none of the fast paths."""
    path = Path(__file__).parents[1] / "storage" / "test_minimal_backend.py"
    spec = importlib.util.spec_from_file_location("_minimal_backend", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    @contextmanager
    def make() -> Iterator[Storage]:
        yield module.make_storage()

    return make


@contextmanager
def _postgres() -> Iterator[Storage]:
    from crmkit.storage.postgres import PostgresStorage

    storage = PostgresStorage(DSN, schema=f"crmkit_test_{uuid.uuid4().hex[:16]}")
    try:
        yield storage
    finally:
        storage.drop_schema()


class _Ranks:
    """Ids replaced by their rank among the ids of their kind (made in the same order)."""

    def __init__(self, contacts: list[str], reviews: list[str]) -> None:
        self.names = {cid: f"c{n}" for n, cid in enumerate(sorted(set(contacts)))}
        self.names |= {rid: f"r{n}" for n, rid in enumerate(sorted(set(reviews)))}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            for old, new in self.names.items():
                value = value.replace(old, new)
            return value
        if isinstance(value, tuple | list):
            return type(value)(self(v) for v in value)
        if isinstance(value, frozenset | set):
            return sorted(self(v) for v in value)
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        return value


def _fingerprints(rows: list[dict[str, Any]]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for index, raw in enumerate(rows):
        try:
            row = parse_row(raw, index, default_region="AL")
        except ValidationError:
            continue
        content = row_fingerprint(row)
        out.append(row_fingerprint(row, seen[content]) if seen[content] else content)
        seen[content] += 1
    return out


def _run(make: Callable[[], Any], runs: list[tuple[list[dict[str, Any]], dict[str, Any]]]) -> Any:
    """Seed a fresh storage, import each ``(rows, options)`` in turn; everything to compare."""
    with make() as storage, CRM(storage=storage, default_region="AL", clock=lambda: T0) as crm:
        _seed(crm)
        reports = []
        for rows, options in runs:
            try:
                reports.append(crm.import_contacts(rows, **options))
            except Exception as exc:  # all_or_nothing: the error, not its random ids
                reports.append(type(exc).__name__)
        with crm._ctx.read() as uow:
            contacts = sorted(uow.contacts.iter_all(), key=lambda c: c.id)
            reviews = uow.reviews.select()
            prints = {
                fp: uow.import_rows.find(fp) for rows, _ in runs for fp in _fingerprints(rows)
            }
        told = [row for r in reports if not isinstance(r, str) for row in r.rows]
        rank = _Ranks(
            [c.id for c in contacts] + [r.contact_id for r in told if r.contact_id],
            [r.id for r in reviews] + [r.review_id for r in told if r.review_id],
        )
        return rank(
            {
                "reports": [r if isinstance(r, str) else attrs.asdict(r) for r in reports],
                "contacts": [attrs.asdict(c) for c in contacts],
                "reviews": sorted(
                    (attrs.asdict(r) for r in reviews), key=lambda r: r["contact_id"]
                ),
                "fingerprints": prints,
            }
        )


def _both(make: Callable[[], Any], runs: list[tuple[list[dict[str, Any]], dict[str, Any]]]) -> None:
    batched = _run(make, runs)
    importing.ROW_BY_ROW = True
    try:
        by_row = _run(make, runs)
    finally:
        importing.ROW_BY_ROW = False
    assert batched == by_row


MINIMAL = _minimal()
RUNS = st.lists(st.tuples(st.lists(ROW, max_size=14), OPTIONS), min_size=1, max_size=3)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=RUNS)
def test_batched_import_agrees_with_row_by_row_in_memory(runs: Any) -> None:
    _both(_memory, runs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=RUNS)
def test_batched_import_agrees_with_row_by_row_without_fast_paths(runs: Any) -> None:
    _both(MINIMAL, runs)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(runs=RUNS)
def test_batched_import_agrees_with_row_by_row_on_sqlite(tmp_path: Path, runs: Any) -> None:
    _both(_sqlite(tmp_path), runs)


@pytest.mark.postgres
@pytest.mark.skipif(not DSN, reason="CRMKIT_TEST_POSTGRES_DSN is not set")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=RUNS)
def test_batched_import_agrees_with_row_by_row_on_postgres(runs: Any) -> None:
    _both(_postgres, runs)


def test_a_later_row_of_a_batch_updates_the_contact_an_earlier_one_created(crm: CRM) -> None:
    rows = [
        {"full_name": "Besa Kola", "email": "besa@example.al"},
        {"email": "BESA@example.al", "phone": "069 123 4567", "city": "Tiranë"},
    ]
    report = crm.import_contacts(rows)
    assert [r.action for r in report.rows] == ["created", "updated"]
    assert report.rows[0].contact_id == report.rows[1].contact_id
    besa = crm.contacts.get(report.rows[0].contact_id or "")
    assert (besa.phones, besa.city, besa.version) == (("+355691234567",), "Tiranë", 2)


def test_the_review_of_a_later_contact_sees_one_created_earlier_in_the_batch(crm: CRM) -> None:
    rows = [
        {"full_name": "Besa Kola", "email": "besa@example.al"},
        {"full_name": "Беса Кола", "phone": "069 123 4567"},
    ]
    report = crm.import_contacts(rows)
    assert [r.action for r in report.rows] == ["created", "created"]
    assert report.rows[0].review_id is None
    assert report.rows[1].review_id is not None
    [item] = crm.review_queue()
    assert (item.id, item.candidate_ids) == (report.rows[1].review_id, (report.rows[0].contact_id,))
