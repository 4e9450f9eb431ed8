"""The story crmkit exists for, played on a real SQLite file.

A customer writes on Instagram, gets a reply, leaves a phone number, and calls two days later
from the same number typed another way. Whoever picks up sees who it is and what was said.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crmkit.crm import CRM
from crmkit.interactions import Interaction

__all__ = ["run_demo"]

_START = datetime(2026, 11, 16, 9, 12, tzinfo=UTC)


def run_demo(*, path: str | None = None, out: Callable[[str], None] = print) -> CRM:
    """Play the story on a SQLite file (a temporary one by default) and print the screen.

    >>> lines = []
    >>> crm = run_demo(out=lines.append)
    >>> any("Besa Kola" in line for line in lines)
    True
    >>> crm.close()
    """
    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="crmkit-demo-"), "crm.sqlite")
    crm = CRM.open(path, default_region="AL", workspace="demo")
    out(f"crmkit demo on {path}\n")

    msg = crm.record(
        channel="instagram", handle="@besa.kola", name="Besa Kola", occurred_at=_START,
        summary="Asked about the Gold package for her shop in Tiranë",
    )  # fmt: skip
    out(f"1. Instagram DM from @besa.kola -> new contact {msg.contact_id[:8]}…")
    crm.interactions.log(
        msg.contact_id, channel="instagram", direction="outbound", handled_by="arta",
        occurred_at=_START + timedelta(minutes=20),
        summary="Sent Gold package price list (1,200 EUR/yr); offered a call",
        outcome="asked for phone number",
    )  # fmt: skip
    out("2. Arta replied with the price list and asked for a phone number")
    crm.contacts.add_identity(msg.contact_id, phone="069 123 4567")
    crm.contacts.update(msg.contact_id, city="Tiranë", owner="arta")
    out("3. Besa sent her number: 069 123 4567 (saved as +355691234567)")

    call_at = _START + timedelta(days=2, hours=1)
    caller = "+355 69 123 45 67"
    who = crm.resolve(phone=caller)
    out(f"4. Two days later the phone rings: {caller}\n")
    if who.contact is None:
        out("   Unknown caller.")
        return crm
    _show_screen(crm, who.contact.id, out)
    crm.record(
        channel="phone", phone=caller, occurred_at=call_at, handled_by="ivan",
        summary="Confirmed Gold package; wants invoice to her company", outcome="won",
    )  # fmt: skip
    out("\n5. Ivan took the call and logged it; the timeline now reads:")
    for it in crm.timeline(who.contact.id):
        out("   " + _line(it))
    return crm


def _show_screen(crm: CRM, contact_id: str, out: Callable[[str], None]) -> None:
    c = crm.contacts.get(contact_id)
    last = crm.last_interaction(contact_id)
    out("   ┌ Incoming call ─────────────────────────────────────────────")
    out(f"   │ {c.name} · {c.city or '?'} · owner: {c.owner or 'nobody'}")
    out(f"   │ phones {', '.join(c.phones)} · instagram @{c.handles.get('instagram', '-')}")
    if last is not None:
        out(
            f"   │ last spoke: {last.handled_by or 'customer'} on {last.occurred_at:%a %d %b %H:%M}"
        )
        out(f"   │   “{last.summary}”")
    out("   │ history:")
    for it in crm.timeline(contact_id, limit=5):
        out("   │   " + _line(it))
    out("   └────────────────────────────────────────────────────────────")


def _line(it: Interaction) -> str:
    who = it.handled_by or "customer"
    arrow = "→" if it.direction == "outbound" else "←"
    return f"{it.occurred_at:%d %b %H:%M} {arrow} {it.channel:<9} {who:<8} {it.summary}"
