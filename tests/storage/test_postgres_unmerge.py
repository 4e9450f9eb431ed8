"""An unmerge on PostgreSQL racing a message recorded through the merged contact's phone.

The contract's thread test (``test_unmerge_succeeds_while_messages_arrive_for_the_pair``)
throws messages at the pair while the unmerge runs; these two stop the message at each
dangerous moment with events, so each ordering is tested every time:

* the message found the survivor by the phone, then the unmerge gave the phone back and
  committed: writing the message must notice and go to the merged contact;
* the message is written (not yet committed) to the survivor when the unmerge starts: the
  unmerge must wait for it (its lock on the survivor) and then move it back.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

import crmkit._api.identity.recording
from crmkit import CRM
from crmkit.interactions import Interaction

DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")
pytestmark = pytest.mark.postgres
if not DSN:
    pytest.skip("PostgreSQL tests not run: set CRMKIT_TEST_POSTGRES_DSN", allow_module_level=True)

import psycopg  # noqa: E402 - needs the skip above

from crmkit.storage.postgres import PostgresStorage  # noqa: E402

PHONE = "069 123 4567"


@pytest.fixture
def crm() -> Iterator[CRM]:
    storage = PostgresStorage(DSN, schema=f"crmkit_test_{uuid.uuid4().hex[:16]}")
    yield CRM(storage=storage, default_region="AL")
    storage.drop_schema()


def _merged_pair(crm: CRM) -> tuple[str, str, str]:
    a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
    b = crm.contacts.create(name="Besa K.", phones=[PHONE])
    merge_id = crm.merge(a.id, b.id).merge_id
    assert merge_id is not None
    return a.id, b.id, merge_id


@contextmanager
def _message_paused(
    crm: CRM, monkeypatch: pytest.MonkeyPatch, *, after: str
) -> Iterator[tuple[Future[Interaction], ThreadPoolExecutor, threading.Event]]:
    """Record a message through B's phone in a thread, stopped once
    ``crmkit._api.recording.<after>`` returns; yields (the message to come, a pool for more
    threads, the event that lets it go on)."""
    reached, go = threading.Event(), threading.Event()
    original: Callable[..., Any] = getattr(crmkit._api.identity.recording, after)

    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if not reached.is_set():
            reached.set()
            assert go.wait(timeout=30)
        return result

    monkeypatch.setattr(crmkit._api.identity.recording, after, paused)
    with ThreadPoolExecutor(max_workers=2) as pool:
        sending = pool.submit(crm.record, channel="sms", phone=PHONE, summary="the message")
        assert reached.wait(timeout=30)
        try:
            yield sending, pool, go
        finally:
            go.set()


def _waiting_for_a_lock() -> bool:
    """Whether a session of this database waits for a row lock taken with FOR UPDATE."""
    with psycopg.connect(DSN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'"
        ).fetchone()
    return row is not None and row[0] > 0


def test_a_message_that_found_the_survivor_before_the_unmerge_follows_the_phone_back(
    crm: CRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_id, b_id, merge_id = _merged_pair(crm)
    with _message_paused(crm, monkeypatch, after="resolve_or_create") as (sending, _, go):
        crm.unmerge(merge_id)  # the message found A by the phone but holds no lock yet
        go.set()
        message = sending.result(timeout=30)
    assert message.contact_id == b_id
    assert [i.summary for i in crm.timeline(b_id)] == ["the message"]
    assert crm.timeline(a_id) == []


def test_the_unmerge_waits_for_a_message_being_written_and_moves_it_back(
    crm: CRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_id, b_id, merge_id = _merged_pair(crm)
    with _message_paused(crm, monkeypatch, after="_check_still_held") as (sending, pool, go):
        undoing = pool.submit(crm.unmerge, merge_id)  # the message is written to A, uncommitted
        deadline = time.monotonic() + 30
        while not undoing.done() and not _waiting_for_a_lock():
            assert time.monotonic() < deadline, "the unmerge neither finished nor waited"
            time.sleep(0.01)
        go.set()
        message = sending.result(timeout=30)
        undoing.result(timeout=30)
    assert message.contact_id == a_id  # where it was written; the unmerge moved it since
    assert [i.summary for i in crm.timeline(b_id)] == ["the message"]
    assert crm.timeline(a_id) == []
