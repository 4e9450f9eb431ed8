"""Breakdowns counted by the backend equal the in-memory ones.

On random worlds (those of the segment pushdown contract: folded text in three scripts,
custom fields of every JSON type, missing organisations) and random segments, each field and
each flag segment splits the members exactly as :func:`crmkit.segments.breakdown.value_counts`
over the same values does: through the backend's
:class:`crmkit.storage.protocols.SegmentValueCounts` fast path where it has one, and through
the fallback over everything the unit of work holds, in the same unit of work.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.errors import InvalidSegmentError
from crmkit.segments import Everyone, Segment, evaluate, field
from crmkit.segments.breakdown import Breakdown, Dimension, assemble, value_counts
from crmkit.storage import segment_value_counts
from crmkit.storage._segment_data import segment_data
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import T0, ContractBase, make_contact
from crmkit.testing.contract._segment_sql import _ERRORS, _write, world_data
from crmkit.testing.contract._segment_worlds import (
    next_workspace,
    segment_strategy,
    world_strategy,
)

__all__ = ["BreakdownContract"]

FIELDS = (
    "city",
    "name",
    "customer_type",
    "birthday",
    "created_at",
    "organization.industry",
    "organization.vat_id",
    "organization.created_at",
    "organization.custom.tier",
    "custom.v",
    "custom.a b",
    'custom.q"k',
)
_DIMENSIONS = st.lists(st.sampled_from(FIELDS) | segment_strategy, min_size=1, max_size=4)


def _assembled(dims: list[Dimension], counts: list[list[tuple[Any, int]]]) -> list[Breakdown]:
    return [
        assemble(str(k), pairs, top=3)
        for k, (_, pairs) in enumerate(zip(dims, counts, strict=True))
    ]


def _expected(w: dict[str, Any], seg: Segment, dims: list[Dimension]) -> Any:
    data = world_data(w)
    try:
        chosen = evaluate(seg, data, now=w["now"])
        return _assembled(dims, [value_counts(data, d, chosen, now=w["now"]) for d in dims])
    except _ERRORS as exc:
        return type(exc)


def _check(storage: Storage, world: dict[str, Any], seg: Segment, dims: list[Dimension]) -> None:
    workspace = next_workspace()
    _write(storage, workspace, world)
    now = world["now"]
    expected = _expected(world, seg, dims)
    with storage.unit_of_work(workspace, read_only=True) as uow:
        if isinstance(expected, type):
            with pytest.raises(expected):
                segment_value_counts(uow, seg, dims, now=now)
            return
        got = _assembled(dims, segment_value_counts(uow, seg, dims, now=now))
        assert got == expected, (seg, dims)
        # The fallback, over what this very unit of work holds, gives the same.
        data = segment_data(uow)
        chosen = evaluate(seg, data, now=now)
        fallback = _assembled(dims, [value_counts(data, d, chosen, now=now) for d in dims])
        assert fallback == got


class BreakdownContract(ContractBase):
    """``segment_value_counts`` and ``crm.breakdown`` agree with the in-memory counts."""

    def test_backend_breakdowns_equal_the_in_memory_ones(self, storage: Storage) -> None:
        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(world=world_strategy(), seg=segment_strategy, dims=_DIMENSIONS)
        def agree(world: dict[str, Any], seg: Segment, dims: list[Dimension]) -> None:
            _check(storage, world, seg, dims)

        agree()

    def test_the_everyone_breakdown_counts_every_contact(self, storage: Storage) -> None:
        world = {"now": T0, "orgs": [], "interactions": [], "purchases": [], "deals": []}
        world |= {"lists": {}, "contacts": [make_contact(id=f"c{i}") for i in range(3)]}
        _check(storage, world, Everyone(), ["city", field("city").is_null()])

    def test_numbers_break_down_alike_whatever_the_backend_keeps(self, storage: Storage) -> None:
        # Found by the property above on Citus: PostgreSQL's jsonb has no negative zero, so a
        # -0.0 came back as 0.0 and sorted after -1 where the in-memory count put it before.
        # jsonb also writes 1e+20 as 100000000000000000000.
        values = [-0.0, -1, 1e20, 2.0, 1.5]
        world = {"now": T0, "orgs": [], "interactions": [], "purchases": [], "deals": []}
        world |= {
            "lists": {},
            "contacts": [make_contact(id=f"c{i}", custom={"n": v}) for i, v in enumerate(values)],
        }
        _check(storage, world, Everyone(), ["custom.n"])

    def test_crm_breakdown_splits_several_ways_in_one_call(self, crm: Any) -> None:
        acme = crm.organizations.create(name="Acme", vat_id="BG1", industry="Retail")
        beta = crm.organizations.create(name="Beta", industry="RETAIL")
        crm.contacts.create(name="Ivan", city="Sofia", organization_id=acme.id)
        crm.contacts.create(name="Maria", city="SOFIA", organization_id=beta.id)
        crm.contacts.create(name="Besa", city="Tiranë")
        vat = field("organization.vat_id").is_null(False)
        report = crm.breakdown(
            "customer_type", "organization.industry", "city", flags={"vat_registered": vat}, top=1
        )
        assert list(report) == ["customer_type", "organization.industry", "city", "vat_registered"]
        assert [(r.value, r.count) for r in report["customer_type"].rows] == [
            ("organization", 2),
            ("other", 1),
        ]
        assert [(r.value, r.count) for r in report["organization.industry"].rows] == [
            ("Retail", 2),
            ("other", 1),
        ]
        # Sofia and SOFIA fold to one city.
        assert [(r.value, r.count) for r in report["city"].rows] == [("Sofia", 2), ("other", 1)]
        assert [(r.value, r.count) for r in report["vat_registered"].rows] == [
            (False, 2),
            ("other", 1),
        ]
        members = crm.breakdown("city", segment=field("customer_type") == "individual")
        assert [(r.value, r.count) for r in members["city"].rows] == [("Tiranë", 1)]

    @pytest.mark.parametrize(
        ("args", "kwargs"),
        [
            ((), {}),
            (("nope",), {}),
            (("city", "city"), {}),
            (("city",), {"top": 0}),
            (("city",), {"flags": {"city": field("city").is_null()}}),
            (("city",), {"flags": {"x": "not a segment"}}),
            (("city",), {"segment": "everyone"}),
        ],
    )
    def test_bad_breakdowns_are_refused_naming_the_value(
        self, crm: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        with pytest.raises(InvalidSegmentError):
            crm.breakdown(*args, **kwargs)
