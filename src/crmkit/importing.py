"""Reading contact rows from imports (CSV files, spreadsheets, other systems).

A row is a mapping with the record fields crmkit understands: ``first_name``, ``last_name``,
``full_name`` (or ``name``), ``email``, ``phone``, ``region``, a handle per channel
(``instagram``, ``facebook``, ``telegram``, ... or ``handle:<channel>``), ``external_id``
with the optional ``external_system`` it comes from, ``city``,
``postcode``, ``address``, ``birthday``, ``tags`` (comma separated) and ``owner``. Any
other column (``company``, ``source``, ...) is kept as a custom field. Missing cells
(``None``, ``NaN``, pandas ``NA``/``NaT``, empty or blank text: :func:`crmkit._missing.is_missing`)
count as absent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any, Literal, Protocol, cast

import attrs

from crmkit._missing import is_missing
from crmkit.contacts import Contact
from crmkit.errors import ValidationError
from crmkit.identity.normalize import (
    identity_key,
    normalize_email,
    normalize_external_id,
    normalize_handle,
    normalize_phone,
)

__all__ = [
    "HANDLE_COLUMNS",
    "DataFrameLike",
    "ImportReport",
    "ImportRow",
    "RowOutcome",
    "parse_row",
    "records_of",
    "row_fingerprint",
]

HANDLE_COLUMNS = frozenset(
    {"instagram", "facebook", "telegram", "whatsapp", "viber", "tiktok", "twitter", "x", "linkedin"}
)
_PLAIN = ("city", "postcode", "address", "birthday", "owner")
_KNOWN = frozenset(
    {
        *_PLAIN,
        "region",
        "email",
        "phone",
        "first_name",
        "last_name",
        "full_name",
        "name",
        "tags",
        "external_id",
        "external_system",
        *HANDLE_COLUMNS,
    }
)

Action = Literal["created", "updated", "unchanged", "conflict", "error", "suppressed"]


@attrs.frozen
class ImportRow:
    """One row, validated and normalised, ready to match and write."""

    index: int
    fields: Mapping[str, Any]  # Contact.new keyword arguments (identities already canonical)
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    handles: Mapping[str, str]
    external_ids: tuple[tuple[str | None, str], ...] = ()

    def contact(self, now: datetime) -> Contact:
        """The contact this row creates when it matches nobody (``ValidationError`` when a
        field other than the identities, which are normalised already, is invalid)."""
        return Contact._new_normalised(
            now=now,
            emails=self.emails,
            phones=self.phones,
            handles=self.handles,
            external_ids=self.external_ids,
            fields=self.fields,
        )

    def identity_keys(self, match_on: frozenset[str]) -> list[str]:
        keys = []
        if "email" in match_on:
            keys += [identity_key("email", e) for e in self.emails]
        if "phone" in match_on:
            keys += [identity_key("phone", p) for p in self.phones]
        if "handle" in match_on:
            keys += [identity_key("handle", h, channel=c) for c, h in self.handles.items()]
        if "external_id" in match_on:
            keys += [identity_key("external", x, channel=s) for s, x in self.external_ids]
        return keys


def _canonical(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


# One encoder for every row: json.dumps with options builds a new one per call.
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_fingerprint(row: ImportRow, occurrence: int = 0) -> str:
    """A SHA-256 digest of the row's normalised content: two rows that say the same about a
    person, however their cells were spaced or cased where case does not count, get the same
    fingerprint. *occurrence* tells apart identical rows of one file (the 2nd copy is 1).

    >>> a = parse_row({"full_name": "Besa  Kola", "tags": "VIP, b2b"}, 0, default_region=None)
    >>> b = parse_row({"name": "Besa Kola", "tags": "b2b,vip "}, 7, default_region=None)
    >>> row_fingerprint(a) == row_fingerprint(b) != row_fingerprint(b, 1)
    True
    """
    fields = dict(row.fields)
    fields["tags"] = sorted({t.casefold() for t in fields.get("tags", ())})
    content = {
        # Most values are text: spaced here, without a call of _canonical each.
        "fields": {
            str(k): " ".join(v.split()) if type(v) is str else _canonical(v)
            for k, v in fields.items()
        },
        "emails": list(row.emails),
        "phones": list(row.phones),
        "handles": sorted(row.handles.items()),
        "external_ids": [list(x) for x in row.external_ids],
        "occurrence": occurrence,
    }
    text = _FINGERPRINT_JSON.encode(content)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@attrs.frozen
class RowOutcome:
    """What happened to one input row (``index`` counts from 0)."""

    index: int
    action: Action
    contact_id: str | None = None
    reason: str | None = None
    # The review item filed for a created contact that plausibly is a known one.
    review_id: str | None = None


@attrs.frozen
class ImportReport:
    """Per-row outcomes of :meth:`crmkit.CRM.import_contacts`, with counts."""

    rows: tuple[RowOutcome, ...]
    dry_run: bool

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def conflicts(self) -> tuple[RowOutcome, ...]:
        return tuple(r for r in self.rows if r.action == "conflict")

    @property
    def suppressed(self) -> tuple[RowOutcome, ...]:
        """Rows skipped because an identity belongs to an erased person."""
        return tuple(r for r in self.rows if r.action == "suppressed")

    @property
    def errors(self) -> tuple[RowOutcome, ...]:
        return tuple(r for r in self.rows if r.action == "error")

    def to_dataframe(self) -> Any:
        """One row per input row: ``index`` (from 0), ``action``, ``contact_id``, ``reason``
        and ``review_id``, to filter the errors or join back onto the imported frame
        (pandas is optional: ``pip install 'crmkit[pandas]'``)."""
        from crmkit._frames import to_dataframe

        return to_dataframe(
            self.rows, columns=("index", "action", "contact_id", "reason", "review_id")
        )

    def summary(self) -> dict[str, int]:
        """Counts per action, e.g. ``{"created": 3, "updated": 1, ...}``."""
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.action] = out.get(r.action, 0) + 1
        return out


class DataFrameLike(Protocol):
    """What :func:`records_of` needs of a pandas (or pandas-like) data frame."""

    @property
    def columns(self) -> Any: ...

    def to_dict(self, orient: Any = ...) -> Any: ...


def records_of(rows: Iterable[Mapping[str, Any]] | DataFrameLike) -> list[Mapping[str, Any]]:
    """The rows as a list of mappings; a data frame gives one mapping per row.

    Duck-typed (anything with ``columns`` and ``to_dict``), so pandas is never imported.

    >>> records_of([{"name": "Besa"}])
    [{'name': 'Besa'}]
    """
    if hasattr(rows, "columns") and callable(getattr(rows, "to_dict", None)):
        frame: Any = rows
        return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return list(cast("Iterable[Mapping[str, Any]]", rows))


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if type(value) is str:  # most cells (blank ones are missing: None, as below)
        return value.strip() or None
    if is_missing(value):
        return None
    if isinstance(value, datetime):  # a pandas Timestamp from a parsed date column
        value = value.date() if value.time() == time(0) and value.tzinfo is None else value
    if isinstance(value, date):
        value = value.isoformat()
    elif not isinstance(value, str):
        value = str(value)
    return value.strip() or None


def parse_row(row: Mapping[str, Any], index: int, *, default_region: str | None) -> ImportRow:
    """Validate and normalise one row; raises a ``ValidationError`` naming the field.

    >>> r = parse_row({"first_name": "Besa", "last_name": "Kola", "email": "BESA@example.al",
    ...                "phone": "069 123 4567", "region": "AL", "instagram": "@besa.kola"},
    ...               0, default_region=None)
    >>> r.fields["name"], r.emails, r.phones, dict(r.handles)
    ('Besa Kola', ('besa@example.al',), ('+355691234567',), {'instagram': 'besa.kola'})
    """
    region = _text(row, "region")
    phone_region = region or default_region
    email = _text(row, "email")
    phone = _text(row, "phone")
    emails = (normalize_email(email),) if email else ()
    phones = (normalize_phone(phone, phone_region),) if phone else ()
    handles: dict[str, str] = {}
    for key in row:
        channel = key.removeprefix("handle:") if key.startswith("handle:") else key
        if key in HANDLE_COLUMNS or key.startswith("handle:"):
            value = _text(row, key)
            if value:
                chan, handle = normalize_handle(channel, value)
                handles[chan] = handle
    external_ids: tuple[tuple[str | None, str], ...] = ()
    if not is_missing(ext := row.get("external_id")):
        # Not through _text: an id must be text or an integer, never str() of a float.
        system = _text(row, "external_system")
        external_ids = (normalize_external_id(ext, system),)
    given, family = _text(row, "first_name"), _text(row, "last_name")
    name = _text(row, "full_name") or _text(row, "name")
    if name is None and (given or family):
        name = " ".join(p for p in (given, family) if p)
    fields: dict[str, Any] = {"name": name, "given_name": given, "family_name": family}
    if region:
        fields["region"] = region
    for key in _PLAIN:
        value = _text(row, key)
        if value is not None:
            fields[key] = value
    tags = _text(row, "tags")
    if tags:
        fields["tags"] = [t for t in (p.strip() for p in tags.split(",")) if t]
    # Columns crmkit has no field for are kept as custom fields rather than dropped.
    custom = {
        key: value
        for key in row
        if key not in _KNOWN
        and not key.startswith("handle:")
        and (value := _text(row, key)) is not None
    }
    if custom:
        fields["custom"] = custom
    if not (name or emails or phones or handles or external_ids):
        raise ValidationError("row", index, "no name and no email, phone, handle or external_id")
    return ImportRow(index, fields, emails, phones, handles, external_ids)
