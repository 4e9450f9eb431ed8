from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.text import DEFAULT_NICKNAMES, Nicknames, fold, latinize, match_form, phonetic_key


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("Łukasz Wiśniewski", "lukasz wisniewski"),
        ("Małgorzata Dąbrowska", "malgorzata dabrowska"),
        ("Żaneta Źródło Ćwik Ńo Ó", "zaneta zrodlo cwik no o"),
        ("Ëndrit Çela", "endrit cela"),
        ("JOSÉ  DELA   CRUZ", "jose dela cruz"),
    ],
)
def test_fold_removes_polish_and_albanian_diacritics_and_case(written: str, plain: str) -> None:
    assert fold(written) == plain


def test_fold_unifies_arabic_letters_with_persian_ones() -> None:
    assert fold("علي كاظمي") == fold("علی کاظمی")


def test_fold_drops_vowel_marks_tatweel_and_zero_width_joiners() -> None:
    assert fold("مُحَمَّد") == fold("محمد")
    assert fold("محـــمد") == fold("محمد")
    assert fold("نیلو\u200cفر") == fold("نیلوفر")


def test_fold_makes_persian_and_arabic_indic_digits_ascii() -> None:
    assert fold("۰۹۱۲ ٣٤٥") == "0912 345"


def test_fold_keeps_bulgarian_short_i_distinct_from_i() -> None:
    assert fold("Йордан") != fold("Иордан")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Христо Стоянов", "Hristo Stoyanov"),
        ("Христо Стоянов", "Khristo Stojanov"),
        ("Живко Жеков", "Jivko Jekov"),
        ("Цветелина Цанкова", "Cvetelina Tsankova"),
        ("Щерев", "Shterev"),
        ("Мария", "Mariya"),
        ("Мария", "Maria"),
        ("Любомир", "Liubomir"),
    ],
)
def test_bulgarian_cyrillic_meets_its_common_romanisations(cyrillic: str, latin: str) -> None:
    assert match_form(cyrillic) == match_form(latin)


def test_latinize_uses_the_streamlined_system() -> None:
    assert latinize("Щерев Жеков Цанков Юлия") == "shterev zhekov tsankov yuliya"


@pytest.mark.parametrize(
    ("persian", "latin"),
    [("محمد", "Mohammad"), ("حسین", "Hossein"), ("قاسمی", "Ghasemi"), ("نیلوفر", "Niloufar")],
)
def test_persian_and_its_romanisation_share_a_phonetic_key(persian: str, latin: str) -> None:
    assert phonetic_key(persian) == phonetic_key(latin)


def test_phonetic_key_separates_different_names() -> None:
    assert phonetic_key("Petrov") != phonetic_key("Kowalski")


@pytest.mark.parametrize(
    ("pet", "given"),
    [
        ("Gosia", "Małgorzata"),
        ("Kasia", "Katarzyna"),
        ("Митко", "Димитър"),
        ("Ferdie", "Ferdinand"),
        ("Xhesi", "Xhesika"),
        ("Mitko", "Dimitar"),
    ],
)
def test_default_nicknames_lead_to_the_given_name(pet: str, given: str) -> None:
    assert DEFAULT_NICKNAMES.canonical(pet) == DEFAULT_NICKNAMES.canonical(given)


def test_users_can_extend_the_nickname_table_without_changing_the_default() -> None:
    mine = DEFAULT_NICKNAMES.extended({"Bardhyl": ["Dyli"]})
    assert mine.canonical("Dyli") == mine.canonical("Bardhyl")
    assert DEFAULT_NICKNAMES.canonical("Dyli") != DEFAULT_NICKNAMES.canonical("Bardhyl")
    assert mine.canonical("Gosia") == mine.canonical("Małgorzata")


def test_unknown_names_are_their_own_canonical_form() -> None:
    assert Nicknames().canonical("Teuta") == "teuta"


@given(st.text(max_size=30))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(max_size=30))
def test_match_form_is_letters_and_single_spaces(text: str) -> None:
    form = match_form(text)
    assert "  " not in form
    assert form == form.strip()
