"""Segments evaluated by the backend select exactly what the in-memory evaluator selects.

Random worlds (folded text in Latin with diacritics, Cyrillic and Persian script, custom fields
of every JSON type, missing values, events on the edges of their windows, 29 February
birthdays, static lists whose additions and removals tie in time) are written to the backend,
each in a workspace of its own; random segments over them must give the same members and count
as :func:`crmkit.segments.evaluate` over the same values, or the same error.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.contacts import Contact, Organization
from crmkit.errors import CurrencyMismatchError, ListNotFoundError
from crmkit.funnel.deal import Deal, DealStatus
from crmkit.funnel.pipeline import Pipeline
from crmkit.interactions import Interaction
from crmkit.segments import (
    Segment,
    SegmentData,
    birthday_within,
    everyone,
    field,
    in_list,
    interactions,
    open_deal,
    purchases,
    rfm_group,
    rfm_score,
    tag,
)
from crmkit.segments.lists import ListChange, StaticList, members_at
from crmkit.storage.protocols import Storage, segment_member_ids
from crmkit.testing.contract._base import ContractBase
from crmkit.value.ledger import Transaction

__all__ = ["SegmentPushdownContract", "segment_strategy", "world_strategy"]

NOWS = (
    datetime(2026, 6, 15, 12, tzinfo=UTC),
    datetime(2028, 2, 28, 23, 30, tzinfo=UTC),
    datetime(2027, 2, 27, 0, 0, tzinfo=UTC),
)
CITIES = (
    "Tiranë",
    "TIRANE",
    "tirane ",
    "Sofia",
    "София",
    "СОФИЯ",
    "Kraków",
    "krakow",
    "Łódź",
    "تهران",
    "طهران",
    "x' OR 1=1 --",
    "100%_",
    "",
)
TEXTS = (
    "tirane",
    "Sofia",
    "софия",
    "KRAKOW",
    "kr",
    "so",
    "o",
    "lodz",
    "تهران",
    "x' OR 1=1 --",
    "%",
    "_",
    "'; DROP TABLE contacts; --",
    "",
)
INDUSTRIES = ("Retail", "RETAIL", "Ритейл", None)
CUSTOM = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([1.5, -0.0, 2.0])
    | st.sampled_from(["7", "yes", "Tiranë", "YES", "یک"])
    | st.just([1, 2])
)
KEYS = ("v", "a b", 'q"k')
CHANNELS = ("phone", "email", "sms")
TAGS = ("vip", "b2b", "lead")
STAGES = ("New", "Proposal")
BIRTHDAYS = (
    date(1992, 2, 29),
    date(1990, 2, 28),
    date(1985, 3, 1),
    date(1970, 6, 16),
    date(2001, 12, 31),
    date(1999, 2, 27),
)
EDGES = (0, 1, 30, 90, 180)
# Names differing only in case are different lists; one is never created in some worlds.
LISTS = ("June launch", "june launch", "Q'3; --")
# Change ids whose code-point order differs from a natural-language collation's ("a-" < "a_").
CHANGE_IDS = ("a-", "A", "a_", "b", "ä")
_workspaces = itertools.count()


def _at(now: datetime) -> st.SearchStrategy[datetime]:
    # Often exactly on a window edge (EDGES days before now, now itself), else anywhere.
    exact = st.sampled_from(EDGES).map(lambda d: now - timedelta(days=d))
    return exact | st.integers(-2 * 86400, 200 * 86400).map(lambda s: now - timedelta(seconds=s))


@st.composite
def world_strategy(draw: st.DrawFn) -> dict[str, Any]:
    """Contacts, organizations, interactions, purchases and deals around one ``now``."""
    now = draw(st.sampled_from(NOWS))
    at = _at(now)
    orgs = [
        attrs.evolve(
            Organization.new(
                id=f"o{i}",
                name=f"Org {i}",
                industry=draw(st.sampled_from(INDUSTRIES)),
                vat_id=draw(st.none() | st.just("BG1")),
                custom={"tier": draw(CUSTOM)} if draw(st.booleans()) else {},
            ),
            created_at=draw(at),
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    org_ids = [None, "o-missing", *(o.id for o in orgs)]
    contacts = []
    for i in range(draw(st.integers(0, 10))):
        custom = {k: draw(CUSTOM) for k in draw(st.lists(st.sampled_from(KEYS), unique=True))}
        contacts.append(
            Contact.new(
                id=f"c{i}",
                name=draw(st.sampled_from(CITIES)) or None,
                city=draw(st.none() | st.sampled_from(CITIES)) or None,
                birthday=draw(st.none() | st.sampled_from(BIRTHDAYS)),
                organization_id=draw(st.sampled_from(org_ids)),
                tags=draw(st.frozensets(st.sampled_from(TAGS), max_size=2)),
                custom=custom,
                now=draw(at),
            )
        )
    ids = [c.id for c in contacts]
    its: list[Interaction] = []
    buys: list[Transaction] = []
    deals: list[Deal] = []
    if ids:
        who = st.sampled_from(ids)
        its = [
            Interaction.new(
                contact_id=draw(who),
                channel=draw(st.sampled_from(CHANNELS)),
                direction=draw(st.sampled_from(["inbound", "outbound"])),
                occurred_at=draw(at),
            )
            for _ in range(draw(st.integers(0, 25)))
        ]
        currency = st.sampled_from(["EUR"] * 30 + ["BGN"])
        buys = [
            Transaction.new(
                contact_id=draw(who),
                kind="purchase",
                occurred_at=draw(at),
                amount=Money(draw(st.sampled_from(["0.10", "0.20", "10", "33.3"])), draw(currency)),
            )
            for _ in range(draw(st.integers(0, 15)))
        ]
        deals = [
            Deal(
                id=f"d{k}",
                pipeline_id=draw(st.sampled_from(["p1", "p2"])),
                title="d",
                value=Money("1", "EUR"),
                stage=draw(st.sampled_from(STAGES)),
                status=draw(st.sampled_from(list(DealStatus))),
                created_at=now,
                changed_at=now,
                contact_id=draw(who),
            )
            for k in range(draw(st.integers(0, 4)))
        ]
    return {
        "now": now,
        "orgs": orgs,
        "contacts": contacts,
        "interactions": its,
        "purchases": buys,
        "deals": deals,
        "lists": draw(_lists(now, ids)),
    }


@st.composite
def _lists(draw: st.DrawFn, now: datetime, ids: list[str]) -> dict[str, list[ListChange]]:
    """Some of :data:`LISTS` with random additions and removals, often at equal times (the
    change id breaks the tie) and sometimes after ``now`` (membership is read as it is)."""
    names = draw(st.lists(st.sampled_from(LISTS), unique=True, max_size=len(LISTS)))
    at = st.sampled_from([-2, 0, 0, 1]).map(lambda d: now + timedelta(days=d))
    serial = itertools.count()
    return {
        name: [
            ListChange.new(
                list_name=name,
                contact_id=draw(st.sampled_from(ids[:3])),
                added=draw(st.booleans()),
                at=draw(at),
                id=f"{draw(st.sampled_from(CHANGE_IDS))}{next(serial)}",
            )
            for _ in range(draw(st.integers(0, 8) if ids else st.just(0)))
        ]
        for name in names
    }


_DT = st.integers(-5, 200).map(lambda d: NOWS[0] - timedelta(days=d))
_KEY = st.sampled_from(KEYS)
_IN_LIST = st.builds(in_list, st.sampled_from(LISTS))
_LEAVES = st.one_of(
    st.just(everyone()),
    st.builds(
        lambda n, t: field(n) == t, st.sampled_from(["city", "name"]), st.sampled_from(TEXTS)
    ),
    st.builds(lambda t: field("city") != t, st.sampled_from(TEXTS)),
    st.builds(lambda t: field("city") <= t, st.sampled_from(TEXTS)),
    st.builds(lambda t: field("city").contains(t), st.sampled_from(TEXTS)),
    st.builds(lambda t: field("name").startswith(t), st.sampled_from(TEXTS)),
    st.builds(lambda ts: field("city").is_in(ts), st.lists(st.sampled_from(TEXTS), min_size=1)),
    st.builds(
        lambda n, b: field(n).is_null(b),
        st.sampled_from(
            [
                "city",
                "birthday",
                "organization.industry",
                "custom.v",
                "custom.a b",
                'custom.q"k',
                "organization.custom.tier",
                "customer_type",
            ]
        ),
        st.booleans(),
    ),
    st.builds(lambda t: field("organization.industry") == t, st.sampled_from(["retail", "ритейл"])),
    st.builds(lambda b: field("organization.vat_id").is_null(b), st.booleans()),
    st.builds(lambda v: field("organization.custom.tier") >= v, st.integers(-1, 3)),
    st.builds(lambda d: field("organization.created_at") <= d, _DT),
    st.builds(
        lambda v: field("customer_type") == v, st.sampled_from(["individual", "Organization"])
    ),
    st.builds(
        lambda k, v: field(f"custom.{k}") == v,
        _KEY,
        CUSTOM.filter(lambda v: v is not None and not isinstance(v, list)),
    ),
    st.builds(
        lambda k, vs: field(f"custom.{k}").is_in(vs),
        _KEY,
        st.lists(
            st.booleans() | st.integers(-3, 3) | st.sampled_from(["yes", "tirane", "یک"]),
            min_size=1,
        ),
    ),
    st.builds(lambda k, v: field(f"custom.{k}") > v, _KEY, st.integers(-3, 3) | st.just("5")),
    st.builds(lambda k, t: field(f"custom.{k}").contains(t), _KEY, st.sampled_from(["e", "ir"])),
    st.builds(
        lambda a, b: field("custom.v").between(min(a, b), max(a, b)),
        st.integers(-3, 3),
        st.integers(-3, 3),
    ),
    st.builds(lambda d: field("created_at") >= d, _DT),
    st.builds(lambda ds: field("created_at").is_in(ds), st.lists(_DT, min_size=1, max_size=2)),
    st.builds(lambda d: field("created_at").within_last(d), st.sampled_from(EDGES)),
    st.builds(lambda d: field("created_at").older_than(d), st.sampled_from(EDGES)),
    st.builds(lambda d: field("birthday") < d, st.sampled_from(BIRTHDAYS)),
    st.builds(lambda d: field("birthday").within_last(d), st.integers(0, 20000)),
    st.builds(birthday_within, st.integers(0, 3) | st.integers(0, 366)),
    st.builds(tag, st.sampled_from(TAGS)),
    _IN_LIST,
)
_BEHAVIOUR = st.one_of(
    st.builds(
        lambda c, d, w, op, v: {
            ">=": lambda r: r >= v,
            "==": lambda r: r == v,
            "<": lambda r: r < v,
            "between": lambda r: r.between(v, v + 1),
        }[op](interactions(channel=c, direction=d, within_days=w).count),
        st.none() | st.sampled_from(CHANNELS),
        st.none() | st.sampled_from(["inbound", "outbound"]),
        st.none() | st.sampled_from(EDGES) | st.integers(0, 200),
        st.sampled_from([">=", "==", "<", "between"]),
        st.integers(0, 3),
    ),
    st.builds(
        lambda c, dt: interactions(channel=c, within_days=30).last_at >= dt,
        st.none() | st.sampled_from(CHANNELS),
        _DT,
    ),
    st.builds(
        lambda w, v: purchases(within_days=w).count >= v,
        st.none() | st.sampled_from(EDGES),
        st.integers(0, 3),
    ),
    st.builds(
        lambda w, v, o: (
            (purchases(within_days=w).total >= Money(v, "EUR"))
            if o
            else (purchases(within_days=w).total < Money(v, "EUR"))
        ),
        st.none() | st.sampled_from(EDGES),
        st.sampled_from(["0", "0.30", "10.1", "40"]),
        st.booleans(),
    ),
    st.builds(lambda dt: purchases().last_at <= dt, _DT),
    st.builds(
        lambda p, s: open_deal(pipeline_id=p, stage=s),
        st.none() | st.sampled_from(["p1", "p2"]),
        st.none() | st.sampled_from(STAGES),
    ),
    st.builds(
        lambda g: rfm_group().is_in(g),
        st.lists(
            st.sampled_from(
                ["champions", "loyal", "hibernating", "at_risk", "new_customers", "need_attention"]
            ),
            min_size=1,
        ),
    ),
    st.builds(
        lambda c, v: rfm_score(c) >= v,
        st.sampled_from(["recency", "frequency", "monetary"]),
        st.integers(1, 5),
    ),
)

_LEAVES = _LEAVES | _BEHAVIOUR


def _tree(leaves: st.SearchStrategy[Segment]) -> st.SearchStrategy[Segment]:
    return st.recursive(
        leaves,
        lambda kids: st.one_of(
            st.builds(lambda a, b: a & b, kids, kids),
            st.builds(lambda a, b: a | b, kids, kids),
            st.builds(lambda a: ~a, kids),
        ),
        max_leaves=6,
    )


segment_strategy = _tree(_LEAVES)
_behaviour_segments = _tree(_BEHAVIOUR)
_list_segments = _tree(_IN_LIST | st.builds(tag, st.sampled_from(TAGS)))


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


def _expected(w: dict[str, Any], seg: Segment) -> tuple[str, ...] | type[Exception]:
    lists = {name: members_at(changes) for name, changes in w["lists"].items()}
    data = SegmentData(
        w["contacts"],
        organizations=w["orgs"],
        interactions=w["interactions"],
        purchases=w["purchases"],
        open_deals=w["deals"],
        lists=lists,
    )
    try:
        return tuple(sorted(data.member_ids(seg, now=w["now"])))
    except _ERRORS as exc:
        return type(exc)


def _check(storage: Storage, world: dict[str, Any], segs: list[Segment]) -> None:
    workspace = f"seg-sql-{next(_workspaces)}"
    _write(storage, workspace, world)
    by_id = {c.id: c for c in world["contacts"]}
    with storage.unit_of_work(workspace, read_only=True) as uow:
        for seg in segs:
            expected = _expected(world, seg)
            if not isinstance(expected, tuple):
                with pytest.raises(expected):
                    uow.segment_members(seg, now=world["now"])
                with pytest.raises(expected):
                    segment_member_ids(uow, seg, now=world["now"])
                continue
            got = uow.segment_members(seg, now=world["now"])
            assert tuple(sorted(c.id for c in got)) == expected, seg
            # The ids-only fast path (or its fallback) selects the same, in the same order.
            assert segment_member_ids(uow, seg, now=world["now"]) == [c.id for c in got]
            assert uow.segment_count(seg, now=world["now"]) == len(got)
            assert all(c == by_id[c.id] for c in got)


class SegmentPushdownContract(ContractBase):
    """``uow.segment_members`` / ``segment_count`` equal the in-memory evaluation."""

    @pytest.mark.parametrize(
        ("kind", "strategy", "examples"),
        [
            ("any", segment_strategy, 150),
            ("behaviour", _behaviour_segments, 60),
            ("lists", _list_segments, 60),
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
