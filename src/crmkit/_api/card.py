"""``crm.contact_card``: one consistent read of everything the person answering needs."""

from __future__ import annotations

from datetime import datetime

from crmkit._api._base import Context
from crmkit._api.customer_file.kinds import ASSETS, CONTRACTS, QUOTES
from crmkit._api.marketing.standing import marketing_standing
from crmkit._api.service.kinds import CASES
from crmkit.card import ContactCard, LedgerSummary
from crmkit.customer_file import ContractStatus, QuoteStatus
from crmkit.errors import ValidationError
from crmkit.funnel.deal import DealStatus
from crmkit.service.case import Case
from crmkit.service.clocks import next_due
from crmkit.tasks.task import Task

__all__ = ["build_card"]

_OVER = (ContractStatus.TERMINATED, ContractStatus.ENDED)


def _due_order(task: Task) -> tuple[bool, datetime, str]:
    # Undated promises come after dated ones, oldest first.
    return (task.due is None, task.due or task.created_at, task.id)


def _case_order(case: Case) -> tuple[bool, datetime, str]:
    # Cases with a clock running come first, soonest due; the others by opening.
    due = next_due(case)
    return (due is None, due or case.opened_at, case.id)


def build_card(ctx: Context, contact_id: str, *, history: int) -> ContactCard:
    if not isinstance(history, int) or isinstance(history, bool) or history < 0:
        raise ValidationError("history", history, "a non-negative number of interactions")
    with ctx.read() as uow:
        contact = uow.contacts.get(contact_id)
        recent = uow.interactions.timeline(contact_id, limit=history)
        deals = [d for d in uow.deals.for_contact(contact_id) if d.status is DealStatus.OPEN]
        tasks = sorted(uow.tasks.open_for_contact(contact_id), key=_due_order)
        transactions = uow.transactions.for_contact(contact_id)
        ledger = LedgerSummary.of(transactions)
        cases = [c for c in CASES.on(uow).for_contact(contact_id) if not c.status.is_done]
        quotes = QUOTES.on(uow).for_contact(contact_id)
        contracts = CONTRACTS.on(uow).for_contact(contact_id)
        assets = ASSETS.on(uow).for_contact(contact_id)
        marketing = marketing_standing(uow, contact_id, ledger=transactions, now=ctx.clock())
    cases.sort(key=_case_order)
    today = ctx.clock().date()
    open_quotes = sorted(
        (q for q in quotes if q.status_on(today) in (QuoteStatus.DRAFT, QuoteStatus.SENT)),
        key=lambda q: (q.valid_until, q.id),
    )
    running = sorted(
        (k for k in contracts if k.status_on(today) not in _OVER), key=lambda k: (k.ends_on, k.id)
    )
    held = sorted(assets, key=lambda a: (a.key, a.id))
    return ContactCard(
        contact,
        tuple(recent),
        tuple(deals),
        tuple(tasks),
        ledger,
        open_quotes=tuple(open_quotes),
        contracts=tuple(running),
        assets=tuple(held),
        open_cases=tuple(cases),
        marketing=marketing,
    )
