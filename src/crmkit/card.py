"""What the person answering sees: one contact's memory on one card.

A customer calls; whoever picks up must not make them start over. A :class:`ContactCard`
gathers who they are, what they asked and were told (and by whom), what they bought and paid,
which deals and service cases are open and what was promised next, by whom and by when, and
their customer file: open quotes, running contracts and the equipment they hold, and their
marketing standing: coupons, loyalty points and tier, referrals, campaigns. It is a
plain frozen value built from one consistent read (:meth:`crmkit.CRM.contact_card`), with a
text rendering for terminals and logs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.customer_file import Asset, Contract, Quote
from crmkit.funnel.deal import Deal
from crmkit.interactions import Interaction
from crmkit.marketing.standing import MarketingStanding
from crmkit.service.case import Case
from crmkit.service.clocks import running_dues
from crmkit.tasks.task import Task
from crmkit.value.ledger import Transaction, TransactionKind

__all__ = ["ContactCard", "LedgerSummary"]


@attrs.frozen
class LedgerSummary:
    """Money in and out for one contact, kept per currency (never summed across currencies).

    ``spent`` is purchases less refunds; ``paid`` is payments less payouts.

    >>> from datetime import UTC
    >>> when = datetime(2026, 3, 1, tzinfo=UTC)
    >>> s = LedgerSummary.of([
    ...     Transaction.new(contact_id="c", kind="purchase", amount=Money("120", "EUR"),
    ...                     occurred_at=when),
    ...     Transaction.new(contact_id="c", kind="refund", amount=Money("20", "EUR"),
    ...                     occurred_at=when),
    ...     Transaction.new(contact_id="c", kind="payment", amount=Money("100", "EUR"),
    ...                     occurred_at=when)])
    >>> s.spent, s.paid, s.purchases
    ((Money('100', 'EUR'),), (Money('100', 'EUR'),), 1)
    """

    spent: tuple[Money, ...] = ()
    paid: tuple[Money, ...] = ()
    purchases: int = 0
    last_purchase_at: datetime | None = None

    @classmethod
    def of(cls, transactions: Iterable[Transaction]) -> LedgerSummary:
        spent: dict[str, Decimal] = defaultdict(Decimal)
        paid: dict[str, Decimal] = defaultdict(Decimal)
        count = 0
        last: datetime | None = None
        for t in transactions:
            code, amount = t.amount.currency, t.amount.amount
            if t.kind is TransactionKind.PURCHASE:
                spent[code] += amount
                count += 1
                last = t.occurred_at if last is None else max(last, t.occurred_at)
            elif t.kind is TransactionKind.REFUND:
                spent[code] -= amount
            elif t.kind is TransactionKind.PAYMENT:
                paid[code] += amount
            else:
                paid[code] -= amount
        return cls(_monies(spent), _monies(paid), count, last)


def _monies(sums: dict[str, Decimal]) -> tuple[Money, ...]:
    return tuple(Money(amount, code) for code, amount in sorted(sums.items()))


@attrs.frozen
class ContactCard:
    """One contact's memory, as the person answering needs it.

    ``recent`` is newest first; ``open_tasks`` (what was promised next) soonest due first,
    undated ones last; ``open_deals`` oldest first; ``open_cases`` (service cases not
    resolved or closed) by the next due time of a running SLA clock, soonest first, then
    those with none (waiting on the customer, or no policy), oldest first. ``open_quotes``
    are drafts and sent offers still valid, ``contracts`` those not terminated or ended (by
    end date), and ``assets`` the equipment held (by serial). ``marketing`` is their
    coupons, loyalty points and tier, referrals and campaign touches
    (:class:`crmkit.marketing.standing.MarketingStanding`).
    """

    contact: Contact
    recent: tuple[Interaction, ...]
    open_deals: tuple[Deal, ...]
    open_tasks: tuple[Task, ...]
    ledger: LedgerSummary
    open_quotes: tuple[Quote, ...] = ()
    contracts: tuple[Contract, ...] = ()
    assets: tuple[Asset, ...] = ()
    open_cases: tuple[Case, ...] = ()
    marketing: MarketingStanding = attrs.field(factory=MarketingStanding)

    @property
    def last_interaction(self) -> Interaction | None:
        return self.recent[0] if self.recent else None

    @property
    def next_promise(self) -> Task | None:
        """The open task due soonest: what was promised next, and by whom."""
        return self.open_tasks[0] if self.open_tasks else None

    def render(self) -> str:
        """The card as lines of text (times in UTC)."""
        c = self.contact
        lines = [f"{c.name or '(no name)'} · {c.city or '?'} · owner: {c.owner or 'nobody'}"]
        handles = (*sorted(c.handles.items()), *c.extra_handles)
        ids = [
            *c.phones,
            *c.emails,
            *(f"{ch} @{h}" for ch, h in handles),
            *(f"{sys or 'id'} #{x}" for sys, x in c.external_ids),
        ]
        if ids:
            lines.append(" · ".join(ids))
        if self.ledger.purchases:
            spent = ", ".join(_money(m) for m in self.ledger.spent)
            lines.append(
                f"bought: {self.ledger.purchases} purchase(s), {spent}"
                f" (last {self.ledger.last_purchase_at:%d %b %Y})"
            )
        if self.ledger.paid:
            lines.append("paid: " + ", ".join(_money(m) for m in self.ledger.paid))
        for deal in self.open_deals:
            lines.append(
                f"open deal: {deal.title} · {_money(deal.value)} · {deal.stage}"
                f" · owner {deal.owner or 'nobody'}"
            )
        for case in self.open_cases:
            who = case.assignee or "unassigned"
            subject = case.subject or "(no subject)"
            lines.append(f"open case: {subject} · {case.reason} · {who} · {_promised(case)}")
        lines += _customer_file(self)
        lines += self.marketing.lines()
        for task in self.open_tasks:
            due = "no due date" if task.due is None else f"due {task.due:%a %d %b %H:%M}"
            lines.append(f"promised: {task.title} · {task.assignee or 'unassigned'} · {due}")
        last = self.last_interaction
        if last is not None:
            who = last.handled_by or "customer"
            lines.append(f"last spoke: {who} on {last.occurred_at:%a %d %b %H:%M}, {last.channel}")
            lines.append(f"  “{last.summary}”")
        return "\n".join(lines)


def _promised(case: Case) -> str:
    """The next service promise of an open case: the running clock due soonest."""
    dues = running_dues(case)
    if not dues:
        return case.status.value.replace("_", " ")
    clock, due = dues[0]
    return f"{clock.replace('_', ' ')} due {due:%a %d %b %H:%M}"


def _customer_file(card: ContactCard) -> list[str]:
    out = [
        f"quote: {_money(q.gross)} gross · {q.status.value} · valid until {q.valid_until:%d %b %Y}"
        for q in card.open_quotes
    ]
    for k in card.contracts:
        notice = f" · notice by {k.notice_on:%d %b %Y}" if k.notice else ""
        term = f"{k.starts_on:%d %b %Y} to {k.ends_on:%d %b %Y}"
        renewal = f"{k.renewal.value} renewal"
        out.append(f"contract: {k.title} · {_money(k.value)} · {term} ({renewal}){notice}")
    for a in card.assets:
        warranty = "" if a.warranty_until is None else f" · warranty to {a.warranty_until:%d %b %Y}"
        out.append(f"holds: {a.sku} {a.serial}{warranty}")
    return out


def _money(m: Money) -> str:
    return f"{m.amount:,} {m.currency}"
