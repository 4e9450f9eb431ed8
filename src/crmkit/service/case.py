"""A service case: a customer's request, its status history and its SLA due times.

Statuses and the moves between them::

    new ──► open ◄──► waiting_on_customer
     │       │              │
     └───────┴──► resolved ◄┘ ──► closed
                     │               │
                     └─► open ◄──────┘   (a reopen)

A case opens as ``new``; its first response moves it to ``open`` (moving it to ``open``
by hand does not stop the first-response clock). ``waiting_on_customer``
pauses both SLA clocks, going back to ``open`` resumes them. ``resolved`` stops the
resolution clock and a reopen resumes it (the time spent resolved does not count).
``closed`` is final until a reopen. The pure moves are in :mod:`crmkit.service.transitions`,
the clocks in :mod:`crmkit.service.clocks`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from crmkit.errors import InvalidTransitionError, ValidationError
from crmkit.service.policy import SlaPolicy
from crmkit.tasks.task import Priority

__all__ = ["CASE_KIND", "DONE_STATUSES", "Case", "CaseStatus", "Rating", "StatusChange"]

#: The record kind cases are stored as (:mod:`crmkit._api.service.kinds`). Its keys
#: ``status``, ``reason`` and ``csat`` (the score as a digit) are what segments read, in
#: memory and in SQL.
CASE_KIND = "cases"


class CaseStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @classmethod
    def parse(cls, value: Any) -> CaseStatus:
        """*value* as a status, or :class:`ValidationError` naming ``status``.

        >>> CaseStatus.parse("Waiting_On_Customer").value
        'waiting_on_customer'
        >>> CaseStatus.parse("pending")
        Traceback (most recent call last):
        ...
        crmkit.errors.ValidationError: invalid status 'pending': expected one of new, open, \
waiting_on_customer, resolved, closed
        """
        try:
            return cls(value.strip().lower() if isinstance(value, str) else value)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValidationError("status", value, f"expected one of {names}") from None

    @property
    def is_done(self) -> bool:
        """Resolved or closed: the resolution clock is stopped."""
        return self in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


#: The statuses of a case whose resolution clock is stopped (see :attr:`CaseStatus.is_done`).
DONE_STATUSES = frozenset({"resolved", "closed"})

# Where each status may go. resolved/closed -> open is a reopen.
MOVES: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset(
        {CaseStatus.OPEN, CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED}
    ),
    CaseStatus.OPEN: frozenset({CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_ON_CUSTOMER: frozenset({CaseStatus.OPEN, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
}


def check_move(current: CaseStatus, to: CaseStatus) -> None:
    """Refuse a move :data:`MOVES` does not allow.

    >>> check_move(CaseStatus.CLOSED, CaseStatus.RESOLVED)
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidTransitionError: invalid status 'resolved': a closed case can go to \
open only (reopen it first)
    """
    allowed = MOVES[current]
    if to not in allowed:
        names = " or ".join(sorted(s.value for s in allowed))
        hint = " (reopen it first)" if current.is_done else ""
        raise InvalidTransitionError(
            "status", to.value, f"a {current.value} case can go to {names} only{hint}"
        )


@attrs.frozen
class StatusChange:
    """The case entered ``status`` at ``at`` (``by`` whom, and why in ``note``)."""

    status: CaseStatus
    at: datetime
    by: str | None = None
    note: str | None = None


@attrs.frozen
class Rating:
    """The customer's satisfaction score (CSAT, 1 to 5)."""

    score: int
    at: datetime
    comment: str | None = None


@attrs.frozen
class Case:
    """One request of one contact, with its whole status history.

    ``sla`` is the policy chosen when the case opened, kept as it was then: changing a policy
    later does not move the due times of cases already open. ``first_response_due`` and
    ``resolution_due`` are recomputed from the history on every change
    (:func:`crmkit.service.clocks.due_time`); ``None`` without a policy, or while a pause
    stops a clock before its target was reached. ``resolved_at`` is the latest resolution
    (``None`` again after a reopen); ``contact_id`` is ``None`` once the person was erased
    (the case stays, anonymised, for the statistics).
    """

    id: str
    contact_id: str | None
    version: int
    subject: str
    reason: str
    priority: Priority
    channel: str
    opened_at: datetime
    updated_at: datetime
    status: CaseStatus
    history: tuple[StatusChange, ...]
    sla: SlaPolicy | None = None
    assignee: str | None = None
    deal_id: str | None = None
    asset_id: str | None = None
    contract_id: str | None = None
    first_responded_at: datetime | None = None
    first_responded_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    closed_at: datetime | None = None
    rating: Rating | None = None
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
