"""Static lists: named sets of contacts that change only when somebody changes them.

A saved segment is a rule evaluated afresh each time; a static list is a snapshot ("everyone
invited to the May launch") whose membership is a history of additions and removals, each
with who and when, so the members of any past moment can be read back.

* :class:`StaticList` - the list itself: name, when it was made, by whom, from what segment.
* :class:`ListChange` - one contact added to or removed from a list.
* :func:`members_at` - the members a history gives at a moment: for each contact, the latest
  change up to then decides (at equal times the later-recorded change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._text_limits import SHORT_TEXT
from crmkit._types import JSONValue, ensure_aware, new_id, parse_datetime
from crmkit.contacts import check_text
from crmkit.errors import ValidationError

__all__ = ["ListChange", "StaticList", "check_list_name", "members_at"]


def check_list_name(name: Any) -> str:
    """A list name: non-empty text, surrounding spaces dropped."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name", name, "a list needs a name")
    check_text("name", name, limit=SHORT_TEXT)
    return name.strip()


@attrs.frozen
class StaticList:
    """A named snapshot list. ``segment`` is the ``Segment.to_dict()`` form it was made from,
    if any, kept as a note of where the members came from (it is never re-evaluated)."""

    name: str
    created_at: datetime
    created_by: str | None = None
    segment: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "segment": None if self.segment is None else dict(self.segment),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StaticList:
        return cls(
            data["name"],
            parse_datetime(data["created_at"], "created_at"),
            data.get("created_by"),
            data.get("segment"),
        )


@attrs.frozen
class ListChange:
    """One contact added to (``added=True``) or removed from a list, at a time, by someone.

    >>> from datetime import UTC, datetime
    >>> ch = ListChange.new(list_name="May launch", contact_id="c1", added=True,
    ...                     at=datetime(2026, 5, 1, tzinfo=UTC), by="arta")
    >>> ch.added, ch.by
    (True, 'arta')
    """

    id: str
    list_name: str
    contact_id: str
    added: bool
    at: datetime
    by: str | None = None

    @classmethod
    def new(
        cls,
        *,
        list_name: str,
        contact_id: str,
        added: bool,
        at: datetime,
        by: str | None = None,
        id: str | None = None,
    ) -> ListChange:
        if not isinstance(contact_id, str) or not contact_id:
            raise ValidationError("contact_id", contact_id, "expected a contact id")
        if by is not None and (not isinstance(by, str) or not by.strip()):
            raise ValidationError("by", by, "the name of who made the change")
        return cls(id or new_id(), list_name, contact_id, bool(added), ensure_aware(at, "at"), by)


def members_at(changes: Iterable[ListChange], at: datetime | None = None) -> list[str]:
    """The contact ids a list holds at *at* (default: now, i.e. every change), in the order
    they (last) joined.

    >>> from datetime import UTC, datetime
    >>> d = lambda day: datetime(2026, 5, day, tzinfo=UTC)
    >>> hist = [ListChange.new(list_name="l", contact_id="a", added=True, at=d(1)),
    ...         ListChange.new(list_name="l", contact_id="b", added=True, at=d(2)),
    ...         ListChange.new(list_name="l", contact_id="a", added=False, at=d(3))]
    >>> members_at(hist), members_at(hist, d(2))
    (['b'], ['a', 'b'])
    """
    when = None if at is None else ensure_aware(at, "as_of")
    latest: dict[str, ListChange] = {}
    for ch in sorted(changes, key=lambda c: (c.at, c.id)):
        if when is not None and ch.at > when:
            break
        latest[ch.contact_id] = ch
    joined = [ch for ch in latest.values() if ch.added]
    joined.sort(key=lambda c: (c.at, c.id))
    return [ch.contact_id for ch in joined]
