"""Segments evaluated by the backend select exactly what the in-memory evaluator selects.

Random worlds (folded text in Latin with diacritics, Cyrillic and Persian script, custom fields
of every JSON type, missing values, events on the edges of their windows, 29 February
birthdays, static lists whose additions and removals tie in time) are written to the backend,
each in a workspace of its own; random segments over them must give the same members and count
as :func:`crmkit.segments.evaluate` over the same values, or the same error.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.errors import CurrencyMismatchError, ListNotFoundError
from crmkit.funnel.pipeline import Pipeline
from crmkit.segments import (
    Segment,
    SegmentData,
    field,
    purchases,
    rfm_score,
    tag,
)
from crmkit.segments.lists import StaticList, members_at
from crmkit.storage.protocols import Storage, segment_member_ids
from crmkit.testing.contract._base import ContractBase
from crmkit.testing.contract._segment_worlds import (
    BEHAVIOUR_SEGMENTS,
    LIST_SEGMENTS,
    NOWS,
    STAGES,
    next_workspace,
    segment_strategy,
    world_strategy,
)
from crmkit.value.ledger import Transaction
from crmkit.value.rates import RatesTable

__all__ = ["SegmentPushdownContract", "segment_strategy", "world_strategy"]


def _write(storage: Storage, workspace: str, w: dict[str, Any]) -> None:
    with storage.unit_of_work(workspace) as uow:
        for o in w["orgs"]:
            uow.organizations.add(o)
        for c in w["contacts"]:
            uow.contacts.add(c)
        uow.interactions.add_many(w["interactions"])
        uow.transactions.add_many(w["purchases"])
        if w["deals"]:
            for pid in ("p1", "p2"):
                uow.pipelines.add(Pipeline.new(pid, STAGES, id=pid, now=w["now"]))
            for d in w["deals"]:
                uow.deals.add(d)
        for name, changes in w["lists"].items():
            uow.lists.add(StaticList(name, w["now"]))
            uow.lists.add_changes(changes)
        uow.commit()


_ERRORS = (CurrencyMismatchError, ListNotFoundError)


#: Lev to euro, changing inside the worlds' windows (so the day of each purchase matters).
RATES = RatesTable(
    "EUR",
    [("2000-01-01", "BGN", "0.5113"), ("2026-05-01", "BGN", "0.25"), ("2027-06-01", "BGN", "2")],
)


def world_data(w: dict[str, Any], rates: RatesTable | None = None) -> SegmentData:
    """The world as the in-memory evaluator sees it."""
    return SegmentData(
        w["contacts"],
        organizations=w["orgs"],
        interactions=w["interactions"],
        purchases=w["purchases"],
        open_deals=w["deals"],
        lists={name: members_at(changes) for name, changes in w["lists"].items()},
        rates=rates,
    )


def _expected(
    w: dict[str, Any], seg: Segment, rates: RatesTable | None
) -> tuple[str, ...] | type[Exception]:
    data = world_data(w, rates)
    try:
        return tuple(sorted(data.member_ids(seg, now=w["now"])))
    except _ERRORS as exc:
        return type(exc)


def _check(
    storage: Storage,
    world: dict[str, Any],
    segs: list[Segment],
    rates: RatesTable | None = None,
) -> None:
    workspace = next_workspace()
    _write(storage, workspace, world)
    by_id = {c.id: c for c in world["contacts"]}
    now = world["now"]
    extra = {} if rates is None else {"rates": rates}
    with storage.unit_of_work(workspace, read_only=True) as uow:
        for seg in segs:
            expected = _expected(world, seg, rates)
            if not isinstance(expected, tuple):
                with pytest.raises(expected):
                    uow.segment_members(seg, now=now, **extra)
                with pytest.raises(expected):
                    segment_member_ids(uow, seg, now=now, rates=rates)
                continue
            got = uow.segment_members(seg, now=now, **extra)
            assert tuple(sorted(c.id for c in got)) == expected, seg
            # The ids-only fast path (or its fallback) selects the same, in the same order.
            assert segment_member_ids(uow, seg, now=now, rates=rates) == [c.id for c in got]
            assert uow.segment_count(seg, now=now, **extra) == len(got)
            assert all(c == by_id[c.id] for c in got)


class SegmentPushdownContract(ContractBase):
    """``uow.segment_members`` / ``segment_count`` equal the in-memory evaluation."""

    @pytest.mark.parametrize(
        ("kind", "strategy", "examples"),
        [
            ("any", segment_strategy, 100),
            ("behaviour", BEHAVIOUR_SEGMENTS, 60),
            ("lists", LIST_SEGMENTS, 60),
        ],
    )
    def test_backend_segments_equal_the_in_memory_evaluation(
        self, storage: Storage, kind: str, strategy: st.SearchStrategy[Segment], examples: int
    ) -> None:
        # The property is built per call: each backend class runs it on its own storage (one
        # fresh workspace per example), so no example ever sees another's data.
        @settings(
            max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )
        @given(world=world_strategy(), segs=st.lists(strategy, min_size=1, max_size=4))
        def agree(world: dict[str, Any], segs: list[Segment]) -> None:
            _check(storage, world, segs)

        agree()

    def test_backend_segments_with_rates_equal_the_in_memory_evaluation(
        self, storage: Storage
    ) -> None:
        # Totals in euros or leva over purchases in both, and RFM in euros, each purchase at
        # its day's rate: the backend converts exactly as SegmentData(rates=...) does.
        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(world=world_strategy(), segs=st.lists(BEHAVIOUR_SEGMENTS, min_size=1, max_size=4))
        def agree(world: dict[str, Any], segs: list[Segment]) -> None:
            _check(storage, world, segs, RATES)

        agree()

    def test_values_that_look_like_sql_are_only_values(self, storage: Storage) -> None:
        now = NOWS[0]
        odd = ["x' OR '1'='1", "'; DROP TABLE contacts; --", "100%", "_", 'a"b', "\\"]
        contacts = [
            Contact.new(id=f"c{i}", city=t, custom={t: t}, now=now) for i, t in enumerate(odd)
        ]
        self._add(storage, *contacts)
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            for i, t in enumerate(odd):
                for seg in (field("city") == t, field(f"custom.{t}") == t):
                    assert [c.id for c in uow.segment_members(seg, now=now)] == [f"c{i}"]
                contains = [c.id for c in uow.segment_members(field("city").contains(t), now=now)]
                assert contains == sorted(f"c{k}" for k, o in enumerate(odd) if t in o)
            assert uow.contacts.count() == len(odd)

    def test_long_lists_and_many_members_agree_with_memory(self, storage: Storage) -> None:
        # Past the inline limit, value and id lists travel as one parameter (JSON, array).
        now = NOWS[0]
        cities = [f"Град {i}" for i in range(120)]
        contacts = [
            Contact.new(id=f"c{i:03d}", city=cities[i % 120].upper(), now=now) for i in range(240)
        ]
        buys = [
            Transaction.new(
                contact_id=c.id,
                kind="purchase",
                amount=Money(f"{i % 7}.5", "EUR"),
                occurred_at=now - timedelta(days=i % 50),
            )
            for i, c in enumerate(contacts)
            for _ in range(1 + i % 3)
        ]
        world = {
            "now": now,
            "orgs": [],
            "contacts": contacts,
            "interactions": [],
            "purchases": buys,
            "deals": [],
            "lists": {},
        }
        segs = [
            field("city").is_in(cities[:100]),
            ~field("city").is_in(cities[:100]),
            rfm_score("monetary") >= 3,
            purchases(within_days=30).total >= Money("9", "EUR"),
            ~(purchases(within_days=30).total >= Money("9", "EUR")),
        ]
        _check(storage, world, segs)

    def test_a_thousand_terms_under_one_and_or_or_agree_with_memory(self, storage: Storage) -> None:
        # SQLite refuses an expression tree over 1,000 deep; a flat OR of 1,000 tags is one.
        now = NOWS[0]
        contacts = [Contact.new(id=f"c{i}", tags={f"t{i * 300}"}, now=now) for i in range(4)]
        world = {
            "now": now,
            "orgs": [],
            "contacts": contacts,
            "interactions": [],
            "purchases": [],
            "deals": [],
            "lists": {},
        }
        terms: list[Segment] = [tag(f"t{i}") for i in range(1200)]
        either, neither = terms[0], ~terms[0]
        for term in terms[1:]:
            either, neither = either | term, neither & ~term
        deep = terms[0]
        for _ in range(16):
            deep = ~deep
        _check(storage, world, [either, neither, deep])
