"""Coupon codes: unguessable, readable, compared ignoring case and separators."""

from __future__ import annotations

from collections import Counter

import pytest

from crmkit.errors import ValidationError
from crmkit.marketing.coupons import CODE_ALPHABET, CODE_BITS, new_code, normalise_code


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("01ILO") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 31


def test_a_code_carries_more_than_64_bits() -> None:
    assert 79 < CODE_BITS < 80


def test_codes_use_every_letter_about_equally() -> None:
    letters = Counter("".join(normalise_code(new_code()) for _ in range(2000)))
    assert set(letters) == set(CODE_ALPHABET)
    expected = 2000 * 16 / 31
    assert all(abs(n - expected) < 0.2 * expected for n in letters.values())


@pytest.mark.parametrize("raw", ["abcd-efgh", " ABCD EFGH ", "aBcDeFgH", "ab-cd-ef-gh"])
def test_case_spaces_and_hyphens_do_not_matter(raw: str) -> None:
    assert normalise_code(raw) == "ABCDEFGH"


@pytest.mark.parametrize("raw", ["", "   ", None, 42])
def test_a_code_is_non_blank_text(raw: object) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_code(raw)
    assert (err.value.field, err.value.value) == ("code", raw)
