"""What the facade's parts on the record store share: loading the record a caller names,
listing a contact's records, and dating a record's next move."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from crmkit._api._base import Context
from crmkit._text_limits import clean_text
from crmkit.errors import RecordNotFoundError
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.typed import TypedRecords

__all__ = ["load", "move_time", "of_known_contact"]

T = TypeVar("T")


def load(records: TypedRecords[T], record_id: Any, *, field: str, what: str) -> T:
    """The record *record_id* names, checked first as the caller's argument *field*; none:
    :class:`crmkit.errors.RecordNotFoundError` naming *what* (``"contract"``), not the
    stored kind (``"contracts"``)."""
    clean_text(field, record_id, required=True)
    try:
        return records.get(record_id)
    except RecordNotFoundError:
        raise RecordNotFoundError(what, record_id) from None


def of_known_contact(uow: UnitOfWork, contact_id: str, found: list[T]) -> list[T]:
    """*found*, the records of *contact_id*. Only when there are none is the contact read,
    so that an unknown contact raises :class:`crmkit.errors.ContactNotFoundError` instead
    of reading as one with no records; a contact with records costs no extra read."""
    if not found:
        uow.contacts.get(contact_id)
    return found


def move_time(ctx: Context, last_move: datetime | None, at: Any) -> Any:
    """When a move of a record last moved at *last_move* happens: the caller's *at* as
    given (the move checks it), else now, or the last move if a caller dated that later
    (a move may not be dated before the last one)."""
    if at is not None:
        return at
    now = ctx.clock()
    return now if last_move is None else max(now, last_move)
