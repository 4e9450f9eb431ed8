"""What an import batch sees of contacts whose updates it holds back: the blocking keys they
gain and lose are laid over the store's, so each look-up answers as the store would once the
updates are written (the batched import's equivalence property rarely reaches a key made
too common to look up by exactly one holder too many)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit._api._import_view import BatchView
from crmkit.contacts import Contact
from crmkit.identity.contact_match import key_limit, match_keys
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.storage.protocols import Storage, add_contacts


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return MemoryStorage() if request.param == "memory" else SQLiteStorage(tmp_path / "v.sqlite")


def test_held_back_updates_answer_as_written_ones(storage: Storage) -> None:
    # One holder more than a name key's limit: too common, until an update renames one.
    namesakes = [Contact.new(name="Besa Kola", emails=[f"b{i}@x.al"]) for i in range(13)]
    with storage.unit_of_work("w") as uow:
        add_contacts(uow.contacts, namesakes)
        uow.commit()
    renamed = namesakes[4].changed(name="Ilir Zeqiri", phones=["+355691234567"])
    keys = {k: key_limit(k) for k in match_keys(namesakes[4]) | match_keys(renamed)}
    with storage.unit_of_work("w") as uow:  # the store's answer once the update is written
        uow.contacts.update(renamed)
        written = uow.contacts.match_key_holders(keys)
    common = sorted(match_keys(namesakes[0]))[0]
    assert len(written[common]) == 12  # under the limit now
    with storage.unit_of_work("w") as uow:
        view = BatchView(uow, [], [])
        view.update(namesakes[4], renamed)
        assert view.match_key_holders(keys) == written
        view.flush()
        uow.commit()
    with storage.unit_of_work("w") as uow:
        assert uow.contacts.get(renamed.id) == renamed
        assert uow.contacts.match_key_holders(keys) == written


def test_a_contact_changed_twice_is_written_once_from_its_stored_version(
    storage: Storage,
) -> None:
    stored = Contact.new(name="Arta Hoxha", emails=["arta@x.al"])
    namesake = Contact.new(name="Arta Hoxha", emails=["arta.2@x.al"])
    with storage.unit_of_work("w") as uow:
        add_contacts(uow.contacts, [stored, namesake])
        uow.commit()
    first = stored.changed(phones=["+355691112223"])
    second = first.changed(name="Arta Berisha", emails=["arta@x.al", "arta.h@x.al"])
    keys = {k: key_limit(k) for k in match_keys(stored) | match_keys(second)}
    with storage.unit_of_work("w") as uow:
        view = BatchView(uow, [], [])
        view.update(stored, first)
        view.update(first, second)
        held = view.match_key_holders(keys)
        lost = sorted(match_keys(stored) - match_keys(second))
        assert lost
        assert all(held[k] == [namesake.id] for k in lost)
        assert [c.id for c in view.holders(["email:arta.h@x.al"])["email:arta.h@x.al"]] == [
            stored.id
        ]
        view.flush()
        uow.commit()
    with storage.unit_of_work("w") as uow:
        assert uow.contacts.get(stored.id) == second
        assert uow.contacts.match_key_holders(keys) == held
        assert [c.id for c in uow.contacts.find_by_identity("email:arta.h@x.al")] == [stored.id]


def test_contacts_an_earlier_batch_saw_are_reused_only_at_the_stored_version(
    storage: Storage,
) -> None:
    kept, changed, gone = (Contact.new(name=n) for n in ("Besa Kola", "Ilir Zeqiri", "Drita"))
    with storage.unit_of_work("w") as uow:
        add_contacts(uow.contacts, [kept, changed, gone])
        uow.commit()
    with storage.unit_of_work("w") as uow:  # another writer, between two batches
        uow.contacts.update(changed.changed(city="Durrës"))
        uow.contacts.remove(gone.id)
        uow.commit()
    known = {c.id: c for c in (kept, changed, gone)}  # as the earlier batch left them
    with storage.unit_of_work("w") as uow:
        view = BatchView(uow, [], [], known)
        found = {c.id: c for c in view.find_many(known)}
    assert found[kept.id] is kept
    assert found[changed.id] == changed.changed(city="Durrës", now=found[changed.id].updated_at)
    assert found[changed.id].version == 2
    assert gone.id not in found
