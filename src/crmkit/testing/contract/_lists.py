"""Static lists with membership history, and purposes, on this backend."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.crm import CRM
from crmkit.errors import (
    AlreadyExistsError,
    ContactNotFoundError,
    ListNotFoundError,
    UnknownPurposeError,
    ValidationError,
)
from crmkit.privacy.consent import DEFAULT_PURPOSES
from crmkit.segments import in_list, tag
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["ListsContract"]


class _Clock:
    """A clock the test moves forward by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


# (add?, contact index, minutes to wait first)
_OPS = st.lists(st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 2)), max_size=12)


class ListsContract(ContractBase):
    """A static list is a snapshot: it changes only when somebody changes it."""

    def _crm(self, storage: Storage, clock: _Clock, workspace: str | None = None) -> CRM:
        return CRM(storage=storage, workspace=workspace or self.workspace, clock=clock)

    def test_a_list_from_a_segment_is_a_snapshot(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        ana = crm.contacts.create(name="Ana", tags={"vip"})
        crm.lists.create("VIPs in May", from_segment=tag("vip"), by="arta")
        crm.contacts.create(name="Late VIP", tags={"vip"})
        assert [c.id for c in crm.lists.members("VIPs in May")] == [ana.id]
        got = crm.lists.get("VIPs in May")
        assert (got.name, got.created_by, got.segment) == (
            "VIPs in May",
            "arta",
            tag("vip").to_dict(),
        )

    def test_history_keeps_who_and_when_and_members_can_be_read_as_of(
        self, storage: Storage
    ) -> None:
        clock = _Clock()
        crm = self._crm(storage, clock)
        ana, ivo = crm.contacts.create(name="Ana"), crm.contacts.create(name="Ivo")
        crm.lists.create("Launch", contact_ids=[ana.id], by="arta")
        t_added = clock.tick()
        assert crm.lists.add("Launch", [ivo.id, ana.id], by="mira") == 1
        t_both = clock.tick()
        assert crm.lists.remove("Launch", [ana.id, ana.id], by="mira") == 1
        assert crm.lists.remove("Launch", [ana.id]) == 0
        assert [c.id for c in crm.lists.members("Launch")] == [ivo.id]
        assert crm.lists.member_ids("Launch", as_of=T0) == [ana.id]
        assert crm.lists.member_ids("Launch", as_of=t_added) == [ana.id, ivo.id]
        assert crm.lists.count("Launch", as_of=t_both - timedelta(seconds=1)) == 2
        history = [(h.contact_id, h.added, h.at, h.by) for h in crm.lists.history("Launch")]
        assert history == [
            (ana.id, True, T0, "arta"),
            (ivo.id, True, t_added, "mira"),
            (ana.id, False, t_both, "mira"),
        ]
        assert [h.added for h in crm.lists.history("Launch", contact_id=ana.id)] == [True, False]

    def test_list_names_errors_and_delete(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        ana = crm.contacts.create(name="Ana")
        crm.lists.create("B list")
        crm.lists.create("A list", contact_ids=[ana.id])
        assert crm.lists.list() == ["A list", "B list"]
        with pytest.raises(AlreadyExistsError):
            crm.lists.create("A list")
        with pytest.raises(ListNotFoundError):
            crm.lists.add("No list", [ana.id])
        with pytest.raises(ContactNotFoundError):
            crm.lists.add("B list", [ana.id, "nobody"])
        assert crm.lists.members("B list") == []  # nothing partly written
        with pytest.raises(ContactNotFoundError):
            crm.lists.create("C list", contact_ids=["nobody"])
        assert "C list" not in crm.lists.list()
        crm.lists.delete("A list")
        assert crm.lists.list() == ["B list"]
        with pytest.raises(ListNotFoundError):
            crm.lists.members("A list")

    def test_every_call_reads_a_list_name_as_create_stored_it(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        ana, ivo = crm.contacts.create(name="Ana"), crm.contacts.create(name="Ivo")
        crm.lists.create("  Launch ", contact_ids=[ana.id])
        assert crm.lists.add(" Launch", [ivo.id]) == 1
        assert crm.lists.remove("Launch  ", [ana.id]) == 1
        assert crm.lists.member_ids(" Launch ") == [ivo.id]
        assert [c.id for c in crm.lists.members("Launch ")] == [ivo.id]
        assert crm.lists.get(" Launch").name == "Launch"
        assert len(crm.lists.history(" Launch ")) == 3
        for bad in ("", "   ", 42):
            with pytest.raises(ValidationError) as err:
                crm.lists.members(bad)  # type: ignore[arg-type]
            assert err.value.field == "name"
        crm.lists.delete(" Launch ")
        assert crm.lists.list() == []

    def test_merges_move_memberships_and_unmerge_restores_them(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        b = crm.contacts.create(name="B. Kola", phones=["+355691234567"])
        crm.lists.create("Launch", contact_ids=[b.id])
        m = crm.merge(a.id, b.id)
        assert [c.id for c in crm.lists.members("Launch")] == [a.id]
        crm.unmerge(m.merge_id or "")
        assert [c.id for c in crm.lists.members("Launch")] == [b.id]
        assert [h.contact_id for h in crm.lists.history("Launch")] == [b.id]

    def test_in_list_follows_additions_and_removals(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        ana, ivo = crm.contacts.create(name="Ana"), crm.contacts.create(name="Ivo")
        crm.lists.create("June launch", contact_ids=[ana.id])
        crm.lists.create("june launch", contact_ids=[ivo.id])  # another list: names keep case
        on = in_list("June launch")
        assert [c.id for c in crm.segments.members(on)] == [ana.id]
        crm.lists.add("June launch", [ivo.id])
        assert crm.segments.count(on) == 2
        crm.lists.remove("June launch", [ana.id])
        assert [c.id for c in crm.segments.members(on)] == [ivo.id]
        assert [c.id for c in crm.segments.members(~on)] == [ana.id]

    def test_in_list_of_an_unknown_list_raises_list_not_found(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        crm.contacts.create(name="Ana", tags={"vip"})
        crm.lists.create("June launch")
        for seg in (in_list("No list"), tag("vip") | ~in_list("No list"), in_list("JUNE LAUNCH")):
            with pytest.raises(ListNotFoundError) as err:
                crm.segments.members(seg)
            assert err.value.key in ("No list", "JUNE LAUNCH")
            with pytest.raises(ListNotFoundError):
                crm.segments.count(seg)

    def test_in_list_follows_merges_and_forgets_erased_contacts(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        a = crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])
        b = crm.contacts.create(name="B. Kola", phones=["+355691234567"])
        ivo = crm.contacts.create(name="Ivo")
        crm.lists.create("Launch", contact_ids=[b.id, ivo.id])
        crm.merge(a.id, b.id)
        assert sorted(c.id for c in crm.segments.members(in_list("Launch"))) == sorted(
            [a.id, ivo.id]
        )
        crm.contacts.erase(ivo.id, by="dpo")
        assert [c.id for c in crm.segments.members(in_list("Launch"))] == [a.id]
        assert crm.segments.count(~in_list("Launch")) == 0

    def test_in_list_sees_only_its_own_workspace(self, storage: Storage) -> None:
        clock = _Clock()
        crm = self._crm(storage, clock)
        other = self._crm(storage, clock, workspace=f"{self.workspace}-other")
        ana = crm.contacts.create(name="Ana")
        theirs = other.contacts.create(name="Ana")
        crm.lists.create("Launch", contact_ids=[ana.id])
        with pytest.raises(ListNotFoundError):
            other.segments.members(in_list("Launch"))
        other.lists.create("Launch", contact_ids=[theirs.id])
        assert [c.id for c in crm.segments.members(in_list("Launch"))] == [ana.id]
        assert [c.id for c in other.segments.members(in_list("Launch"))] == [theirs.id]

    def test_a_list_can_be_made_from_and_audience_drawn_from_in_list(
        self, storage: Storage
    ) -> None:
        crm = self._crm(storage, _Clock())
        ana = crm.contacts.create(name="Ana", emails=["ana@example.al"], tags={"vip"})
        ivo = crm.contacts.create(name="Ivo", emails=["ivo@example.al"])
        crm.lists.create("Launch", contact_ids=[ana.id, ivo.id])
        crm.lists.create("Launch VIPs", from_segment=in_list("Launch") & tag("vip"))
        assert crm.lists.member_ids("Launch VIPs") == [ana.id]
        for c in (ana, ivo):
            crm.consent.record(c.id, purpose="marketing_email", channel="email", granted=True)
        reach = crm.audience(in_list("Launch VIPs"), purpose="marketing_email", channel="email")
        assert [m.address for m in reach] == ["ana@example.al"]

    def test_list_audience_needs_consent_and_a_known_purpose(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        ana = crm.contacts.create(name="Ana", emails=["ana@example.al"])
        ivo = crm.contacts.create(name="Ivo", emails=["ivo@example.al"])
        crm.lists.create("Launch", contact_ids=[ana.id, ivo.id])
        crm.consent.record(ana.id, purpose="marketing_email", channel="email", granted=True)
        reach = crm.lists.audience("Launch", purpose="marketing_email", channel="email")
        assert [(m.contact.id, m.address) for m in reach] == [(ana.id, "ana@example.al")]
        with pytest.raises(UnknownPurposeError):
            crm.lists.audience("Launch", purpose="spam", channel="email")

    def test_unknown_purposes_are_refused_and_the_registry_extends(self, storage: Storage) -> None:
        crm = self._crm(storage, _Clock())
        ana = crm.contacts.create(name="Ana", emails=["ana@example.al"])
        with pytest.raises(UnknownPurposeError) as err:
            crm.audience(purpose="loyalty_club", channel="email")
        assert (err.value.field, err.value.value) == ("purpose", "loyalty_club")
        with pytest.raises(UnknownPurposeError):
            crm.consent.record(ana.id, purpose="loyalty_club", granted=True)
        club = CRM(
            storage=storage,
            workspace=self.workspace,
            clock=lambda: T0,
            purposes=DEFAULT_PURPOSES | {"loyalty_club"},
        )
        club.consent.record(ana.id, purpose="loyalty_club", channel="email", granted=True)
        assert [m.address for m in club.audience(purpose="loyalty_club", channel="email")] == [
            "ana@example.al"
        ]

    # Each backend's subclass runs this property (differing executors): every one must hold
    # it for any history, so sharing examples between them is what we want. The storage
    # fixture is shared across examples; each example writes to its own workspace.
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(ops=_OPS)
    def test_members_as_of_any_moment_replay_the_history(
        self, storage: Storage, ops: list[tuple[bool, int, int]]
    ) -> None:
        clock = _Clock()
        crm = self._crm(storage, clock, workspace=f"lists-{uuid.uuid4().hex[:10]}")
        people = [crm.contacts.create(name=f"P{i}").id for i in range(4)]
        crm.lists.create("L")
        model: set[str] = set()
        snapshots = [(clock.now, list[str]())]
        for add, who, wait in ops:
            clock.tick(wait)
            if add:
                crm.lists.add("L", [people[who]])
                model.add(people[who])
            else:
                crm.lists.remove("L", [people[who]])
                model.discard(people[who])
            snapshots.append((clock.now, sorted(model)))
        # The state after the last change at each moment is what as_of reads back.
        final_at: dict[datetime, list[str]] = dict(snapshots)
        for when, expected in final_at.items():
            assert sorted(crm.lists.member_ids("L", as_of=when)) == expected
        assert sorted(c.id for c in crm.lists.members("L")) == sorted(model)
