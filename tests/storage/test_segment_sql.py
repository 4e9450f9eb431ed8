"""The segment compiler's own promises: values only as parameters, bad input refused before
any SQL runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmkit import CRM, Money
from crmkit.errors import InvalidDatetimeError, InvalidSegmentError, ValidationError
from crmkit.segments import Segment, field, interactions, purchases, tag
from crmkit.storage import SQLiteStorage
from crmkit.storage.sql._segment_sql import compile_segment

NOW = datetime(2026, 6, 15, tzinfo=UTC)
ODD = "Zq'x\"--;%_"


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SQLiteStorage]:
    s = SQLiteStorage(tmp_path / "crm.sqlite")
    yield s
    s.close()


@pytest.mark.parametrize(
    "seg",
    [
        field("city") == ODD,
        field("city").contains(ODD),
        field(f"custom.{ODD}") == ODD,
        field("organization.industry").is_in([ODD, "x"]),
        tag(ODD),
        interactions(channel="phone", within_days=9).count >= 7,
        purchases(within_days=9).total >= Money("123.45", "EUR"),
    ],
)
def test_compiled_sql_carries_values_only_as_parameters(
    storage: SQLiteStorage, seg: Segment
) -> None:
    with storage.unit_of_work("acme", read_only=True) as uow:
        sql, params = compile_segment(uow.session, "acme", seg, NOW)
    for text in (ODD.casefold(), "Zq", "123.45", "phone", "--"):
        assert text not in sql
    assert sql.count("?") == len(params)


def test_bad_segments_are_refused_on_sqlite(storage: SQLiteStorage) -> None:
    crm = CRM(storage=storage, clock=lambda: NOW)
    with pytest.raises(InvalidSegmentError):
        crm.segments.members("city = 'Sofia'")  # type: ignore[arg-type]
    with pytest.raises(InvalidDatetimeError):
        crm.segments.count(tag("vip"), now=datetime(2026, 6, 15))
    for build in (
        lambda: field("shoe_size") == 42,
        lambda: field("city") == 3,
        lambda: field("birthday").contains("05"),
    ):
        with pytest.raises(ValidationError):
            build()
