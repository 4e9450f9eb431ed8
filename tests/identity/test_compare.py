from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.identity import (
    compare_dates,
    compare_phones,
    edit_distance,
    jaro_winkler,
    slug_similarity,
    token_set_similarity,
    within_edits,
)

names = st.text(alphabet="abcdeghijklmnoprstuvz", max_size=12)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("martha", "marhta", 0.9611), ("dwayne", "duane", 0.84), ("dixon", "dicksonx", 0.8133)],
)
def test_jaro_winkler_matches_the_published_examples(a: str, b: str, expected: float) -> None:
    assert jaro_winkler(a, b) == pytest.approx(expected, abs=1e-3)


@given(names, names)
def test_jaro_winkler_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert jaro_winkler(a, b) == jaro_winkler(b, a)
    assert 0.0 <= jaro_winkler(a, b) <= 1.0


@given(names)
def test_a_string_is_fully_similar_to_itself(a: str) -> None:
    assert jaro_winkler(a, a) == 1.0
    assert edit_distance(a, a) == 0


@given(names, names)
def test_edit_distance_is_symmetric_and_at_most_the_longer_length(a: str, b: str) -> None:
    assert edit_distance(a, b) == edit_distance(b, a)
    assert abs(len(a) - len(b)) <= edit_distance(a, b) <= max(len(a), len(b))


def test_edit_distance_counts_insertions_deletions_and_substitutions() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_token_set_similarity_ignores_word_order() -> None:
    assert token_set_similarity("dela cruz juan", "juan dela cruz") == 1.0
    assert token_set_similarity("juan dela cruz", "maria santos") < 0.8


def test_email_local_part_meets_a_social_handle() -> None:
    assert slug_similarity("besa.kola85", "@Besa_Kola") == 1.0
    assert slug_similarity("besa.kola", "arben.hoxha") < 0.7


def test_phones_equal_partial_and_different() -> None:
    assert compare_phones("+355691234567", "+355691234567") == 2
    assert compare_phones("+355691234567", "+39691234567") == 1
    assert compare_phones("+355691234567", "+355697654321") == 0


def test_dates_recognise_a_day_month_swap() -> None:
    assert compare_dates(date(1990, 5, 1), date(1990, 5, 1)) == 3
    assert compare_dates(date(1990, 5, 1), date(1990, 1, 5)) == 2
    assert compare_dates(date(1990, 5, 1), date(1991, 5, 1)) == 1
    assert compare_dates(date(1990, 5, 1), date(1970, 2, 9)) == 0


@given(names, names, st.integers(min_value=0, max_value=3))
def test_bounded_edit_check_agrees_with_full_edit_distance(a: str, b: str, k: int) -> None:
    assert within_edits(a, b, k) == (edit_distance(a, b) <= k)
