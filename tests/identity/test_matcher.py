from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import ValidationError
from crmkit.identity import Matcher

DATA = Path(__file__).parent.parent / "data" / "crm_dev_slice.csv"


def _groups(clusters: list[tuple[object, ...]]) -> set[frozenset[object]]:
    return {frozenset(c) for c in clusters}


def test_same_person_across_scripts_and_channels_is_one_cluster() -> None:
    rows = [
        {
            "id": 1,
            "first_name": "Христо",
            "last_name": "Стоянов",
            "phone": "0887 123 456",
            "region": "BG",
        },
        {
            "id": 2,
            "full_name": "Hristo Stoyanov",
            "phone": "+359 887 123 456",
            "email": "hristo.stoyanov@abv.bg",
        },
        {"id": 3, "first_name": "Ицо", "email": "HRISTO.STOYANOV@ABV.BG"},
    ]
    assert _groups([c.ids for c in Matcher().dedupe(rows)]) == {frozenset({1, 2, 3})}


def test_a_full_name_is_read_with_a_given_name_of_two_words() -> None:
    from crmkit.identity import FEATURES, compare_records, prepare

    full = prepare({"id": 1, "full_name": "Mark Anthony Dela Cruz"})
    split = prepare({"id": 2, "first_name": "Mark Anthony", "last_name": "Dela Cruz"})
    levels = dict(zip(FEATURES, compare_records(full, split), strict=True))
    assert (levels["first name"], levels["last name"]) == (4, 4)
    assert compare_records(full, split) == compare_records(split, full)


def test_family_sharing_a_landline_stays_two_people() -> None:
    rows = [
        {"id": "a", "first_name": "Besa", "last_name": "Kola", "phone": "+355 4 222 3333"},
        {
            "id": "b",
            "first_name": "Besa",
            "last_name": "Kola",
            "phone": "+355 4 222 3333",
            "email": "besa.kola@example.al",
        },
        {"id": "c", "first_name": "Arben", "last_name": "Kola", "phone": "+355 4 222 3333"},
        {
            "id": "d",
            "first_name": "Arben",
            "last_name": "Kola",
            "email": "arben@example.al",
            "phone": "+355 4 222 3333",
        },
    ]
    groups = _groups([c.ids for c in Matcher().dedupe(rows)])
    assert groups == {frozenset({"a", "b"}), frozenset({"c", "d"})}


def test_family_inbox_with_different_first_names_does_not_chain() -> None:
    rows = [
        {"id": 1, "full_name": "Zofia Nowak", "email": "nowakowie@wp.pl"},
        {"id": 2, "full_name": "Tomasz Nowak", "email": "nowakowie@wp.pl"},
        {"id": 3, "full_name": "Tomek Nowak", "email": "nowakowie@wp.pl", "phone": "+48512345678"},
    ]
    groups = _groups([c.ids for c in Matcher().dedupe(rows)])
    assert frozenset({1}) in groups
    assert frozenset({2, 3}) in groups


@pytest.mark.parametrize(
    "junk", [{}, {"email": "not-an-email"}, {"phone": "n/a"}, {"first_name": "  "}]
)
def test_empty_and_junk_records_are_singletons(junk: dict[str, str]) -> None:
    rows = [{"id": n, **junk} for n in range(5)]
    rows.append({"id": 9, "full_name": "Besa Kola", "phone": "+355691234567"})
    clusters = Matcher().dedupe(rows)
    assert all(len(c) == 1 for c in clusters)


def test_missing_or_repeated_ids_are_rejected_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="record_id"):
        Matcher().dedupe([{"first_name": "Besa"}], id_field="record_id")
    with pytest.raises(ValidationError, match="appears twice"):
        Matcher().dedupe([{"id": 1}, {"id": 1}])


record = st.fixed_dictionaries(
    {},
    optional={
        "first_name": st.sampled_from(["Besa", "Arben", "Gosia", "Małgorzata", "Иван", ""]),
        "last_name": st.sampled_from(["Kola", "Nowak", "Иванов", "Ivanov", ""]),
        "phone": st.sampled_from(["+355691234567", "+48512345678", "junk", ""]),
        "email": st.sampled_from(["a@example.al", "b@example.pl", "bad@", ""]),
        "instagram": st.sampled_from(["besa.kola", "gosia_n", ""]),
    },
)


@settings(max_examples=40, deadline=None)
@given(st.lists(record, max_size=12))
def test_dedupe_puts_every_record_in_exactly_one_cluster(rows: list[dict[str, str]]) -> None:
    rows = [{"id": n, **r} for n, r in enumerate(rows)]
    ids = [i for c in Matcher().dedupe(rows) for i in c.ids]
    assert sorted(ids) == list(range(len(rows)))


@settings(max_examples=25, deadline=None)
@given(st.lists(record, min_size=2, max_size=8))
def test_dedupe_does_not_depend_on_record_order(rows: list[dict[str, str]]) -> None:
    rows = [{"id": n, **r} for n, r in enumerate(rows)]
    forward = _groups([c.ids for c in Matcher().dedupe(rows)])
    backward = _groups([c.ids for c in Matcher().dedupe(rows[::-1])])
    assert forward == backward


def test_equally_strong_links_are_chosen_the_same_way_in_any_order() -> None:
    # Found by hypothesis: 0-2 and 1-2 score the same, 0 and 1 cannot be one person (two first
    # names); which link won used to depend on the order the records arrived in.
    rows = [
        {"id": 0, "first_name": "Besa", "email": "besa@example.al"},
        {"id": 1, "first_name": "Arben", "instagram": "ak_1990"},
        {"id": 2, "email": "besa@example.al", "instagram": "ak_1990"},
    ]
    results = {
        frozenset(_groups([c.ids for c in Matcher().dedupe(list(perm))]))
        for perm in itertools.permutations(rows)
    }
    assert len(results) == 1
    (groups,) = results
    assert sorted(map(len, groups)) == [1, 2]


def test_link_does_not_depend_on_record_order() -> None:
    left = [{"id": "L1", "full_name": "Jan Kowalski", "email": "jan@wp.pl"}]
    right = [
        {"id": "R2", "full_name": "Jan Kowalski", "email": "JAN@WP.PL"},
        {"id": "R3", "full_name": "Jan Kowalski", "email": "jan@wp.pl"},
    ]
    forward = Matcher().link(left, right)
    assert forward == Matcher().link(left, right[::-1])


junk_value = st.sampled_from(["", " ", "n/a", "-", "???", "@", "not-an-email", "12", "+", "0"])
junk_record = st.fixed_dictionaries(
    {},
    optional={
        "first_name": st.sampled_from(["", " ", "  ", "\u200c"]),
        "last_name": st.sampled_from(["", " "]),
        "phone": junk_value,
        "email": junk_value,
    },
)


@settings(max_examples=30, deadline=None)
@given(st.lists(junk_record, min_size=1, max_size=6), st.lists(record, max_size=6))
def test_junk_records_are_singletons_among_real_ones(
    junk: list[dict[str, str]], real: list[dict[str, str]]
) -> None:
    rows = [{"id": f"j{n}", **r} for n, r in enumerate(junk)]
    rows += [{"id": f"r{n}", **r} for n, r in enumerate(real)]
    for cluster in Matcher().dedupe(rows):
        if any(str(i).startswith("j") for i in cluster.ids):
            assert len(cluster) == 1


_GIVEN = ["Besa", "Arben", "Teuta", "Ilir", "Mirela", "Sokol"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=2, max_size=5),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_a_household_sharing_a_line_or_inbox_never_chains_into_one_person(
    records_per_member: list[int], share_inbox: bool, rnd: random.Random
) -> None:
    # Each member of one family writes 1-3 times from the family's landline (or inbox), with
    # their own first name, sometimes a nickname-free typo of the surname.
    rows = []
    for member, count in enumerate(records_per_member):
        for k in range(count):
            row = {
                "id": f"{member}-{k}",
                "first_name": _GIVEN[member],
                "region": "AL",
                "last_name": rnd.choice(["Kola", "Kola", "Kolla", ""]),
            }
            if share_inbox:
                row["email"] = "familja.kola@example.al"
            else:
                row["phone"] = rnd.choice(["+355 4 222 3333", "04 222 3333", "00355 4 2223333"])
            rows.append(row)
    rnd.shuffle(rows)
    for cluster in Matcher().dedupe(rows):
        assert len({str(i).split("-")[0] for i in cluster.ids}) == 1


def test_link_pairs_each_record_at_most_once_best_first() -> None:
    left = [
        {"id": "L1", "full_name": "Małgorzata Wójcik", "phone": "+48 512 345 678"},
        {"id": "L2", "full_name": "Jan Kowalski", "email": "jan@wp.pl"},
    ]
    right = [
        {
            "id": "R1",
            "first_name": "Gosia",
            "last_name": "Wojcik",
            "phone": "512345678",
            "region": "PL",
        },
        {"id": "R2", "full_name": "Jan Kowalski", "email": "JAN@WP.PL"},
        {"id": "R3", "full_name": "Jan Kowalski", "email": "jan@wp.pl"},
    ]
    pairs = Matcher().link(left, right)
    assert {(a, b) for a, b, _ in pairs} in (
        {("L1", "R1"), ("L2", "R2")},
        {("L1", "R1"), ("L2", "R3")},
    )
    assert [s for _, _, s in pairs] == sorted((s for _, _, s in pairs), reverse=True)


def test_clusters_carry_reasons_for_their_weakest_link() -> None:
    rows = [
        {"id": 1, "full_name": "Besa Kola", "phone": "+355691234567"},
        {"id": 2, "first_name": "Besa", "phone": "069 123 4567", "region": "AL"},
    ]
    (cluster,) = Matcher().dedupe(rows)
    assert any(reason.startswith("phone equal +") for reason in cluster.reasons)


def test_progress_is_reported_during_long_calls() -> None:
    seen: list[str] = []
    Matcher().dedupe([{"id": 1}, {"id": 2}], progress=lambda stage, done, total: seen.append(stage))
    assert seen[0] == "prepare"
    assert seen[-1] == "done"


def _pairwise(clusters: list[tuple[object, ...]], truth: dict[object, str]) -> tuple[float, float]:
    predicted = {frozenset(p) for c in clusters for p in itertools.combinations(c, 2)}
    by_entity: dict[str, list[object]] = {}
    for rid, entity in truth.items():
        by_entity.setdefault(entity, []).append(rid)
    true = {frozenset(p) for g in by_entity.values() for p in itertools.combinations(g, 2)}
    correct = len(predicted & true)
    return correct / max(len(predicted), 1), correct / max(len(true), 1)


def test_dev_slice_is_deduplicated_precisely() -> None:
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    clusters = Matcher(source_field="source").dedupe(rows, id_field="record_id")
    precision, recall = _pairwise(
        [c.ids for c in clusters], {r["record_id"]: r["entity_id"] for r in rows}
    )
    # Every record once; precision first. Measured P 0.977 R 0.342 (before the EM prior and
    # multi-word given names: R 0.316). Recall is bounded by the data: most cross-channel
    # pairs share only a name, which namesakes share too (see docs/identity.md).
    assert sum(len(c) for c in clusters) == len(rows)
    assert precision >= 0.95
    assert recall >= 0.32


def test_a_household_account_does_not_link_a_record_without_a_given_name() -> None:
    # Besa and Arben share the family's account; record 2 could be either of them.
    rows = [
        {"id": 0, "first_name": "Besa", "instagram": "kola.family"},
        {"id": 1, "first_name": "Arben", "instagram": "kola.family", "last_name": "Kola"},
        {"id": 2, "last_name": "Kola", "instagram": "kola.family"},
    ]
    assert sorted(len(c) for c in Matcher().dedupe(rows)) == [1, 1, 1]


def test_an_address_many_strangers_typed_links_nobody() -> None:
    rows = [
        {"id": n, "full_name": "Jan Nowak", "email": "jannowak@wp.pl", "phone": f"+4851234{n:04d}"}
        for n in range(8)
    ]
    assert all(len(c) == 1 for c in Matcher().dedupe(rows))


def test_records_of_one_source_are_never_merged_when_sources_are_clean() -> None:
    rows = [
        {"id": 1, "src": "crm", "full_name": "Besa Kola", "email": "besa@example.al"},
        {"id": 2, "src": "crm", "full_name": "Besa Kola", "email": "besa@example.al"},
        {"id": 3, "src": "shop", "full_name": "Besa Kola", "email": "besa@example.al"},
    ]
    clusters = Matcher(source_field="src").dedupe(rows)
    assert not any({1, 2} <= set(c.ids) for c in clusters)
    assert len(Matcher().dedupe(rows)) == 1


def test_a_name_without_a_region_says_no_more_than_with_its_market() -> None:
    """Counting a Bulgarian given and family name as rarities of all markets would count
    the market twice: two records without a region must not get more evidence from one
    full name than two records known to be Bulgarian."""
    from crmkit._progress import quiet
    from crmkit.identity.matcher import _canonical_order

    rng = random.Random(3)
    people = {
        "BG": (["Stefan", "Ivan", "Maria", "Elena"], ["Petrov", "Ivanova", "Dimitrov", "Kolev"]),
        "PL": (["Piotr", "Anna", "Jan", "Ewa"], ["Nowak", "Kowalska", "Wojcik", "Mazur"]),
        "PH": (["Jose", "Maricel", "Mark", "Ana"], ["Santos", "Reyes", "Cruz", "Bautista"]),
    }
    rows = [
        {
            "id": f"{region}{n}",
            "first_name": rng.choice(firsts),
            "last_name": rng.choice(lasts),
            "region": region,
            "email": f"{region}{n}@example.com",
        }
        for region, (firsts, lasts) in people.items()
        for n in range(400)  # name frequencies are used from 1,000 records
    ]
    pair = [{"id": name, "full_name": "Stefan Dandanov"} for name in ("a", "b")]
    scores = []
    for region in ("BG", ""):
        extra = [{**r, "region": region} for r in pair]
        matcher = Matcher()
        arrived = matcher.prepare_all(rows + extra, id_field="id")
        prepared = [arrived[n] for n in _canonical_order(arrived)]
        judge = matcher._judge(prepared, None, quiet)
        at = {r.id: n for n, r in enumerate(prepared)}
        i, j = sorted((at["a"], at["b"]))
        scores.append(judge.edge(i, j))
    with_market, without = scores
    assert without <= with_market + 1e-9
