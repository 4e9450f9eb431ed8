"""Random worlds and segments for the segment pushdown contract.

A world is a few contacts, organisations, deals, interactions, transactions and static lists
with values chosen to catch the differences between engines: folded text in Latin with
diacritics, Cyrillic and Persian script, custom fields of every JSON type, missing values,
events on the edges of their windows, 29 February birthdays, and list changes that tie in
time with ids whose code-point order differs from a natural-language collation's.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.contacts import Contact, Organization
from crmkit.funnel.deal import Deal, DealStatus
from crmkit.interactions import Interaction
from crmkit.segments import (
    Segment,
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
from crmkit.segments.lists import ListChange
from crmkit.value.ledger import Transaction

__all__ = [
    "BEHAVIOUR_SEGMENTS",
    "DEAL_AND_RFM_LEAVES",
    "LIST_SEGMENTS",
    "NOWS",
    "STAGES",
    "TAGS",
    "next_workspace",
    "segment_strategy",
    "segment_tree",
    "world_strategy",
]

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
    | st.sampled_from([1.5, -0.0, 2.0, 1e20])
    | st.sampled_from(["7", "yes", "Tiranë", "YES", "یک"])
    | st.just([1, 2])
)
KEYS = ("v", "a b", 'q"k')
CHANNELS = ("phone", "email", "sms")
# None most often; "Complaint" differs from "complaint" (outcomes compare exactly).
OUTCOMES = [None, None, "complaint", "Complaint", "sale"]
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


def next_workspace() -> str:
    """A workspace name no other world of this process uses."""
    return f"seg-sql-{next(_workspaces)}"


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
                outcome=draw(st.sampled_from(OUTCOMES)),
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


# Open deals and RFM leaves, the same in every segment test (tests/segments reuse them).
DEAL_AND_RFM_LEAVES: tuple[st.SearchStrategy[Segment], ...] = (
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
        lambda c, d, w, op, v, o: {
            ">=": lambda r: r >= v,
            "==": lambda r: r == v,
            "<": lambda r: r < v,
            "between": lambda r: r.between(v, v + 1),
        }[op](interactions(channel=c, direction=d, within_days=w, outcome=o).count),
        st.none() | st.sampled_from(CHANNELS),
        st.none() | st.sampled_from(["inbound", "outbound"]),
        st.none() | st.sampled_from(EDGES) | st.integers(0, 200),
        st.sampled_from([">=", "==", "<", "between"]),
        st.integers(0, 3),
        st.none() | st.sampled_from(OUTCOMES[1:]),
    ),
    st.builds(
        lambda c, dt, o: interactions(channel=c, within_days=30, outcome=o).last_at >= dt,
        st.none() | st.sampled_from(CHANNELS),
        _DT,
        st.none() | st.sampled_from(OUTCOMES[1:]),
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
    *DEAL_AND_RFM_LEAVES,
)

_LEAVES = _LEAVES | _BEHAVIOUR


def segment_tree(leaves: st.SearchStrategy[Segment]) -> st.SearchStrategy[Segment]:
    """Segments of up to six *leaves* joined by ``&``, ``|`` and ``~``."""
    return st.recursive(
        leaves,
        lambda kids: st.one_of(
            st.builds(lambda a, b: a & b, kids, kids),
            st.builds(lambda a, b: a | b, kids, kids),
            st.builds(lambda a: ~a, kids),
        ),
        max_leaves=6,
    )


segment_strategy = segment_tree(_LEAVES)
BEHAVIOUR_SEGMENTS = segment_tree(_BEHAVIOUR)
LIST_SEGMENTS = segment_tree(_IN_LIST | st.builds(tag, st.sampled_from(TAGS)))
