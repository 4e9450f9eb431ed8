"""``crm.contact_card``: one consistent read of everything the person answering needs."""

from __future__ import annotations

from datetime import datetime

from crmkit._api._base import Context
from crmkit.card import ContactCard, LedgerSummary
from crmkit.errors import ValidationError
from crmkit.funnel.deal import DealStatus
from crmkit.tasks.task import Task

__all__ = ["build_card"]


def _due_order(task: Task) -> tuple[bool, datetime, str]:
    # Undated promises come after dated ones, oldest first.
    return (task.due is None, task.due or task.created_at, task.id)


def build_card(ctx: Context, contact_id: str, *, history: int) -> ContactCard:
    if not isinstance(history, int) or isinstance(history, bool) or history < 0:
        raise ValidationError("history", history, "a non-negative number of interactions")
    with ctx.read() as uow:
        contact = uow.contacts.get(contact_id)
        recent = uow.interactions.timeline(contact_id, limit=history)
        deals = [d for d in uow.deals.for_contact(contact_id) if d.status is DealStatus.OPEN]
        tasks = sorted(uow.tasks.open_for_contact(contact_id), key=_due_order)
        ledger = LedgerSummary.of(uow.transactions.for_contact(contact_id))
    return ContactCard(contact, tuple(recent), tuple(deals), tuple(tasks), ledger)
