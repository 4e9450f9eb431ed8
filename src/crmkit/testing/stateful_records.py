"""A hypothesis state machine that drives a backend's generic record store (``uow.records``)
next to a plain-dict model: adds, versioned updates, unique keys, removals, moves between
contacts, erasures and rolled-back units of work, checking every look-up after each step."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from crmkit.contacts import Contact
from crmkit.errors import (
    AlreadyExistsError,
    RecordNotFoundError,
    StaleVersionError,
    UniqueKeyError,
)
from crmkit.storage.protocols import Storage
from crmkit.storage.records import StoredRecord

__all__ = ["RecordStoreMachine"]

KINDS = ("ticket", "coupon")
IDS = tuple(f"r-{i}" for i in range(6))
VALUES = ("a", "b", "c", "ž", "я")  # non-ASCII values compare the same way everywhere

Key = tuple[str, str]  # (kind, id)


def _keys() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(("code", "status", "due")), st.sampled_from(VALUES))


class RecordStoreMachine(RuleBasedStateMachine):
    """Subclass via :meth:`for_backend`; ``make_storage`` builds a fresh, empty backend."""

    make_storage: ClassVar[Callable[[], Storage]]
    workspace = "stateful-records"

    def __init__(self) -> None:
        super().__init__()
        self.storage = type(self).make_storage()
        self.contacts = [Contact.new(name="Besa Kola").id, Contact.new(name="Ivan Petrov").id]
        with self.storage.unit_of_work(self.workspace) as uow:
            for cid, name in zip(self.contacts, ("Besa Kola", "Ivan Petrov"), strict=True):
                uow.contacts.add(attrs.evolve(Contact.new(name=name), id=cid))
            uow.commit()
        self.model: dict[Key, StoredRecord] = {}

    @classmethod
    def for_backend(cls, factory: Callable[[], Storage]) -> type[RecordStoreMachine]:
        return type(f"{cls.__name__}For", (cls,), {"make_storage": staticmethod(factory)})

    def teardown(self) -> None:
        self.storage.close()

    def _taken(self, record: StoredRecord) -> bool:
        code = record.keys.get("code")
        return code is not None and any(
            r.keys.get("code") == code and r.id != record.id
            for (kind, _), r in self.model.items()
            if kind == record.kind
        )

    def _contact(self, pick: int | None) -> str | None:
        return None if pick is None else self.contacts[pick]

    @rule(
        kind=st.sampled_from(KINDS),
        rid=st.sampled_from(IDS),
        who=st.none() | st.integers(0, 1),
        keys=_keys(),
        n=st.integers(0, 9),
    )
    def add(self, kind: str, rid: str, who: int | None, keys: dict[str, str], n: int) -> None:
        record = StoredRecord(kind, rid, self._contact(who), 1, {"n": n}, keys, {"code"})
        exists, taken = (kind, rid) in self.model, self._taken(record)
        try:
            with self.storage.unit_of_work(self.workspace) as uow:
                uow.records.add(record)
                uow.commit()
        except UniqueKeyError:
            assert taken
            assert not exists
        except AlreadyExistsError:
            assert exists
        else:
            assert not exists
            assert not taken
            self.model[kind, rid] = record

    @rule(
        kind=st.sampled_from(KINDS),
        rid=st.sampled_from(IDS),
        keys=_keys(),
        skew=st.sampled_from((0, 0, 0, 1)),
    )
    def update(self, kind: str, rid: str, keys: dict[str, str], skew: int) -> None:
        old = self.model.get((kind, rid))
        version = (old.version if old else 0) + 1 + skew
        record = StoredRecord(
            kind, rid, old.contact_id if old else None, version, {}, keys, {"code"}
        )
        try:
            with self.storage.unit_of_work(self.workspace) as uow:
                uow.records.update(record)
                uow.commit()
        except RecordNotFoundError:
            assert old is None
        except StaleVersionError:
            assert skew
        except UniqueKeyError:
            assert self._taken(record)
            assert not skew
        else:
            assert old is not None
            assert not skew
            assert not self._taken(record)
            self.model[kind, rid] = record

    @rule(kind=st.sampled_from(KINDS), rid=st.sampled_from(IDS))
    def remove(self, kind: str, rid: str) -> None:
        try:
            with self.storage.unit_of_work(self.workspace) as uow:
                uow.records.remove(kind, rid)
                uow.commit()
        except RecordNotFoundError:
            assert (kind, rid) not in self.model
        else:
            del self.model[kind, rid]

    @rule(kind=st.sampled_from(KINDS), src=st.integers(0, 1), erase=st.booleans())
    def move_or_erase(self, kind: str, src: int, erase: bool) -> None:
        from_id, to_id = self.contacts[src], self.contacts[1 - src]
        held = sorted(
            r.id for (k, _), r in self.model.items() if k == kind and r.contact_id == from_id
        )
        with self.storage.unit_of_work(self.workspace) as uow:
            if erase:
                assert uow.records.erase_contact(kind, from_id) == len(held)
            else:
                assert uow.records.reassign_contact(kind, from_id, to_id) == held
                uow.records.assign_contact(kind, held[:1], from_id)  # one goes back, as in unmerge
            uow.commit()
        for i, rid in enumerate(held):
            if erase:
                del self.model[kind, rid]
            else:
                self.model[kind, rid] = attrs.evolve(
                    self.model[kind, rid], contact_id=from_id if i == 0 else to_id
                )

    @rule(kind=st.sampled_from(KINDS), rid=st.sampled_from(IDS), keys=_keys())
    def rolled_back(self, kind: str, rid: str, keys: dict[str, str]) -> None:
        with self.storage.unit_of_work(self.workspace) as uow:
            if (kind, rid) in self.model:
                uow.records.remove(kind, rid)
            else:
                uow.records.add(StoredRecord(kind, rid, None, 1, {}, keys))
            # no commit: nothing may stay

    @invariant()
    def look_ups_agree(self) -> None:
        with self.storage.unit_of_work(self.workspace, read_only=True) as uow:
            for kind in KINDS:
                mine = sorted(
                    (r for (k, _), r in self.model.items() if k == kind), key=lambda r: r.id
                )
                assert uow.records.select(kind) == mine
                for name in ("code", "status", "due"):
                    for value in VALUES:
                        hits = [r for r in mine if r.keys.get(name) == value]
                        assert uow.records.select(kind, name, equals=value) == hits
                    low, high = VALUES[1], VALUES[3]
                    ranged = [r for r in mine if low <= r.keys.get(name, "") <= high]
                    ranged.sort(key=lambda r: (r.keys[name], r.id))
                    assert uow.records.select(kind, name, at_least=low, at_most=high) == ranged
                    assert uow.records.count(kind, name, at_least=low, at_most=high) == len(ranged)
                for cid in self.contacts:
                    assert uow.records.for_contact(kind, cid) == [
                        r for r in mine if r.contact_id == cid
                    ]
