"""``crm.interactions``: log touchpoints one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._keywords import given, refuse_unknown
from crmkit._types import paused_gc
from crmkit.errors import ConflictError, ContactNotFoundError, ValidationError
from crmkit.interactions import Interaction
from crmkit.storage.protocols import UnitOfWork

__all__ = ["InteractionsAPI"]

# What a row of log_many may set: every field but the recording time and the identity that
# record() found the contact by.
_FIELDS = frozenset(a.name for a in attrs.fields(Interaction)) - {"created_at", "via"}


class InteractionsAPI:
    """Interactions of the CRM's workspace.

    >>> from crmkit import CRM
    >>> crm = CRM()
    >>> c = crm.contacts.create(name="Ivan Petrov")
    >>> it = crm.interactions.log(c.id, channel="phone", direction="outbound",
    ...                           summary="Sent the offer", handled_by="mira")
    >>> crm.timeline(c.id)[0].summary
    'Sent the offer'
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @refuse_unknown("an interaction")
    def log(
        self,
        contact_id: str,
        *,
        channel: str,
        direction: str = "inbound",
        occurred_at: datetime | None = None,
        summary: str | None = None,
        body: str | None = None,
        handled_by: str | None = None,
        outcome: str | None = None,
        deal_id: str | None = None,
        task_id: str | None = None,
        id: str | None = None,
    ) -> Interaction:
        """Record one touchpoint of an existing contact: *channel* (``"phone"``,
        ``"instagram"``, any short name), *direction* (``"inbound"``, ``"outbound"`` or
        ``"internal"``), when it happened (default now), what was asked (*summary*, *body*),
        who handled it and the *outcome*, and the deal or task it concerns."""
        interaction = Interaction.new(now=self._ctx.clock(), **given(locals()))
        with self._ctx.write() as uow:
            uow.contacts.get(contact_id)
            _require_links(uow, [interaction])
            uow.interactions.add(interaction)
            uow.commit()
        return interaction

    def log_many(self, rows: Iterable[Mapping[str, Any]]) -> list[Interaction]:
        """Record many touchpoints in one transaction: all are written or none.

        Every row is validated before anything is written; an error names the row index
        in ``err.field`` (e.g. ``"rows[3].occurred_at"``).
        """
        now = self._ctx.clock()
        with paused_gc():
            interactions = [self._build_row(row, i, now) for i, row in enumerate(rows)]
        try:
            with self._ctx.write() as uow:
                # Every backend refuses an interaction of an unknown contact (SQL: the
                # foreign key), so the happy path needs no look-up per contact.
                _require_links(uow, interactions)
                uow.interactions.add_many(interactions)
                uow.commit()
        except ConflictError:
            contact_ids = {it.contact_id for it in interactions}
            with self._ctx.read() as uow:
                missing = contact_ids - uow.contacts.existing_ids(contact_ids)
            if missing:
                raise ContactNotFoundError(sorted(missing)[0]) from None
            raise
        return interactions

    def get(self, interaction_id: str) -> Interaction:
        with self._ctx.read() as uow:
            return uow.interactions.get(interaction_id)

    def _build_row(self, row: Mapping[str, Any], index: int, now: datetime) -> Interaction:
        try:
            if not _FIELDS.issuperset(row):
                name = sorted(set(row) - _FIELDS)[0]
                raise ValidationError(name, row[name], "not an interaction field")
            return Interaction.new(now=now, **row)
        except ValidationError as exc:
            raise type(exc)(f"rows[{index}].{exc.field}", exc.value, exc.reason) from exc


def _require_links(uow: UnitOfWork, interactions: Iterable[Interaction]) -> None:
    """The deals and tasks the interactions name exist in this workspace (else the
    not-found error of the first one, as for a contact)."""
    for deal_id in sorted({i.deal_id for i in interactions if i.deal_id is not None}):
        uow.deals.get(deal_id)
    for task_id in sorted({i.task_id for i in interactions if i.task_id is not None}):
        uow.tasks.get(task_id)
