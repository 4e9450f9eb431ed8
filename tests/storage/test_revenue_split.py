"""SQL revenue reads whole days from the day sums and part days from the lines: together
they cover ``[since, until)`` exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crmkit.customer_file.revenue import day_number, day_start
from crmkit.storage.sql._revenue import _split

BASE = datetime(2026, 12, 1, tzinfo=UTC)
_moments = st.one_of(
    st.none(),
    st.integers(min_value=-5 * 48, max_value=5 * 48).map(
        lambda h: BASE + timedelta(minutes=30 * h)
    ),
)


@given(since=_moments, until=_moments, probe=st.integers(min_value=-6 * 96, max_value=6 * 96))
def test_whole_days_and_part_days_cover_the_range_once(
    since: datetime | None, until: datetime | None, probe: int
) -> None:
    moment = BASE + timedelta(minutes=15 * probe)
    whole, parts = _split(since, until)
    inside = (since is None or moment >= since) and (until is None or moment < until)
    hits = sum(start <= moment < end for start, end in parts)
    if whole is not None:
        first, stop = whole
        day = day_number(moment)
        hits += (first is None or day >= first) and (stop is None or day < stop)
    assert hits == (1 if inside else 0)
    for start, end in parts:  # each part lies within one UTC day
        assert day_start(day_number(start)) <= start < end <= day_start(day_number(start) + 1)
