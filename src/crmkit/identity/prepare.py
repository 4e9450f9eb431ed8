"""Turning a plain record (a mapping of field names to text) into the folded, normalised form
that blocking and comparison work on. Bad values never raise here: an unparseable phone or
email is simply absent, so junk records stay singletons instead of stopping a batch."""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Mapping
from typing import Any

import attrs
import phonenumbers

from crmkit._missing import is_missing
from crmkit.identity.compare import slug
from crmkit.identity.normalize import normalize_digits, normalize_email, normalize_phone
from crmkit.text import DEFAULT_NICKNAMES, Nicknames, match_form

__all__ = ["HANDLE_FIELDS", "PreparedRecord", "fast_phone", "prepare"]

HANDLE_FIELDS = (
    "instagram",
    "facebook",
    "telegram",
    "tiktok",
    "twitter",
    "x",
    "whatsapp",
    "viber",
    "linkedin",
    "handle",
)
_PHONE_JUNK_RE = re.compile(r"[\s\-().\u00a0/]")
_DATE_DIGITS_RE = re.compile(r"\d+")


@attrs.frozen
class PreparedRecord:
    """A record folded for matching. Empty strings stand for missing values.

    >>> r = prepare({"id": 1, "full_name": "Małgosia Wójcik", "phone": "+48 512 345 678"})
    >>> r.first, r.last, r.phone
    ('malgorzata', 'voicik', '+48512345678')
    """

    id: Hashable
    first: str = ""
    last: str = ""
    last_from_slug: bool = False
    email: str = ""
    phone: str = ""
    handles: tuple[tuple[str, str], ...] = ()
    slugs: tuple[str, ...] = ()
    city: str = ""
    postcode: str = ""
    address: str = ""
    birthday: str = ""
    company: str = ""
    external_id: str = ""
    region: str = ""
    source: str = ""
    # Other readings of a full name of three or more words: "Mark Anthony Dela Cruz" may be
    # given name "mark anthony" and surname "dela cruz", not "mark" and "anthony dela cruz".
    other_splits: tuple[tuple[str, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the record has nothing to recognise a person by (a birthday or a
        street address with its number does, beside others)."""
        return not (
            self.first
            or self.last
            or self.email
            or self.phone
            or self.handles
            or self.external_id
            or self.birthday
            or self.address
        )


@functools.lru_cache(maxsize=256)
def _region_prefix(region: str) -> tuple[str, str] | None:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return None
    return str(meta.country_code), meta.national_prefix or ""


def fast_phone(value: str, region: str | None) -> str:
    """E.164 for matching: a fast path for plainly written numbers, the full parser otherwise;
    ``""`` when the number cannot be read.

    >>> fast_phone("069-123-4567", "AL"), fast_phone("00355 69 123 4567", None)
    ('+355691234567', '+355691234567')
    >>> fast_phone("call me", "AL")
    ''
    """
    text = _PHONE_JUNK_RE.sub("", normalize_digits(value))
    if text.startswith("00"):
        text = "+" + text[2:]
    body = text[1:] if text.startswith("+") else text
    if body.isdigit() and body.isascii():
        if text.startswith("+"):
            return text if 8 <= len(body) <= 15 else ""
        info = _region_prefix(region.upper()) if region else None
        if info is not None:
            code, trunk = info
            if trunk and body.startswith(trunk):
                body = body[len(trunk) :]
            if 6 <= len(body) <= 12:
                return f"+{code}{body}"
    try:
        return normalize_phone(value, region or None)
    except ValueError:
        return ""


def _text(value: object) -> str:
    # Text first (most values), then the missing markers of data frames: str(nan) is "nan",
    # and "nan" == "nan" would be read as agreement between two strangers.
    if isinstance(value, str):
        return value
    return "" if is_missing(value) else str(value)


def _folded(value: object) -> str:
    # Most fields of most records are missing: those skip the folding (and its cache) outright.
    text = _text(value)
    return match_form(text) if text else ""


def _birthday(value: str) -> str:
    digits = "".join(_DATE_DIGITS_RE.findall(value))
    return digits if len(digits) == 8 else ""


def _split_slug_name(first: str, slugs: tuple[str, ...]) -> str:
    # "blendi.topalli" with first name "Blendi" tells us the surname the record left out.
    head = first.replace(" ", "")
    for form in slugs:
        if head and form.startswith(head) and len(form) - len(head) >= 3:
            return form[len(head) :]
    return ""


def prepare(
    record: Mapping[str, Any],
    *,
    id_field: str = "id",
    nicknames: Nicknames = DEFAULT_NICKNAMES,
    default_region: str | None = None,
    source_field: str | None = None,
) -> PreparedRecord:
    """Fold one record for matching; unknown fields are ignored, bad values dropped.

    >>> r = prepare({"id": "a", "full_name": "Христо Стоянов", "instagram": "@Hristo.Stoyanov"})
    >>> r.first, r.last, r.handles
    ('hristo', 'stoianov', (('instagram', 'hristo.stoyanov'),))
    """
    get = record.get
    region = _text(get("region")).strip().upper()
    first = _folded(get("first_name"))
    last = _folded(get("last_name"))
    full = _folded(get("full_name"))
    other_splits: tuple[tuple[str, str], ...] = ()
    if full and not (first or last):
        words = full.split()
        first, last = words[0], " ".join(words[1:])
        other_splits = tuple(
            (nicknames.canonical(" ".join(words[:k])), " ".join(words[k:]))
            for k in range(2, len(words))
        )
    if first:
        first = nicknames.canonical(first)
    email = ""
    raw_email = _text(get("email")).strip()
    if raw_email:
        try:
            email = normalize_email(raw_email)
        except ValueError:
            email = ""
    raw_phone = _text(get("phone")).strip()
    phone = fast_phone(raw_phone, region or default_region) if raw_phone else ""
    handles = []
    for key in HANDLE_FIELDS:
        value = get(key)
        if not value or not isinstance(value, str):
            continue
        text = value.strip().lstrip("@").casefold()
        if text and not any(ch.isspace() for ch in text):
            handles.append((key, text))
    slugs: tuple[str, ...] = ()
    if email or handles:
        slugs = tuple(
            match_form(s)
            for s in (slug(email.partition("@")[0]), *(slug(h) for _, h in handles))
            if len(s) >= 5
        )
    last_from_slug = False
    if first and not last and slugs:
        last = _split_slug_name(first, slugs)
        last_from_slug = bool(last)
    postcode = _text(get("postcode"))
    birthday = _text(get("birthday"))
    return PreparedRecord(
        id=get(id_field),
        first=first,
        last=last,
        last_from_slug=last_from_slug,
        email=email,
        phone=phone,
        handles=tuple(handles),
        slugs=tuple(dict.fromkeys(slugs)) if len(slugs) > 1 else slugs,
        city=_folded(get("city")),
        postcode=postcode.strip().replace(" ", "").casefold() if postcode else "",
        address=_folded(get("address")),
        birthday=_birthday(birthday) if birthday else "",
        company=_folded(get("company")),
        external_id=_text(get("external_id")).strip(),
        region=region,
        source=_text(get(source_field)) if source_field else "",
        other_splits=other_splits,
    )
