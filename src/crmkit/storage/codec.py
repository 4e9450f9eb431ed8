"""Domain records to and from the generic store's JSON bodies, driven by type annotations.

An :class:`AttrsCodec` reads an attrs class's field types once and writes each value in a
form every backend keeps exactly: datetimes as UTC ISO text, ``Decimal`` as text, money as
amount and currency, durations as whole microseconds, tuples and frozensets as lists, enums
by value, nested attrs classes as objects, ``JSONValue`` fields as they are. Reading gives
back an equal object.

>>> from datetime import UTC, datetime
>>> @attrs.frozen
... class Note:
...     id: str
...     contact_id: str
...     text: str
...     at: datetime
>>> codec = AttrsCodec(Note, keys=lambda n: {"at": sortable_time(n.at)})
>>> stored = codec.encode("note", Note("n-1", "c-1", "Call back", datetime(2026, 5, 1, tzinfo=UTC)))
>>> stored.body, stored.keys
({'text': 'Call back', 'at': '2026-05-01T00:00:00+00:00'}, {'at': '2026-05-01T00:00:00.000000Z'})
>>> codec.decode(stored).text
'Call back'
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs

from crmkit._types import Money
from crmkit.errors import StorageError, ValidationError
from crmkit.storage.records import StoredRecord

__all__ = ["AttrsCodec", "sortable_time"]

T = TypeVar("T")

_TIME_KEY = "%Y-%m-%dT%H:%M:%S.%fZ"


def sortable_time(value: datetime) -> str:
    """A key value for an aware datetime that sorts as text in time order (UTC, fixed width).

    >>> from datetime import timezone
    >>> sortable_time(datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2))))
    '2026-03-29T01:30:00.000000Z'
    """
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError("key", value, "expected an aware datetime")
    return value.astimezone(UTC).strftime(_TIME_KEY)


def _no_keys(record: Any) -> Mapping[str, str | None]:
    return {}


Converter = Callable[[Any], Any]


def _optional(inner: Converter) -> Converter:
    return lambda v: None if v is None else inner(v)


def _each(inner: Converter, make: Callable[[Any], Any]) -> Converter:
    return lambda v: make(inner(x) for x in v)


def _mapping(inner: Converter) -> Converter:
    return lambda v: {str(k): inner(x) for k, x in v.items()}


def _plain(value: Any) -> Any:
    return value


def _sorted_list(values: Any) -> list[Any]:
    return sorted(values, key=repr)


# Scalars: (to JSON, from JSON).
_SCALARS: dict[Any, tuple[Converter, Converter]] = {
    str: (_plain, str),
    int: (_plain, int),
    bool: (_plain, bool),
    float: (_plain, float),
    Decimal: (str, Decimal),
    datetime: (lambda v: v.astimezone(UTC).isoformat(), datetime.fromisoformat),
    date: (lambda v: v.isoformat(), date.fromisoformat),
    time: (lambda v: v.isoformat(), time.fromisoformat),
    timedelta: (lambda v: v // timedelta(microseconds=1), lambda v: timedelta(microseconds=v)),
    Money: (lambda v: dict(v.to_dict()), Money.from_dict),
    Any: (_plain, _plain),
}


def _is_json(tp: Any) -> bool:
    """A member of the ``JSONValue`` union: a JSON scalar, or a list or object of them."""
    return tp in (str, int, float, bool, type(None)) or typing.get_origin(tp) in (list, dict)


def _converters(tp: Any) -> tuple[Converter, Converter]:
    """(to JSON, from JSON) for one annotated type."""
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return _plain, _plain
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            out, back = _converters(rest[0])
            return _optional(out), _optional(back)
        if len(rest) > 1 and all(_is_json(a) for a in args):
            return _plain, _plain  # crmkit._types.JSONValue: stored as it is
    elif origin in (tuple, list) and args and (origin is list or args[-1] is Ellipsis):
        out, back = _converters(args[0])
        return _each(out, list), _each(back, tuple if origin is tuple else list)
    elif origin in (frozenset, set) and args:
        out, back = _converters(args[0])
        return (lambda v: _sorted_list(out(x) for x in v)), _each(back, origin)
    elif origin in (dict, Mapping, typing.Mapping) and len(args) == 2 and args[0] is str:
        out, back = _converters(args[1])
        return _mapping(out), _mapping(back)
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        return (lambda v: v.value), tp
    elif isinstance(tp, type) and attrs.has(tp):
        nested = _Fields(tp, skip=())
        return nested.dump, nested.load
    raise TypeError(f"crmkit.storage.codec cannot store a field of type {tp!r}")


# Names a string annotation may use when the class's module cannot say (a class made in a
# doctest or by exec with postponed annotations); the module's own names come first.
_FALLBACK_NAMES: dict[str, Any] = {
    "date": date,
    "datetime": datetime,
    "time": time,
    "timedelta": timedelta,
    "Decimal": Decimal,
    "Money": Money,
    "Any": Any,
    "Mapping": Mapping,
}


def _hints(cls: type[Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except NameError:
        try:
            return typing.get_type_hints(cls, localns=_FALLBACK_NAMES)
        except NameError as exc:
            raise ValidationError("cls", cls, f"an annotation cannot be resolved: {exc}") from exc


class _Fields:
    """The converters of an attrs class's fields, minus those kept outside the body."""

    def __init__(self, cls: type[Any], skip: tuple[str, ...]) -> None:
        hints = _hints(cls)
        self._cls = cls
        self._fields = [
            (f.name, *_converters(hints[f.name])) for f in attrs.fields(cls) if f.name not in skip
        ]

    def dump(self, value: Any) -> dict[str, Any]:
        return {name: out(getattr(value, name)) for name, out, _ in self._fields}

    def load(self, data: Mapping[str, Any], **outside: Any) -> Any:
        values = {name: back(data[name]) for name, _, back in self._fields if name in data}
        return self._cls(**values, **outside)


class AttrsCodec(Generic[T]):
    """Stores records of one attrs class in the generic store.

    The class has an ``id``; ``contact`` names its contact attribute (``None`` for records
    that belong to nobody, such as a product); a ``version`` attribute, if present, is the
    stored version (optimistic locking), otherwise the store counts writes itself.
    ``keys(record)`` gives the look-up values, ``unique`` the keys no two records may share.
    A field missing from a stored body (added to the class later) takes its default.
    """

    def __init__(
        self,
        cls: type[T],
        *,
        keys: Callable[[T], Mapping[str, str | None]] = _no_keys,
        unique: frozenset[str] | set[str] = frozenset(),
        contact: str | None = "contact_id",
    ) -> None:
        if not attrs.has(cls):
            raise ValidationError("cls", cls, "expected an attrs class")
        names = {a.name for a in attrs.fields(cls)}
        for needed in ("id", contact):
            if needed is not None and needed not in names:
                raise ValidationError("cls", cls, f"an attrs class with a field named {needed!r}")
        self.cls = cls
        self._keys = keys
        self.unique = frozenset(unique)
        self.contact = contact
        self.versioned = "version" in names
        outside = ("id", contact, "version") if self.versioned else ("id", contact)
        self._outside = tuple(n for n in outside if n is not None)
        self._fields = _Fields(cls, skip=self._outside)

    def encode(self, kind: str, record: T, *, version: int | None = None) -> StoredRecord:
        """The stored form; ``version`` is used when the class keeps none."""
        if not isinstance(record, self.cls):
            raise ValidationError(kind, record, f"expected a {self.cls.__name__}")
        stored_version = getattr(record, "version") if self.versioned else (version or 1)  # noqa: B009
        return StoredRecord(
            kind,
            getattr(record, "id"),  # noqa: B009
            None if self.contact is None else getattr(record, self.contact),
            stored_version,
            self._fields.dump(record),
            self._keys(record),
            self.unique,
        )

    def decode(self, stored: StoredRecord) -> T:
        outside: dict[str, Any] = {"id": stored.id}
        if self.contact is not None:
            outside[self.contact] = stored.contact_id
        if self.versioned:
            outside["version"] = stored.version
        try:
            record: T = self._fields.load(stored.body, **outside)
        except (TypeError, ValueError, KeyError) as exc:
            raise StorageError(f"stored {stored.kind} {stored.id!r} cannot be read: {exc}") from exc
        return record
