"""Random chains of merges, unmerges (in any order) and messages, against a plain model.

The model: each original contact is held by itself, or by the contact it was merged into
(transitively). Undoing a merge whose survivor was merged since is refused, naming the later
merges to undo first. Its email, its Instagram handle, the interaction logged on it at the start
and every message recorded through its identities must be on its holder after every step.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from crmkit import CRM
from crmkit.errors import UnmergeOrderError

_N = 5


class MergeChainMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.crm = CRM()
        self.ids = [
            self.crm.contacts.create(
                name=f"P{n}", emails=[f"p{n}@example.al"], handles={"instagram": f"p{n}"}
            ).id
            for n in range(_N)
        ]
        self.absorbed_by: dict[int, int] = {}
        self.merges: dict[int, str] = {}  # merged contact -> merge id
        self.origin: dict[str, int] = {}  # interaction id -> original contact it belongs to
        for n, contact_id in enumerate(self.ids):
            self.origin[self.crm.interactions.log(contact_id, channel="email").id] = n

    def _holder(self, n: int) -> int:
        while n in self.absorbed_by:
            n = self.absorbed_by[n]
        return n

    def _alive(self) -> list[int]:
        return [n for n in range(_N) if n not in self.absorbed_by]

    @precondition(lambda self: len(self._alive()) > 1)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        survivor = data.draw(st.sampled_from(self._alive()))
        other = data.draw(st.sampled_from([n for n in self._alive() if n != survivor]))
        merge_id = self.crm.merge(self.ids[survivor], self.ids[other]).merge_id
        assert merge_id is not None
        self.absorbed_by[other] = survivor
        self.merges[other] = merge_id

    @precondition(lambda self: any(s not in self.absorbed_by for s in self.absorbed_by.values()))
    @rule(data=st.data())
    def unmerge(self, data: st.DataObject) -> None:
        # Any merge whose survivor still exists, not only the latest one.
        undoable = sorted(o for o, s in self.absorbed_by.items() if s not in self.absorbed_by)
        other = data.draw(st.sampled_from(undoable))
        self.crm.unmerge(self.merges.pop(other))
        del self.absorbed_by[other]

    @precondition(lambda self: any(s in self.absorbed_by for s in self.absorbed_by.values()))
    @rule(data=st.data())
    def unmerge_too_early(self, data: st.DataObject) -> None:
        # A merge whose survivor was merged since is refused, naming what to undo first.
        blocked = sorted(o for o, s in self.absorbed_by.items() if s in self.absorbed_by)
        other = data.draw(st.sampled_from(blocked))
        takers, n = [], self.absorbed_by[other]
        while n in self.absorbed_by:
            takers.append(self.merges[n])
            n = self.absorbed_by[n]
        with pytest.raises(UnmergeOrderError) as caught:
            self.crm.unmerge(self.merges[other])
        assert caught.value.undo_first == tuple(reversed(takers))

    @rule(n=st.integers(0, _N - 1), by_handle=st.booleans())
    def message(self, n: int, by_handle: bool) -> None:
        identity = (
            {"handle": ("instagram", f"p{n}")} if by_handle else {"email": f"p{n}@example.al"}
        )
        self.origin[self.crm.record(channel="email", **identity).id] = n

    @invariant()
    def everything_is_on_its_holder(self) -> None:
        for n in range(_N):
            holder = self.ids[self._holder(n)]
            by_email = self.crm.contacts.find(email=f"p{n}@example.al")
            by_handle = self.crm.contacts.find(handle=("instagram", f"p{n}"))
            assert by_email is not None
            assert by_handle is not None
            assert (by_email.id, by_handle.id) == (holder, holder)
        assert self.crm.contacts.count() == len(self._alive())
        for interaction_id, n in self.origin.items():
            held_by = self.crm.interactions.get(interaction_id).contact_id
            assert held_by == self.ids[self._holder(n)]


TestMergeChains = MergeChainMachine.TestCase
TestMergeChains.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
