"""Canonical forms of the identities that recognise a person: email, phone, social handle.

Two inputs that name the same mailbox, line or account must normalise to the same string,
because identity lookup is an exact match on these forms.
"""

from __future__ import annotations

import functools
import numbers
import re
import unicodedata
from typing import Any

import email_validator
import phonenumbers
from phonenumbers.phonenumberutil import _EXTN_PATTERN

from crmkit._phone_fast import plain_e164
from crmkit._text_limits import SHORT_TEXT
from crmkit.errors import (
    InvalidEmailError,
    InvalidExternalIdError,
    InvalidHandleError,
    InvalidPhoneError,
)

__all__ = [
    "CASE_INSENSITIVE_CHANNELS",
    "identity_key",
    "normalize_channel",
    "normalize_digits",
    "normalize_email",
    "normalize_external_id",
    "normalize_handle",
    "normalize_phone",
    "phone_is_valid",
]

# Networks whose account names ignore case. Handles on other channels keep their case,
# because folding would glue two different accounts.
CASE_INSENSITIVE_CHANNELS = frozenset(
    {
        "instagram",
        "facebook",
        "twitter",
        "x",
        "tiktok",
        "telegram",
        "linkedin",
        "threads",
        "youtube",
        "github",
        "snapchat",
        "pinterest",
        "viber",
        "whatsapp",
    }
)

# Plain ASCII addresses (the vast majority) are checked by this strict subset of RFC 5321 in
# about a microsecond; anything it does not accept goes through email-validator (about 20 µs),
# so the fast path only ever accepts what the validator accepts, with the same result.
_PLAIN_EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SPECIAL_USE_TLDS = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
_CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")
# The extension phonenumbers reads at the end of a number ("ext. 12", "x12", "#12"); the same
# pattern parse uses, so what it takes for an extension is what crmkit lets through.
_EXTENSION: re.Pattern[str] = _EXTN_PATTERN
_HANDLE_URL_RE = re.compile(r"^(?:https?://)?(?:www\.|m\.)?[a-z0-9.-]+\.[a-z]{2,}/+(?:@)?", re.I)


def normalize_digits(text: str) -> str:
    """Replace any Unicode decimal digit (Persian ۰-۹, Arabic-Indic ٠-٩, full-width) by ASCII.

    >>> normalize_digits("۰۹۱۲ ۳۴۵ ٦٧٨٩")
    '0912 345 6789'
    """
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


def normalize_email(value: Any) -> str:
    """Return the canonical form of an email address, or raise ``InvalidEmailError``.

    The whole address is case-folded: RFC 5321 lets a server treat the local part as
    case-sensitive, but no mail provider our users meet does, and keeping case would split one
    person into two. Internationalised domains become their Unicode form; no DNS is queried.

    >>> normalize_email("  Besa.Kola@Example.AL ")
    'besa.kola@example.al'
    >>> normalize_email("ivan@пример.бг")
    'ivan@пример.бг'
    """
    if not isinstance(value, str):
        raise InvalidEmailError("email", value, "expected a string")
    text = value.strip()
    if text.isascii():
        folded = text.lower()
        local, _, domain = folded.partition("@")
        if (
            len(folded) <= 254
            and len(local) <= 64
            and _PLAIN_EMAIL_RE.match(folded)
            and "xn--" not in domain
            and domain.rsplit(".", 1)[-1] not in _SPECIAL_USE_TLDS
        ):
            return folded
    text = unicodedata.normalize("NFC", text)
    try:
        result = email_validator.validate_email(
            text, check_deliverability=False, allow_smtputf8=True
        )
    except email_validator.EmailNotValidError as exc:
        raise InvalidEmailError("email", value, str(exc)) from exc
    return str(result.normalized).casefold()


def normalize_phone(value: Any, region: str | None = None) -> str:
    """Return a phone number in E.164, or raise ``InvalidPhoneError``.

    A number written without a country code needs *region* (ISO 3166 alpha-2); without one it
    is rejected, never guessed. Persian and Arabic-Indic digits are accepted.

    >>> normalize_phone("069 123 4567", "AL")
    '+355691234567'
    >>> normalize_phone("+98 ۹۱۲ ۳۴۵ ۶۷۸۹")
    '+989123456789'
    >>> normalize_phone("069 123 4567")
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidPhoneError: invalid phone '069 123 4567': no country code and no region \
to read it in; pass region= or set the CRM's default_region
    """
    text, region_code = _phone_text(value, region)
    # Plainly typed numbers skip phonenumbers.parse (most of the cost of a lookup); the
    # shortcut gives parse's own answer or steps aside, see crmkit._phone_fast.
    fast = plain_e164(text, region_code)
    if fast is not None:
        return fast
    return _parse_phone(value, text, region_code)


def _normalize_phone_slow(value: Any, region: str | None = None) -> str:
    """``normalize_phone`` always through ``phonenumbers.parse``: the reference for the tests."""
    text, region_code = _phone_text(value, region)
    return _parse_phone(value, text, region_code)


def _phone_text(value: Any, region: str | None) -> tuple[str, str | None]:
    """The text to parse and the upper-case region, or ``InvalidPhoneError`` before parsing."""
    if not isinstance(value, str):
        raise InvalidPhoneError("phone", value, "expected a string")
    text = normalize_digits(value).strip()
    if not text:
        raise InvalidPhoneError("phone", value, "empty")
    if text.startswith("00"):
        text = "+" + text[2:]
    region_code = region.upper() if isinstance(region, str) and region.strip() else None
    if not text.startswith("+") and region_code is None:
        raise InvalidPhoneError(
            "phone",
            value,
            "no country code and no region to read it in; pass region= or set the CRM's "
            "default_region",
        )
    if region_code is not None and region_code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidPhoneError("region", region, "not a known ISO 3166 region")
    return text, region_code


def _parse_phone(value: Any, text: str, region_code: str | None) -> str:
    # phonenumbers drops a stray letter ("069 123 456a" read as "069 123 456") and reads
    # vanity letters as digits; crmkit keeps only digits, so any letter outside a trailing
    # extension ("ext. 12", "x12") is refused rather than silently changed.
    number = _EXTENSION.split(text, maxsplit=1)[0].split(";", 1)[0]
    if number[:4].lower() == "tel:":
        number = number[4:]
    if any(ch.isalpha() for ch in number):
        raise InvalidPhoneError(
            "phone",
            value,
            "contains letters; write the number in digits (an extension like "
            "'ext. 12' is allowed and not kept)",
        )
    try:
        parsed = phonenumbers.parse(text, region_code)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError("phone", value, str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneError("phone", value, "not a possible number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def phone_is_valid(e164: str) -> bool:
    """Is a stored (E.164) number valid, not just possible, for its country's numbering plan?

    crmkit keeps a number that is possible (the right length) but not valid (no such range,
    as in a typo), so that nobody loses what they typed; read this to flag it.

    >>> phone_is_valid("+355691234567"), phone_is_valid("+355691234")
    (True, False)
    """
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False


@functools.lru_cache(maxsize=256)
def _channel(text: str) -> str | None:
    text = text.strip().lower()
    return text if _CHANNEL_RE.match(text) else None


def normalize_channel(value: Any) -> str:
    """A channel name: lower-case letters, digits, ``_ . -``; starting with a letter.

    >>> normalize_channel(" Instagram ")
    'instagram'
    """
    if not isinstance(value, str):
        raise InvalidHandleError("channel", value, "expected a string")
    text = _channel(value)
    if text is None:
        raise InvalidHandleError("channel", value, "expected a short name like 'instagram'")
    return text


def normalize_handle(channel: Any, handle: Any) -> tuple[str, str]:
    """Return ``(channel, handle)`` in canonical form.

    Strips whitespace, a leading ``@`` and a profile URL; folds case on networks whose account
    names ignore case.

    >>> normalize_handle("instagram", "@Besa.Kola")
    ('instagram', 'besa.kola')
    >>> normalize_handle("Instagram", "https://www.instagram.com/besa.kola/")
    ('instagram', 'besa.kola')
    """
    chan = normalize_channel(channel)
    if not isinstance(handle, str):
        raise InvalidHandleError("handle", handle, "expected a string")
    if len(handle) > SHORT_TEXT:
        raise InvalidHandleError("handle", handle, f"longer than {SHORT_TEXT} characters")
    if "\x00" in handle or (not handle.isascii() and not _encodable(handle)):
        raise InvalidHandleError("handle", handle, "contains NUL or is not valid Unicode text")
    text = unicodedata.normalize("NFC", handle.strip())
    text = _HANDLE_URL_RE.sub("", text).split("?")[0].strip("/").lstrip("@").strip()
    if not text or any(ch.isspace() for ch in text):
        raise InvalidHandleError("handle", handle, "empty or contains spaces")
    if chan in CASE_INSENSITIVE_CHANNELS:
        text = text.casefold()
    return chan, text


_MAX_EXTERNAL_ID = 255


def _is_bool(value: object) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy.bool_


def normalize_external_id(value: Any, system: Any = None) -> tuple[str | None, str]:
    """Return ``(system, id)`` for an id from another system, or raise
    ``InvalidExternalIdError`` naming the field.

    The id is text or an integer (``1042`` and ``"1042"`` are the same id), kept exactly but
    for surrounding whitespace: ids are case-sensitive in most systems. A float is refused
    rather than guessed at (``1042.0`` is what pandas makes of an id column with empty cells;
    read it with ``dtype=str``). The optional *system* names where the id comes from
    (``"shopify"``), with the rules of a channel name; ids of different systems never clash.

    >>> normalize_external_id(" 1042 "), normalize_external_id(1042, "Shopify")
    ((None, '1042'), ('shopify', '1042'))
    >>> normalize_external_id(1042.0)
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidExternalIdError: invalid external_id 1042.0: expected text or an \
integer (read id columns with dtype=str)
    """
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, numbers.Integral) and not _is_bool(value):
        text = str(int(value))
    else:
        raise InvalidExternalIdError(
            "external_id", value, "expected text or an integer (read id columns with dtype=str)"
        )
    if not text:
        raise InvalidExternalIdError("external_id", value, "empty")
    if "\x00" in text:
        raise InvalidExternalIdError("external_id", value, "contains a NUL character")
    if len(text) > _MAX_EXTERNAL_ID:
        raise InvalidExternalIdError(
            "external_id", value, f"longer than {_MAX_EXTERNAL_ID} characters"
        )
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidExternalIdError("external_id", value, "not valid Unicode text") from exc
        text = unicodedata.normalize("NFC", text)
    if system is None:
        return None, text
    chan = _channel(system) if isinstance(system, str) else None
    if chan is None:
        raise InvalidExternalIdError(
            "external_system", system, "expected a short name like 'shopify'"
        )
    return chan, text


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def identity_key(kind: str, value: str, channel: str | None = None) -> str:
    """The single string under which an identity is indexed.

    An external id's key always has the system part, empty when it has none, so an id
    holding ``:`` reads back unambiguously.

    >>> identity_key("email", "besa@example.al")
    'email:besa@example.al'
    >>> identity_key("handle", "besa.kola", channel="instagram")
    'handle:instagram:besa.kola'
    >>> identity_key("external", "1042", "shopify"), identity_key("external", "urn:x:7")
    ('external:shopify:1042', 'external::urn:x:7')
    """
    if kind == "handle":
        return f"handle:{channel}:{value}"
    if kind == "external":
        return f"external:{channel or ''}:{value}"
    return f"{kind}:{value}"
