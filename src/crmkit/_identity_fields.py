"""Cleaning a contact's identity fields: its lists of emails and phones, its handles on each
network and its ids in other systems, each refused with a :class:`ValidationError` naming
the field and the value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from crmkit._normalize import normalize_external_id, normalize_handle
from crmkit.errors import ValidationError


class _Handled(Protocol):
    """What :func:`combine_handles` reads of a contact (this module sits below contacts)."""

    @property
    def handles(self) -> Mapping[str, str]: ...

    @property
    def all_handles(self) -> tuple[tuple[str, str], ...]: ...


__all__ = [
    "clean_external_ids",
    "clean_extra_handles",
    "clean_handles",
    "combine_handles",
    "unique",
    "values_of",
]


def values_of(field: str, fields: Mapping[str, Any]) -> Iterable[Any]:
    """``fields[field]`` as values: ``None`` is none, one string is one (not its letters)."""
    value = fields[field]
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        raise ValidationError(field, value, "expected a list of strings")
    return value


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """*values* without repeats, first seen first."""
    return tuple(dict.fromkeys(values))


def clean_handles(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("handles", value, "expected a mapping of channel to handle")
    return dict(normalize_handle(c, h) for c, h in value.items())


def clean_extra_handles(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    pairs = []
    for pair in value if isinstance(value, Iterable) and not isinstance(value, str) else [value]:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValidationError("extra_handles", value, "expected (channel, handle) pairs")
        pairs.append(normalize_handle(pair[0], pair[1]))
    return tuple(dict.fromkeys(pairs))


def clean_external_ids(value: Any) -> tuple[tuple[str | None, str], ...]:
    """``"1042"``, ``1042``, ``("shopify", "1042")``, a list of those, or ``{system: id}``."""
    if value is None:
        return ()
    if isinstance(value, str | int) and not isinstance(value, bool):
        items: Iterable[Any] = (value,)
    elif isinstance(value, Mapping):
        items = [(system, ext) for system, ext in value.items()]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise ValidationError("external_ids", value, "expected a list of ids or (system, id)")
    pairs = []
    for item in items:
        if isinstance(item, tuple | list) and len(item) == 2:
            pairs.append(normalize_external_id(item[1], item[0]))
        else:
            pairs.append(normalize_external_id(item))
    return tuple(dict.fromkeys(pairs))


def combine_handles(
    first: _Handled, second: _Handled
) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """The handles of two contacts with none lost: *first*'s win ``handles`` per network, and
    every other handle of either becomes an extra.

    >>> from crmkit.contacts import Contact
    >>> a = Contact.new(handles={"instagram": "besa"})
    >>> b = Contact.new(handles={"instagram": "besa.shop", "tiktok": "besa"})
    >>> combine_handles(a, b)
    ({'instagram': 'besa', 'tiktok': 'besa'}, (('instagram', 'besa.shop'),))
    """
    handles = {
        **first.handles,
        **{c: h for c, h in second.handles.items() if c not in first.handles},
    }
    primary = set(handles.items())
    extras = dict.fromkeys(p for p in (*first.all_handles, *second.all_handles) if p not in primary)
    return handles, tuple(extras)
