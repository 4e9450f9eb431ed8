"""The story crmkit exists for, played on a real SQLite file.

A customer writes on Instagram, gets a reply, leaves a phone number, and calls two days later
from the same number typed another way. Whoever picks up sees who it is and what was said.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.interactions import Interaction

__all__ = ["run_demo"]

_START = datetime(2026, 11, 16, 9, 12, tzinfo=UTC)


def run_demo(*, path: str | None = None, out: Callable[[str], None] = print) -> CRM:
    """Play the story on a SQLite file (an in-memory SQLite database by default, so nothing
    is left behind) and print the screen.

    The story is played once per file: on a file that already holds it (workspace ``demo``),
    nothing is added and Besa's card is shown as it stands, so the history is never doubled.

    >>> lines = []
    >>> crm = run_demo(out=lines.append)
    >>> any("Besa Kola" in line for line in lines)
    True
    >>> crm.close()
    """
    crm = CRM.open(path or ":memory:", default_region="AL", workspace="demo")
    if crm.contacts.count():
        out(f"crmkit demo already played on {path}; nothing was added. Besa's card:\n")
        besa = crm.resolve(phone="+355691234567").contact
        if besa is not None:
            _show_card(crm, besa.id, "Besa Kola", out)
        return crm
    where = path or "an in-memory SQLite database (--db FILE keeps it)"
    out(f"crmkit demo on {where}\n")

    msg = crm.record(
        channel="instagram",
        handle="@besa.kola",
        name="Besa Kola",
        occurred_at=_START,
        summary="Asked about the Gold package for her shop in Tiranë",
    )
    out(f"1. Instagram DM from @besa.kola -> new contact {msg.contact_id[:8]}…")
    crm.interactions.log(
        msg.contact_id,
        channel="instagram",
        direction="outbound",
        handled_by="arta",
        occurred_at=_START + timedelta(minutes=20),
        summary="Sent Gold package price list (1,200 EUR/yr); offered a call",
        outcome="asked for phone number",
    )
    out("2. Arta replied with the price list and asked for a phone number")
    crm.contacts.add_identity(msg.contact_id, phone="069 123 4567")
    crm.contacts.update(msg.contact_id, city="Tiranë", owner="arta")
    out("3. Besa sent her number: 069 123 4567 (saved as +355691234567)")
    sales = crm.pipelines.create("Sales", stages=["New", "Proposal", "Negotiation"])
    deal = crm.deals.create(
        contact_id=msg.contact_id,
        pipeline_id=sales.id,
        title="Gold package",
        value=Money("1200.00", "EUR"),
        owner="arta",
        created_at=_START + timedelta(minutes=25),
        stage="Proposal",
    )
    promise = crm.tasks.create(
        "Call Besa about the Gold package",
        assignee="arta",
        contact_id=msg.contact_id,
        deal_id=deal.id,
        due=_START + timedelta(days=2, hours=1, minutes=18),
        at=_START + timedelta(minutes=25),
    )
    out("   Arta opened a deal (Gold package, 1,200 EUR) and promised a call on Wednesday")

    call_at = _START + timedelta(days=2, hours=1)
    caller = "+355 69 123 45 67"
    who = crm.resolve(phone=caller)
    out(f"4. Two days later the phone rings: {caller}; Ivan picks up\n")
    if who.contact is None:
        out("   Unknown caller.")
        return crm
    _show_card(crm, who.contact.id, "Incoming call", out)
    crm.record(
        channel="phone",
        phone=caller,
        occurred_at=call_at,
        handled_by="ivan",
        summary="Confirmed Gold package; wants invoice to her company",
        outcome="won",
    )
    crm.deals.win(deal.id, at=call_at, by="ivan")
    crm.tasks.complete(promise.id, by="ivan", at=call_at)
    crm.transactions.add(
        who.contact.id,
        kind="purchase",
        amount=Money("1200.00", "EUR"),
        occurred_at=call_at,
        order_id="G-2026-117",
    )
    out("\n5. Ivan took the call, won the deal, closed Arta's promise and booked the order;")
    out("   the next person to answer sees:\n")
    _show_card(crm, who.contact.id, "Besa Kola", out)
    return crm


def _show_card(crm: CRM, contact_id: str, title: str, out: Callable[[str], None]) -> None:
    card = crm.contact_card(contact_id)
    out(f"   ┌ {title} " + "─" * max(3, 58 - len(title)))
    for line in card.render().splitlines():
        out(f"   │ {line}")
    out("   │ history:")
    for it in card.recent:
        out("   │   " + _line(it))
    out("   └" + "─" * 61)


def _line(it: Interaction) -> str:
    who = it.handled_by or "customer"
    arrow = "→" if it.direction == "outbound" else "←"
    return f"{it.occurred_at:%d %b %H:%M} {arrow} {it.channel:<9} {who:<8} {it.summary}"
