"""Everything held on one person as JSON-ready data: the subject access request's file.

:func:`export_person` writes a contact and the records of every kind held on it (attrs
values, money, dates, times, durations, enums) as plain JSON values.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import JSONValue, Money, ensure_aware, utcnow
from crmkit.contacts import Contact
from crmkit.errors import ValidationError

__all__ = ["export_person"]


def _iso_duration(value: timedelta) -> str:
    """ISO 8601, e.g. ``P1DT4H30M`` (a notice period, an SLA target).

    >>> _iso_duration(timedelta(days=1, hours=4, minutes=30)), _iso_duration(timedelta(0))
    ('P1DT4H30M', 'PT0S')
    >>> _iso_duration(-timedelta(seconds=1.5))
    '-PT1.5S'
    """
    sign, value = ("-", -value) if value < timedelta(0) else ("", value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    secs = f"{seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".")
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n) + (
        f"{secs}S" if seconds or value.microseconds else ""
    )
    days = f"{value.days}D" if value.days else ""
    if not days and not clock:
        clock = "0S"
    return f"{sign}P{days}{'T' + clock if clock else ''}"


def _jsonable(value: Any) -> JSONValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, Money):
        return dict(value.to_dict())
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _iso_duration(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if attrs.has(type(value)):
        return {a.name: _jsonable(getattr(value, a.name)) for a in attrs.fields(type(value))}
    raise ValidationError("export", value, "cannot be written as JSON")


def export_person(
    contact: Contact,
    *,
    records: Mapping[str, Iterable[Any]] | None = None,
    organization: Any = None,
    now: datetime | None = None,
) -> dict[str, JSONValue]:
    """Everything held on one person as JSON-ready data (a subject access request).

    *records* maps a kind (``"interactions"``, ``"deals"``, ``"consents"`` ...) to the values
    held on the person; any attrs value, Money, date and enum is written out.

    >>> from datetime import UTC, datetime
    >>> from crmkit.privacy.consent import ConsentRecord
    >>> c = Contact.new(name="Besa Kola", emails=["besa@example.al"])
    >>> r = ConsentRecord.new(contact_id=c.id, purpose="profiling", granted=False,
    ...                       at=datetime(2026, 3, 1, tzinfo=UTC))
    >>> out = export_person(c, records={"consents": [r]}, now=datetime(2026, 4, 1, tzinfo=UTC))
    >>> out["contact"]["emails"], out["consents"][0]["granted"], out["exported_at"]
    (['besa@example.al'], False, '2026-04-01T00:00:00+00:00')
    """
    at = ensure_aware(now, "now") if now is not None else utcnow()
    out: dict[str, JSONValue] = {
        "format": "crmkit.privacy.person_export",
        "version": 1,
        "exported_at": at.isoformat(),
        "contact": dict(contact.to_dict()),
        "organization": _jsonable(organization),
    }
    for kind, values in sorted((records or {}).items()):
        if kind in out:
            raise ValidationError("records", kind, "a reserved key of the export")
        out[kind] = [_jsonable(v) for v in values]
    return out
