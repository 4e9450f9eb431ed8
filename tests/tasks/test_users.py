from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import UserNotFoundError, ValidationError
from crmkit.tasks import (
    NoContactFor,
    PurchaseAnniversary,
    Territory,
    User,
    UserDirectory,
    WorkingHours,
    day_bounds,
)
from crmkit.tasks.users import local_day


def test_unknown_time_zone_is_rejected_naming_it() -> None:
    with pytest.raises(ValidationError) as err:
        User.new("zoe", timezone="Europe/Atlantis")
    assert (err.value.field, err.value.value) == ("timezone", "Europe/Atlantis")


def test_empty_user_id_is_rejected() -> None:
    with pytest.raises(ValidationError):
        User.new("  ")


def test_working_hours_must_end_after_they_start() -> None:
    with pytest.raises(ValidationError):
        WorkingHours(time(17), time(9))


def test_working_hours_take_wall_times_only() -> None:
    with pytest.raises(ValidationError) as err:
        WorkingHours(time(9, tzinfo=UTC), time(17))
    assert err.value.field == "start"


def test_round_the_clock_hours_survive_a_users_round_trip() -> None:
    user = User.new("night-desk", working_hours=WorkingHours.always())
    assert User.from_dict(user.to_dict()) == user


def test_working_hours_reject_bad_weekdays() -> None:
    with pytest.raises(ValidationError):
        WorkingHours(days={7})


def test_next_working_time_skips_the_weekend_in_local_time() -> None:
    tz = ZoneInfo("Asia/Tehran")
    saturday = datetime(2026, 3, 7, 12, tzinfo=tz)
    wh = WorkingHours(time(8), time(16), days={5, 6, 0, 1, 2})  # Saturday to Wednesday
    assert wh.next_working_time(saturday) == saturday
    thursday_night = datetime(2026, 3, 5, 20, tzinfo=tz)
    assert wh.next_working_time(thursday_night) == datetime(2026, 3, 7, 8, tzinfo=tz)


def test_explicit_team_lead_mapping_wins_over_flags() -> None:
    d = UserDirectory.of(
        [User.new("ana", team="sales", is_team_lead=True), User.new("mira", team="sales")],
        team_leads={"sales": "mira"},
    )
    assert d.lead_of("sales") == "mira"
    assert d.lead_of("nobody") is None


def test_inactive_lead_does_not_lead() -> None:
    d = UserDirectory.of([User.new("ana", team="sales", is_team_lead=True, active=False)])
    assert d.lead_of("sales") is None
    assert d.members("sales") == ()
    assert d.members("sales", active_only=False) == ("ana",)


def test_unknown_user_lookup_raises() -> None:
    with pytest.raises(UserNotFoundError):
        UserDirectory().get("zoe")


def test_day_bounds_follow_dst_day_length() -> None:
    lo, hi = day_bounds("Europe/Berlin", datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert (hi.astimezone(UTC) - lo.astimezone(UTC)).total_seconds() == 23 * 3600


def test_territory_rejects_malformed_rules() -> None:
    with pytest.raises(ValidationError):
        Territory([("not callable", "ana")])  # type: ignore[list-item]


def test_anniversary_years_must_be_positive_whole_numbers() -> None:
    with pytest.raises(ValidationError):
        PurchaseAnniversary(years={0})


def test_rule_keeps_its_configuration() -> None:
    assert NoContactFor(30).catch_up_days == 7


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    st.sampled_from(
        [
            "UTC",
            "Europe/Tirane",
            "Asia/Tehran",
            "Asia/Kathmandu",
            "Australia/Lord_Howe",
            "America/St_Johns",
            "Pacific/Chatham",
        ]
    ),
)
def test_local_day_matches_the_zone_conversion(at: datetime, name: str) -> None:
    tz = ZoneInfo(name)
    day = local_day(tz)
    assert day(at) == at.astimezone(tz).date()
    assert day(at.astimezone(tz)) == at.astimezone(tz).date()  # any aware input
