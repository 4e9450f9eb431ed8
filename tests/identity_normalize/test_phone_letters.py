"""Letters in a phone number are refused, not dropped; possible-but-invalid numbers are kept
and flagged."""

from __future__ import annotations

import pytest

from crmkit._normalize import _normalize_phone_slow, normalize_phone, phone_is_valid
from crmkit.contacts import Contact
from crmkit.errors import InvalidPhoneError


@pytest.mark.parametrize(
    "raw", ["069 123 456a", "069 a123 4567", "1-800-FLOWERS", "+355 69 l23 4567"]
)
def test_a_letter_outside_an_extension_is_refused(raw: str) -> None:
    for normalize in (normalize_phone, _normalize_phone_slow):
        with pytest.raises(InvalidPhoneError) as info:
            normalize(raw, "AL")
        assert (info.value.field, info.value.value) == ("phone", raw)
        assert "letters" in info.value.reason


@pytest.mark.parametrize("raw", ["+355 4 222 3333 ext. 12", "+355 4 222 3333 x12", "042223333 #12"])
def test_an_extension_is_accepted_and_not_kept(raw: str) -> None:
    assert normalize_phone(raw, "AL") == "+35542223333"


def test_a_possible_but_invalid_number_is_kept_and_flagged() -> None:
    contact = Contact.new(phones=["069 12 34", "069 123 4567"], region="AL")
    assert contact.phones == ("+355691234", "+355691234567")
    assert contact.invalid_phones == ("+355691234",)
    assert phone_is_valid("+355691234567")
    assert not phone_is_valid("not a number")
