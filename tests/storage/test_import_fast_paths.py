"""The optional fast paths the batched import uses answer as the required verbs would: the
helpers of ``crmkit.storage.protocols`` take a backend's fast path where it has one (SQLite,
PostgreSQL when its DSN is set) and the fallback otherwise (memory, for all but the capped
key holders)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmkit.contacts import Contact
from crmkit.errors import DuplicateContactError, StaleVersionError
from crmkit.identity.contact_match import key_limit, match_keys
from crmkit.segments import tag
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.storage.protocols import (
    Storage,
    add_contacts,
    find_fingerprints,
    put_fingerprints,
)

DSN = os.environ.get("CRMKIT_TEST_POSTGRES_DSN", "")
BACKENDS = ["memory", "sqlite", *(["postgres"] if DSN else [])]


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
    elif request.param == "sqlite":
        yield SQLiteStorage(tmp_path / "s.sqlite")
    else:
        from crmkit.storage.postgres import PostgresStorage

        pg = PostgresStorage(DSN, schema=f"crmkit_test_{uuid.uuid4().hex[:16]}")
        yield pg
        pg.drop_schema()


def _people(n: int, name: str) -> list[Contact]:
    return [Contact.new(name=name, emails=[f"p{i}.{uuid.uuid4().hex[:6]}@x.al"]) for i in range(n)]


def test_capped_holders_tell_nobody_from_too_many(storage: Storage) -> None:
    common = _people(20, "Besa Kola")  # more than a name key's limit
    rare = _people(2, "Ilir Zeqiri")
    with storage.unit_of_work("w") as uow:
        for c in common + rare:
            uow.contacts.add(c)
        uow.commit()
    common_key = sorted(match_keys(common[0]))[0]
    rare_key = sorted(match_keys(rare[0]))[0]
    assert key_limit(common_key) < 20
    keys = {common_key: key_limit(common_key), rare_key: key_limit(rare_key), "n:zz|zz": 12}
    with storage.unit_of_work("w") as uow:
        capped = uow.contacts.match_key_holders_capped(keys)  # type: ignore[attr-defined]
        plain = uow.contacts.match_key_holders(keys)
    assert capped == {common_key: [], rare_key: sorted(c.id for c in rare)}
    assert plain == {rare_key: capped[rare_key]}


def test_add_many_checks_identities_in_order(storage: Storage) -> None:
    first, second = _people(2, "Arta Hoxha")
    twin = Contact.new(name="Arta H.", emails=list(first.emails))
    with storage.unit_of_work("w") as uow:
        add_contacts(uow.contacts, [first, second])
        uow.commit()
    with storage.unit_of_work("w") as uow, pytest.raises(DuplicateContactError) as err:
        add_contacts(uow.contacts, [twin])
    assert err.value.contact_id == first.id
    with storage.unit_of_work("w") as uow:
        assert uow.contacts.count() == 2
        assert [c.id for c in uow.contacts.find_by_identity(f"email:{first.emails[0]}")] == [
            first.id
        ]


def test_fingerprints_are_read_and_written_many_at_once(storage: Storage) -> None:
    a, b = _people(2, "Drita Leka")
    with storage.unit_of_work("w") as uow:
        add_contacts(uow.contacts, [a, b])
        put_fingerprints(uow.import_rows, {"f1": a.id, "f2": a.id})
        put_fingerprints(uow.import_rows, {"f2": b.id})
        uow.commit()
    with storage.unit_of_work("w") as uow:
        found = find_fingerprints(uow.import_rows, ["f1", "f2", "f3"])
        assert found == {"f1": a.id, "f2": b.id}
        assert (uow.import_rows.find("f2"), uow.import_rows.find("f3")) == (b.id, None)


def _stored(storage: Storage, contacts: list[Contact]) -> None:
    with storage.unit_of_work("w") as uow:
        add_contacts(uow.contacts, contacts)
        uow.commit()


def test_update_many_writes_versions_several_on_with_their_indexes(storage: Storage) -> None:
    a, b = _people(2, "Drita Leka")
    _stored(storage, [a, b])
    a2 = a.changed(emails=[*a.emails, "drita.new@x.al"], tags={"vip"})
    a3 = a2.changed(name="Drita Lekaj", phones=["+355691234567"])  # a batch changed it twice
    b2 = b.changed(emails=["drita.b@x.al"], city="Tiranë")  # drops its first email
    with storage.unit_of_work("w") as uow:
        uow.contacts.update_many([(a, a3), (b, b2)])  # type: ignore[attr-defined]
        uow.commit()
    with storage.unit_of_work("w") as uow:
        assert uow.contacts.get(a.id) == a3
        assert uow.contacts.get(b.id) == b2
        assert [c.id for c in uow.contacts.find_by_identity("email:drita.new@x.al")] == [a.id]
        assert uow.contacts.find_by_identity(f"email:{b.emails[0]}") == []
        assert [c.id for c in uow.contacts.find_by_identity("email:drita.b@x.al")] == [b.id]
        keys = {k: key_limit(k) for k in match_keys(a3) | match_keys(a)}
        holders = uow.contacts.match_key_holders(keys)
        assert {k for k, ids in holders.items() if a.id in ids} == set(match_keys(a3))
        now = datetime(2027, 1, 1, tzinfo=UTC)
        assert [c.id for c in uow.segment_members(tag("vip"), now=now)] == [a.id]


def test_update_many_refuses_a_stale_version_or_a_taken_identity(storage: Storage) -> None:
    a, b = _people(2, "Arta Hoxha")
    _stored(storage, [a, b])
    a2 = a.changed(city="Durrës")
    with storage.unit_of_work("w") as uow:
        uow.contacts.update(a2)
        uow.commit()
    with storage.unit_of_work("w") as uow, pytest.raises(StaleVersionError):
        uow.contacts.update_many([(a, a.changed(city="Vlorë"))])  # type: ignore[attr-defined]
    taken = b.changed(emails=[*b.emails, a.emails[0]])
    with storage.unit_of_work("w") as uow, pytest.raises(DuplicateContactError) as err:
        uow.contacts.update_many([(b, taken)])  # type: ignore[attr-defined]
    assert err.value.contact_id == a.id
    # Checked in order: an identity one change gives up, a later one may take.
    a3 = a2.changed(emails=["arta.other@x.al"])
    b2 = b.changed(emails=[*b.emails, a.emails[0]])
    with storage.unit_of_work("w") as uow:
        uow.contacts.update_many([(a2, a3), (b, b2)])  # type: ignore[attr-defined]
        uow.commit()
    with storage.unit_of_work("w") as uow:
        assert [c.id for c in uow.contacts.find_by_identity(f"email:{a.emails[0]}")] == [b.id]
        assert uow.contacts.get(a.id) == a3


def test_versions_are_read_without_the_contacts(storage: Storage) -> None:
    a, b = _people(2, "Besa Kola")
    _stored(storage, [a, b])
    with storage.unit_of_work("w") as uow:
        uow.contacts.update(a.changed(city="Tiranë"))
        uow.commit()
    with storage.unit_of_work("w") as uow:
        versions = uow.contacts.versions([a.id, b.id, "nobody"])  # type: ignore[attr-defined]
    assert versions == {a.id: 2, b.id: 1}
