"""AttrsCodec: every supported field type reads back equal, on a body that went through JSON."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Literal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.errors import StorageError, ValidationError
from crmkit.storage.codec import AttrsCodec, sortable_time
from crmkit.storage.records import StoredRecord


class Tier(enum.Enum):
    GOLD = "gold"
    SILVER = "silver"


@attrs.frozen
class Line:
    sku: str
    price: Money


@attrs.frozen
class Everything:
    id: str
    contact_id: str | None
    version: int
    text: str
    count: int
    flag: bool
    ratio: float
    amount: Decimal
    at: datetime
    day: date
    clock: time
    spent: timedelta
    price: Money
    tier: Tier
    kind: Literal["a", "b"]
    maybe: datetime | None
    tags: tuple[str, ...]
    seen: frozenset[date]
    lines: list[Line]
    custom: Mapping[str, int]


aware = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(8999, 12, 30), timezones=st.just(UTC)
).map(lambda d: d.astimezone(timezone(timedelta(hours=5, minutes=30))))
money = st.builds(
    Money,
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    st.sampled_from(["ALL", "PHP", "BGN", "IRR", "PLN"]),
)
everything = st.builds(
    Everything,
    id=st.text(min_size=1, max_size=5),
    contact_id=st.none() | st.text(min_size=1, max_size=5),
    version=st.integers(1, 9),
    text=st.text(),
    count=st.integers(-(2**53), 2**53),
    flag=st.booleans(),
    ratio=st.floats(allow_nan=False, allow_infinity=False),
    amount=st.decimals(allow_nan=False, allow_infinity=False, places=4),
    at=aware,
    day=st.dates(),
    clock=st.times(),
    spent=st.timedeltas(),
    price=money,
    tier=st.sampled_from(Tier),
    kind=st.sampled_from(["a", "b"]),
    maybe=st.none() | aware,
    tags=st.lists(st.text(max_size=3)).map(tuple),
    seen=st.frozensets(st.dates(), max_size=3),
    lines=st.lists(st.builds(Line, st.text(max_size=3), money), max_size=2),
    custom=st.dictionaries(st.text(max_size=3), st.integers()),
)

CODEC = AttrsCodec(Everything, keys=lambda e: {"at": sortable_time(e.at), "kind": e.kind})


@given(everything)
def test_every_supported_type_reads_back_equal_after_json(value: Everything) -> None:
    stored = CODEC.encode("everything", value)
    body = json.loads(json.dumps(dict(stored.body)))  # what a backend hands back
    again = StoredRecord(stored.kind, stored.id, stored.contact_id, stored.version, body)
    assert CODEC.decode(again) == value
    assert "id" not in stored.body
    assert "version" not in stored.body


@given(aware, aware)
def test_time_keys_sort_as_the_times_do(a: datetime, b: datetime) -> None:
    assert (sortable_time(a) < sortable_time(b)) == (a < b)


def test_a_field_added_later_takes_its_default() -> None:
    @attrs.frozen
    class Old:
        id: str
        contact_id: str

    @attrs.frozen
    class New:
        id: str
        contact_id: str
        note: str = "none yet"

    stored = AttrsCodec(Old).encode("k", Old("k-1", "c-1"))
    assert AttrsCodec(New).decode(stored) == New("k-1", "c-1")


def test_unversioned_and_contactless_kinds() -> None:
    @attrs.frozen
    class Product:
        id: str
        sku: str

    codec = AttrsCodec(Product, contact=None, keys=lambda p: {"sku": p.sku}, unique={"sku"})
    stored = codec.encode("products", Product("p-1", "SKU-1"), version=4)
    assert (stored.contact_id, stored.version, stored.unique_keys()) == (
        None,
        4,
        [("sku", "SKU-1")],
    )
    assert codec.decode(stored) == Product("p-1", "SKU-1")


def test_bad_declarations_and_bad_bodies_are_named() -> None:
    with pytest.raises(ValidationError, match="field named 'id'"):
        AttrsCodec(Line)
    with pytest.raises(ValidationError, match="field named 'contact_id'"):
        AttrsCodec(attrs.make_class("NoContact", ["id"]))
    with pytest.raises(ValidationError):
        AttrsCodec(dict)  # type: ignore[arg-type]

    @attrs.frozen
    class Odd:
        id: str
        contact_id: str
        blob: bytes

    with pytest.raises(TypeError, match="bytes"):
        AttrsCodec(Odd)
    with pytest.raises(ValidationError, match="expected a Everything"):
        CODEC.encode("everything", Line("x", Money.zero("ALL")))  # type: ignore[arg-type]
    broken = StoredRecord("everything", "e-1", None, 1, {"at": "not a time"})
    with pytest.raises(StorageError, match="e-1"):
        CODEC.decode(broken)
    with pytest.raises(ValidationError):
        sortable_time(datetime(2026, 1, 1))  # naive
