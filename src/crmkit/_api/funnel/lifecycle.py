"""Contact lifecycle steps for the facade: set a stage (with history) and report on them."""

from __future__ import annotations

from typing import Any

from crmkit._api._base import Context
from crmkit.contacts import Contact
from crmkit.funnel.lifecycle import LifecycleChange, LifecycleStages, change_lifecycle

__all__ = ["lifecycle_history", "set_lifecycle"]


def set_lifecycle(
    ctx: Context,
    stages: LifecycleStages,
    contact_id: str,
    stage: str,
    *,
    at: Any = None,
    by: str | None = None,
    reason: str | None = None,
) -> Contact:
    """Move a contact to a lifecycle stage; the new contact version and the step are written
    together."""
    with ctx.write() as uow:
        contact = uow.contacts.get(contact_id)
        previous = uow.lifecycle.latest_for_contact(contact_id)
        new, change = change_lifecycle(
            contact,
            stage,
            at=at if at is not None else ctx.clock(),
            stages=stages,
            previous=previous,
            by=by,
            reason=reason,
        )
        uow.contacts.update(new)
        uow.lifecycle.add(change)
        uow.commit()
    return new


def lifecycle_history(ctx: Context, contact_id: str) -> list[LifecycleChange]:
    with ctx.read() as uow:
        uow.contacts.get(contact_id)
        return uow.lifecycle.for_contact(contact_id)
