"""Checking the plain fields of contacts and organisations: text, tags, custom values and
regions, each refused with a :class:`ValidationError` naming the field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crmkit._text_limits import ADDRESS_TEXT, SHORT_TEXT, check_text
from crmkit._types import JSONValue
from crmkit.errors import ValidationError

__all__ = ["clean_custom", "clean_region", "clean_tags", "clean_text_field"]


def clean_text_field(field: str, value: Any) -> str | None:
    """*value* with its runs of whitespace made one space (``None`` when blank), within the
    length limit of its field."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, value, "expected a string")
    check_text(field, value, limit=ADDRESS_TEXT if field == "address" else SHORT_TEXT)
    text = " ".join(value.split())
    return text or None


def clean_tags(value: Any) -> frozenset[str]:
    """Tags are short, case-folded labels.

    >>> sorted(clean_tags(["VIP", " vip ", "b2b"]))
    ['b2b', 'vip']
    """
    if value is None:
        return frozenset()
    if isinstance(value, str):
        raise ValidationError("tags", value, "expected a collection of strings, not one string")
    out = set()
    for tag in value:
        if not isinstance(tag, str) or not tag.strip():
            raise ValidationError("tags", tag, "tags are non-empty strings")
        check_text("tags", tag, limit=SHORT_TEXT)
        out.add(" ".join(tag.split()).casefold())
    return frozenset(out)


def _clean_json(field: str, value: Any) -> JSONValue:
    if isinstance(value, str):
        check_text(field, value)
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, value, "must be finite")
        # Held as PostgreSQL's jsonb holds it, so that every backend reads back the same
        # value: jsonb has no negative zero, and writes 1e+20 as the integer it is (every
        # float from 1e16 up is an integer, and Python writes those with an exponent).
        if value == 0.0:
            return 0.0
        if abs(value) >= 1e16:
            return int(value)
        return float(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(field, value, "must be finite")
        # Stored as text so no precision is lost; custom money belongs in the ledger.
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_clean_json(field, v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _clean_json(f"{field}.{k}", v) for k, v in value.items()}
    raise ValidationError(field, value, "custom values must be JSON-safe")


def clean_custom(value: Any) -> dict[str, JSONValue]:
    """Custom fields: a mapping of string keys to JSON-safe values."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("custom", value, "expected a mapping")
    out: dict[str, JSONValue] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError("custom", key, "keys are non-empty strings")
        check_text("custom", key, limit=SHORT_TEXT)
        out[key] = _clean_json(f"custom.{key}", item)
    return out


def clean_region(value: Any) -> str | None:
    """An ISO 3166 alpha-2 code, upper case."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isalpha():
        raise ValidationError("region", value, "expected an ISO 3166 alpha-2 code like 'AL'")
    return value.strip().upper()
