"""Interactions: timeline order, filters, bulk inserts and reassignment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.errors import (
    ConflictError,
    InteractionNotFoundError,
)
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase, make_contact, make_interaction

__all__ = ["InteractionsContract"]


class InteractionsContract(ContractBase):
    """Interactions: timeline order, filters, bulk inserts and reassignment."""

    # -- interactions ----------------------------------------------------------------------

    def test_timeline_is_newest_first_with_ties_in_reverse_creation_order(
        self, storage: Storage
    ) -> None:
        c = make_contact(name="A")
        self._add(storage, c)
        its = [
            make_interaction(c.id, minutes=m, summary=str(i)) for i, m in enumerate([5, 0, 5, 9])
        ]
        with storage.unit_of_work(self.workspace) as uow:
            for it in its:
                uow.interactions.add(it)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [i.summary for i in uow.interactions.timeline(c.id)] == ["3", "2", "0", "1"]
            assert [i.summary for i in uow.interactions.timeline(c.id, limit=2)] == ["3", "2"]
            assert uow.interactions.get(its[0].id) == its[0]

    def test_timeline_filters_by_channel_direction_person_and_window(
        self, storage: Storage
    ) -> None:
        c = make_contact(name="A")
        self._add(storage, c)
        rows = [
            make_interaction(c.id, 0, channel="instagram", direction="inbound", summary="a"),
            make_interaction(
                c.id, 10, channel="phone", direction="outbound", handled_by="arta", summary="b"
            ),
            make_interaction(
                c.id, 20, channel="phone", direction="inbound", handled_by="mira", summary="c"
            ),
        ]
        with storage.unit_of_work(self.workspace) as uow:
            assert uow.interactions.add_many(rows) == 3
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            tl = uow.interactions.timeline
            assert [i.summary for i in tl(c.id, channel="phone")] == ["c", "b"]
            assert [i.summary for i in tl(c.id, direction="inbound")] == ["c", "a"]
            assert [i.summary for i in tl(c.id, handled_by="arta")] == ["b"]
            window = tl(c.id, since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=20))
            assert [i.summary for i in window] == ["b"]

    def test_unknown_interaction_raises_not_found(self, storage: Storage) -> None:
        with (
            storage.unit_of_work(self.workspace, read_only=True) as uow,
            pytest.raises(InteractionNotFoundError),
        ):
            uow.interactions.get("missing")

    def test_bulk_insert_is_all_or_nothing(self, storage: Storage) -> None:
        c = make_contact(name="A")
        self._add(storage, c)
        dup = make_interaction(c.id, 1)
        with pytest.raises(ConflictError), storage.unit_of_work(self.workspace) as uow:
            uow.interactions.add(dup)
            uow.interactions.add_many([make_interaction(c.id, 2), dup])
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.interactions.count() == 0

    def test_reassigning_records_can_be_undone_exactly(self, storage: Storage) -> None:
        a, b = make_contact(name="A"), make_contact(name="B")
        self._add(storage, a, b)
        mine = [make_interaction(a.id, m) for m in range(3)]
        theirs = [make_interaction(b.id, 10)]
        with storage.unit_of_work(self.workspace) as uow:
            uow.interactions.add_many(mine + theirs)
            moved = uow.interactions.reassign_contact(a.id, b.id)
            uow.commit()
        assert sorted(moved) == sorted(i.id for i in mine)
        with storage.unit_of_work(self.workspace) as uow:
            assert len(uow.interactions.timeline(b.id)) == 4
            uow.interactions.assign_contact(moved, a.id)
            uow.commit()
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert [i.id for i in uow.interactions.timeline(a.id)] == [i.id for i in reversed(mine)]
            assert [i.id for i in uow.interactions.timeline(b.id)] == [theirs[0].id]
