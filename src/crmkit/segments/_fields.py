"""The field whitelist: which names a segment may filter on, their kinds and their values.

Every field name a segment carries comes from here, so a SQL compiler can map names to
columns from a fixed table and never splice text from a filter into a query.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

from crmkit._types import Money
from crmkit.contacts import SCALAR_TEXT_FIELDS, Contact, Organization
from crmkit.errors import InvalidSegmentError
from crmkit.text import fold as _fold

__all__ = [
    "CONTACT_FIELDS",
    "ORGANIZATION_FIELDS",
    "FieldKind",
    "Metric",
    "Op",
    "Scalar",
    "check_value",
    "field_kind",
    "fold_text",
    "read_field",
]

#: A value a segment may hold: JSON scalars, dates, aware datetimes and Money.
Scalar: TypeAlias = str | int | float | bool | date | datetime | Money | None


class FieldKind(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    CUSTOM = "custom"  # JSON scalar of any type; compared only with values of its own type


class Op(enum.StrEnum):
    """Comparison operators, by the name they carry in the serialised form."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    BETWEEN = "between"
    IS_NULL = "is_null"
    CONTAINS = "contains"
    STARTSWITH = "startswith"


class Metric(enum.StrEnum):
    """What a behaviour leaf measures inside its window."""

    COUNT = "count"  # number of events (int); contacts without events count 0
    TOTAL = "total"  # sum of purchase amounts (Money); contacts without purchases total 0
    LAST_AT = "last_at"  # latest event (aware datetime); missing when there is none


ORDERING = frozenset({Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.IN, Op.BETWEEN})
TEXT_ONLY = frozenset({Op.CONTAINS, Op.STARTSWITH})

#: Contact attributes; ``customer_type`` is derived: "organization" when the contact belongs
#: to one, else "individual".
CONTACT_FIELDS: Mapping[str, FieldKind] = {
    **dict.fromkeys((*SCALAR_TEXT_FIELDS, "customer_type"), FieldKind.TEXT),
    "birthday": FieldKind.DATE,
    "created_at": FieldKind.DATETIME,
    "updated_at": FieldKind.DATETIME,
}

#: Attributes of the contact's organization, as ``organization.<name>``.
ORGANIZATION_FIELDS: Mapping[str, FieldKind] = {
    **dict.fromkeys(
        ("name", "legal_form", "tax_id", "vat_id", "domain", "industry", "country"),
        FieldKind.TEXT,
    ),
    "created_at": FieldKind.DATETIME,
}


def fold_text(text: str) -> str:
    """Text as segments compare it: case, diacritics and script variants folded."""
    return _fold(text)


def field_kind(name: Any) -> FieldKind:
    """The kind of a whitelisted field, or :class:`InvalidSegmentError`.

    >>> field_kind("city"), field_kind("organization.industry"), field_kind("custom.vat")
    (<FieldKind.TEXT: 'text'>, <FieldKind.TEXT: 'text'>, <FieldKind.CUSTOM: 'custom'>)
    """
    if not isinstance(name, str):
        raise InvalidSegmentError("field", name, "field names are strings")
    if name in CONTACT_FIELDS:
        return CONTACT_FIELDS[name]
    head, _, rest = name.partition(".")
    if head == "organization":
        if rest in ORGANIZATION_FIELDS:
            return ORGANIZATION_FIELDS[rest]
        if rest.startswith("custom.") and len(rest) > len("custom."):
            return FieldKind.CUSTOM
    if head == "custom" and rest:
        return FieldKind.CUSTOM
    raise InvalidSegmentError("field", name, "not a field segments can filter on")


def _custom_scalar(field: str, value: Any) -> Scalar:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidSegmentError(field, value, "numbers must be finite")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidSegmentError(field, value, "custom fields hold str, int, float or bool")


def check_value(field: str, kind: FieldKind, op: Op, value: Any) -> Scalar:
    """Validate one comparison value for *field*; returns it unchanged (or folded text)."""
    if op in TEXT_ONLY and not isinstance(value, str):
        raise InvalidSegmentError(field, value, f"{op.value} needs a string")
    if kind is FieldKind.TEXT:
        if not isinstance(value, str):
            raise InvalidSegmentError(field, value, "expected a string")
        return value
    if kind is FieldKind.DATE:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidSegmentError(field, value, "expected a date (not a datetime)")
        return value
    if kind is FieldKind.DATETIME:
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise InvalidSegmentError(field, value, "expected a timezone-aware datetime")
        return value
    return _custom_scalar(field, value)


def check_op(field: str, kind: FieldKind, op: Any) -> Op:
    """The operator as :class:`Op`, if it applies to fields of *kind*."""
    try:
        parsed = Op(op)
    except ValueError as exc:
        raise InvalidSegmentError("op", op, "not a segment operator") from exc
    if parsed in TEXT_ONLY and kind in (FieldKind.DATE, FieldKind.DATETIME):
        raise InvalidSegmentError("op", op, f"does not apply to {kind.value} field {field!r}")
    return parsed


def read_field(name: str, contact: Contact, organizations: Mapping[str, Organization]) -> Any:
    """The raw value of field *name* on *contact* (None when absent)."""
    if name == "customer_type":
        return "individual" if contact.organization_id is None else "organization"
    if name in CONTACT_FIELDS:
        return getattr(contact, name)
    head, _, rest = name.partition(".")
    if head == "custom":
        return contact.custom.get(rest)
    org = None if contact.organization_id is None else organizations.get(contact.organization_id)
    if org is None:
        return None
    if rest.startswith("custom."):
        return org.custom.get(rest[len("custom.") :])
    return getattr(org, rest)
