"""Text every backend can store: the same length limits everywhere, no NUL, no lone
surrogates. Checked where text comes in, so a bad value is a :class:`ValidationError` naming
the field, never a driver error or a row one backend keeps and another refuses."""

from __future__ import annotations

from typing import Any

from crmkit.errors import ValidationError

__all__ = ["ADDRESS_TEXT", "LONG_TEXT", "SHORT_TEXT", "check_text", "clean_text"]

# Length limits, in characters, the same on every backend. Names, ids and labels are short
# and may end up in a database index (PostgreSQL refuses an index entry over 2704 bytes, and
# a character takes up to 4); an address gives its first words to a matching key; free text
# (notes, summaries, bodies) is never indexed but is kept to a size a CRM row should have.
SHORT_TEXT = 200
ADDRESS_TEXT = 400
LONG_TEXT = 100_000


def check_text(field: str, value: str, *, limit: int = LONG_TEXT) -> None:
    """Reject text no database can store (NUL characters, unpaired surrogates) and text
    longer than *limit* characters.

    >>> check_text("title", "Ofertë")
    >>> check_text("title", "\\udc80")
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid title '\\udc80': is not valid Unicode text
    """
    if len(value) > limit:
        raise ValidationError(field, value, f"longer than {limit} characters")
    # NUL is never meaningful in a name or note, and PostgreSQL cannot store it in text.
    if "\x00" in value:
        raise ValidationError(field, value, "contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError(field, value, "is not valid Unicode text") from exc


def clean_text(
    field: str, value: Any, *, required: bool = False, limit: int = SHORT_TEXT
) -> str | None:
    """*value* stripped (``None`` when blank), after :func:`check_text` with *limit*
    (default :data:`SHORT_TEXT`, for names, ids and labels); a string is required when
    *required*.

    >>> clean_text("owner", "  arta "), clean_text("owner", None), clean_text("owner", " ")
    ('arta', None, None)
    >>> clean_text("owner", 7)
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid owner 7: expected a string
    """
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, value, "expected a string")
    check_text(field, value, limit=limit)
    text = value.strip()
    if required and not text:
        raise ValidationError(field, value, "must not be empty")
    return text or None
