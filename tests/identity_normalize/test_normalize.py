from __future__ import annotations

import email_validator
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crmkit.errors import InvalidEmailError, InvalidHandleError, InvalidPhoneError
from crmkit.identity.normalize import (
    normalize_digits,
    normalize_email,
    normalize_handle,
    normalize_phone,
)

_ascii_email_parts = st.text(alphabet="abcXYZ019.-_+@", min_size=1, max_size=20)


def _validator(text: str) -> str | None:
    try:
        result = email_validator.validate_email(
            text, check_deliverability=False, allow_smtputf8=True
        )
    except email_validator.EmailNotValidError:
        return None
    return str(result.normalized).casefold()


@given(
    local=_ascii_email_parts,
    domain=st.sampled_from(
        [
            "example.al",
            "firma.pl",
            "x.test",
            "a-.com",
            "-a.com",
            "abv.bg",
            "b.c",
            "x.123",
            "xn--80ak6aa92e.com",
        ]
    ),
)
@example(local="a..b", domain="x.com")
@example(local=".a", domain="x.com")
def test_fast_email_path_agrees_with_email_validator(local: str, domain: str) -> None:
    text = f"{local}@{domain}"
    expected = _validator(text)
    if expected is None:
        with pytest.raises(InvalidEmailError):
            normalize_email(text)
    else:
        assert normalize_email(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("LULJETA.DEDJA@YAHOO.COM", "luljeta.dedja@yahoo.com"),
        ("  ivan@Пример.БГ ", "ivan@пример.бг"),
        ("łukasz@wp.pl", "łukasz@wp.pl"),
    ],
)
def test_emails_are_case_folded_and_internationalised(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("069 123 4567", "AL", "+355691234567"),
        ("00355 69 123 4567", None, "+355691234567"),
        ("087-287-7101", "BG", "+359872877101"),
        ("0917 123 4567", "PH", "+639171234567"),
        ("601 234 567", "PL", "+48601234567"),
        ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "IR", "+989123456789"),
        ("٠٩١٢ ٣٤٥ ٦٧٨٩", "IR", "+989123456789"),
    ],
)
def test_phones_from_our_markets_become_e164(raw: str, region: str | None, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["069 123 4567", "", "abc"])
def test_phone_without_region_or_digits_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhoneError) as info:
        normalize_phone(raw)
    assert info.value.value == raw


def test_unknown_region_is_rejected_naming_region() -> None:
    with pytest.raises(InvalidPhoneError) as info:
        normalize_phone("069 123 4567", "ZZ")
    assert info.value.field == "region"


def test_persian_digits_become_ascii() -> None:
    assert normalize_digits("۱۲۳٤٥") == "12345"


@pytest.mark.parametrize(
    ("channel", "raw", "expected"),
    [
        ("instagram", "@Besa.Kola", "besa.kola"),
        ("Instagram", "https://www.instagram.com/besa.kola/?hl=en", "besa.kola"),
        ("telegram", "@Hristo_S", "hristo_s"),
        ("mastodon", "CaseMatters", "CaseMatters"),
    ],
)
def test_handles_are_canonical_per_channel(channel: str, raw: str, expected: str) -> None:
    assert normalize_handle(channel, raw)[1] == expected


@pytest.mark.parametrize(
    ("channel", "raw"), [("instagram", "two words"), ("instagram", "@"), (42, "x"), ("", "x")]
)
def test_bad_handles_and_channels_are_rejected(channel: object, raw: str) -> None:
    with pytest.raises(InvalidHandleError):
        normalize_handle(channel, raw)
