"""A shortcut through ``phonenumbers.parse`` for numbers typed plainly, with the same result.

``phonenumbers.parse`` costs about 14 µs, most of a memory ``resolve``. Most phones people type
are one of two plain shapes, for which parse does little that depends on the input:

* national: ASCII digits, perhaps starting with the region's national prefix ("069 123 4567"
  in AL, "601 234 567" in PL);
* international: ``+`` then digits ("+355 69 123 4567"; crmkit has already turned ``00`` into
  ``+``).

:func:`plain_e164` answers those shapes from facts read once per region or calling code out of
the same metadata parse reads, and returns ``None`` (so the caller runs parse) whenever a step
of parse could do something other than the plain thing. It never produces an error: an input
parse would reject always goes back to parse, so errors cannot differ. What each guard stands
for, in the order parse (phonenumbers 9.x ``parse`` and ``is_possible_number``) meets it:

* input longer than 250 characters: parse raises TOO_LONG before anything else;
* only space, ``-``, ``.``, ``(``, ``)`` and ``/`` besides digits: all are phonenumbers
  punctuation, none starts an extension (those need letters, ``#``, ``,`` or ``;``) or an
  RFC 3966 part, and parse's normalisation drops exactly them; any other character goes to parse;
* at least 3 digits: parse's viability check then holds whatever the separators;
* national input matched by the region's international prefix ("00", "810", ...): parse would
  read it as an IDD, so it goes to parse; starting with the region's calling code: parse might
  read that as the calling code, so it goes to parse too;
* national prefix stripping: only regions whose ``national_prefix_for_parsing`` is empty
  (nothing is stripped) or is the plain ``national_prefix`` (a digit string, so a regex match is
  ``startswith``) with no transform rule, hence no carrier code. The prefix is taken off only
  when parse would take it off: the rest matches the region's general pattern and its length is
  IS_POSSIBLE for the region;
* ``+`` input: the calling code is the first 1-3 digits found in the table, as parse looks
  them up; parse then tries national prefix stripping against the calling code's main region,
  so input whose rest the ``national_prefix_for_parsing`` regex matches goes to parse;
* a rest starting with ``0`` goes to parse, which keeps it as an Italian leading zero (the
  answer would agree, but the shortcut does not need to lean on that);
* ``is_possible_number`` reads the main region of the calling code: the rest's length must be
  IS_POSSIBLE or IS_POSSIBLE_LOCAL_ONLY there, and at most 17 digits.

The E.164 form is then ``+``, the calling code and the rest, as ``format_number`` writes it.
The facts come from the installed metadata, so a metadata update is followed; the reasoning
follows parse's code, so ``tests/identity_normalize/test_phone_fast.py`` checks the shortcut
against parse over every region, and would catch a phonenumbers release that parses otherwise.
"""

from __future__ import annotations

import functools
import re

import attrs
import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

__all__ = ["plain_e164"]

# phonenumbers' _MAX_INPUT_STRING_LENGTH and _MIN/_MAX_LENGTH_FOR_NSN.
_MAX_INPUT_LENGTH = 250
_NSN_LENGTHS = range(2, 18)
# The separators people type. Every one is in phonenumbers' _VALID_PUNCTUATION; tabs, no-break
# spaces and the rest are rare enough to leave to parse.
_DROP_SEPARATORS = str.maketrans("", "", " -.()/")


@attrs.frozen
class _CallingCode:
    """What parse and is_possible_number do with the digits after ``+`` and this code."""

    prefix: str
    # national_prefix_for_parsing of the main region; a rest it matches goes to parse.
    national_prefix_for_parsing: re.Pattern[str] | None
    # Lengths of a national significant number that is_possible_number accepts.
    possible_lengths: frozenset[int]


@attrs.frozen
class _Region:
    """What parse does with digits typed nationally in this region."""

    calling_code: _CallingCode
    international_prefix: re.Pattern[str] | None
    # None when the region strips no national prefix at all.
    national_prefix: str | None
    general_pattern: re.Pattern[str]
    # Lengths for which parse keeps the number with the national prefix taken off.
    lengths_after_prefix: frozenset[int]


def _lengths(metadata: PhoneMetadata, accepted: tuple[int, ...]) -> frozenset[int]:
    # The very function parse and is_possible_number call; it reads only the length.
    return frozenset(n for n in _NSN_LENGTHS if _test_number_length("1" * n, metadata) in accepted)


@functools.cache
def _calling_code(code: int) -> _CallingCode | None:
    main_region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main_region)
    if metadata is None:
        return None
    npfp = metadata.national_prefix_for_parsing
    return _CallingCode(
        prefix=str(code),
        national_prefix_for_parsing=re.compile(npfp) if npfp else None,
        possible_lengths=_lengths(
            metadata, (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY)
        ),
    )


@functools.cache
def _region(region: str) -> _Region | None:
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    calling_code = _calling_code(metadata.country_code)
    npfp = metadata.national_prefix_for_parsing
    prefix = metadata.national_prefix
    pattern = metadata.general_desc.national_number_pattern if metadata.general_desc else None
    if calling_code is None or not pattern:
        return None
    if not npfp:
        prefix = None
    elif not (
        npfp == prefix
        and prefix.isascii()
        and prefix.isdigit()
        and not metadata.national_prefix_transform_rule
    ):
        return None
    idd = metadata.international_prefix
    return _Region(
        calling_code=calling_code,
        international_prefix=re.compile(idd) if idd else None,
        national_prefix=prefix,
        general_pattern=re.compile(pattern),
        lengths_after_prefix=_lengths(metadata, (ValidationResult.IS_POSSIBLE,)),
    )


def _digits(text: str) -> str | None:
    digits = text.translate(_DROP_SEPARATORS)
    if len(digits) < 3 or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def plain_e164(text: str, region: str | None) -> str | None:
    """The E.164 form ``phonenumbers`` gives *text*, or ``None`` to have parse decide.

    *text* is stripped, non-empty and has ASCII digits with ``00`` already turned into ``+``;
    *region* is upper-case and supported, or ``None``.

    >>> plain_e164("069 123 4567", "AL"), plain_e164("+48 601 234 567", None)
    ('+355691234567', '+48601234567')
    >>> plain_e164("39 06 1234 5678", "IT") is None  # calling code typed without +: parse
    True
    """
    if len(text) > _MAX_INPUT_LENGTH:
        return None
    if text[0] == "+":
        return _international(text[1:])
    if region is None:
        return None
    return _national(text, region)


def _international(text: str) -> str | None:
    digits = _digits(text)
    if digits is None or digits[0] == "0":
        return None
    codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    for size in (1, 2, 3):
        if int(digits[:size]) in codes:
            break
    else:
        return None
    plan = _calling_code(int(digits[:size]))
    rest = digits[size:]
    if (
        plan is None
        or len(rest) not in plan.possible_lengths
        or rest[0] == "0"
        or (plan.national_prefix_for_parsing and plan.national_prefix_for_parsing.match(rest))
    ):
        return None
    return "+" + digits


def _national(text: str, region: str) -> str | None:
    digits = _digits(text)
    plan = _region(region)
    if (
        digits is None
        or plan is None
        or digits.startswith(plan.calling_code.prefix)
        or (plan.international_prefix and plan.international_prefix.match(digits))
    ):
        return None
    rest = digits
    prefix = plan.national_prefix
    if prefix is not None and digits.startswith(prefix):
        rest = digits[len(prefix) :]
        if len(rest) not in plan.lengths_after_prefix or not plan.general_pattern.fullmatch(rest):
            return None
    if len(rest) not in plan.calling_code.possible_lengths or rest[0] == "0":
        return None
    return "+" + plan.calling_code.prefix + rest
