"""Datetimes at the edges of what Python represents are refused, never an OverflowError."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from crmkit import CRM
from crmkit._types import EARLIEST, LATEST, ensure_aware
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.tasks import BirthdayGreeting, NoContactFor

PLUS_5 = timezone(timedelta(hours=5))
MINUS_5 = timezone(timedelta(hours=-5))
EDGES = [
    datetime(1, 1, 1, 0, 30, tzinfo=PLUS_5),  # astimezone(UTC) would overflow
    datetime(9999, 12, 31, 23, 30, tzinfo=MINUS_5),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    EARLIEST - timedelta(microseconds=1),
    LATEST + timedelta(microseconds=1),
]


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_an_edge_datetime_is_a_validation_error_naming_field_and_value(value: datetime) -> None:
    with pytest.raises(InvalidDatetimeError) as info:
        ensure_aware(value, "due")
    assert (info.value.field, info.value.value) == ("due", value)
    assert "supported range" in str(info.value)


def test_the_ends_of_the_range_are_accepted() -> None:
    assert ensure_aware(EARLIEST, "at") == EARLIEST
    assert ensure_aware(LATEST.astimezone(MINUS_5), "at") == LATEST


@pytest.mark.parametrize("on", [date(1, 1, 1), date(9999, 12, 31), date(999, 12, 31)])
def test_automation_refuses_a_day_outside_the_range(on: date) -> None:
    crm = CRM()
    crm.contacts.create(name="Besa", birthday=date(1990, 1, 1))
    with pytest.raises(InvalidDatetimeError) as info:
        crm.automation.run(on, rules=[NoContactFor(30), BirthdayGreeting()])
    assert info.value.field == "on"


def test_automation_names_on_when_the_zone_moves_the_day_out_of_range() -> None:
    with pytest.raises(InvalidDatetimeError) as info:
        CRM().automation.run(date(1000, 1, 1), rules=[BirthdayGreeting()], timezone="Asia/Tokyo")
    assert (info.value.field, info.value.value) == ("on", date(1000, 1, 1))


@pytest.mark.parametrize("days", [10**9, -1, 0, True, 1.5])
def test_no_contact_for_refuses_day_counts_that_overflow_or_mean_nothing(days: object) -> None:
    with pytest.raises(ValidationError):
        NoContactFor(days)  # type: ignore[arg-type]
