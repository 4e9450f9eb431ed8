"""Value shares counted over people, per market."""

from __future__ import annotations

import math
from operator import attrgetter

from hypothesis import given
from hypothesis import strategies as st

from crmkit.identity.frequency import ValueShares, person_groups
from crmkit.identity.prepare import PreparedRecord, prepare

LAST = 5


def _records(rows: list[dict[str, object]]) -> list[PreparedRecord]:
    return [prepare({"id": n, **row}) for n, row in enumerate(rows)]


def test_records_joined_through_others_are_one_group() -> None:
    assert person_groups(6, [[0, 2], [2, 5], [3, 4]]) == [0, 1, 0, 3, 3, 0]


def test_a_well_documented_person_counts_once() -> None:
    rows = [{"last_name": "Sula", "email": "x@example.al"} for _ in range(10)]
    rows.append({"last_name": "Kola", "email": "k@example.al"})
    records = _records(rows)
    shares = ValueShares(records, person_groups(11, [list(range(10))]), {LAST: attrgetter("last")})
    assert shares.share(LAST, "sula") == shares.share(LAST, "kola") == 0.5


def test_a_small_market_falls_back_to_all_records() -> None:
    rows = [{"last_name": "Ivanova", "region": "BG"}, {"last_name": "Mazur", "region": "PL"}]
    records = _records(rows)
    groups = person_groups(2, [])
    shares = ValueShares(records, groups, {LAST: attrgetter("last")}, min_market=2)
    assert shares.share(LAST, "ivanova", "BG") == 0.5  # BG has one person: all records count
    assert shares.market_bits("BG") == 0.0
    big = ValueShares(records, groups, {LAST: attrgetter("last")}, min_market=1)
    assert big.share(LAST, "ivanova", "BG") == 1.0
    assert big.market_bits("BG") == 1.0  # half the people are Bulgarian


@given(
    st.lists(
        st.tuples(st.sampled_from(["Kola", "Leka", "Hoxha"]), st.sampled_from(["AL", "BG", ""])),
        min_size=1,
        max_size=40,
    )
)
def test_shares_of_a_market_add_up_to_one(rows: list[tuple[str, str]]) -> None:
    records = _records([{"last_name": last, "region": region} for last, region in rows])
    shares = ValueShares(
        records, person_groups(len(records), []), {LAST: attrgetter("last")}, min_market=1
    )
    for market in {"", *(region for _, region in rows)}:
        values = {r.last for r in records if not market or r.region == market}
        total = sum(shares.share(LAST, v, market) or 0.0 for v in values)
        assert math.isclose(total, 1.0)


def test_the_likely_market_of_a_name_is_where_most_of_its_holders_live() -> None:
    bg, pl = {"region": "BG"}, {"region": "PL"}
    rows = [{"last_name": "Ivanova", **bg}] * 3 + [{"last_name": "Mazur", **bg}]
    rows += [{"last_name": "Mazur", **pl}] * 2 + [{"last_name": "Kowalska", **pl}]
    records = _records(rows)
    shares = ValueShares(
        records, person_groups(len(records), []), {LAST: attrgetter("last")}, min_market=1
    )
    assert shares.likely_market({LAST: "ivanova"}) == "BG"
    assert shares.likely_market({LAST: "mazur"}) == "PL"  # two Polish holders, one Bulgarian
    assert shares.likely_market({LAST: "nobody"}) == ""
