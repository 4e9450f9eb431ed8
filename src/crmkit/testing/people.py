"""People that tests in several folders create: the CLI's and the facade's duplicate finding
start from the same pair, the CLI's lookup and the Citus suite from the README's Instagram
message."""

from __future__ import annotations

from datetime import date, datetime

from crmkit import CRM, Contact, Interaction

__all__ = ["besa_on_instagram", "script_twins"]


def script_twins(crm: CRM, phone: str) -> tuple[Contact, Contact]:
    """Create Hristo Stoyanov in Cyrillic (with *phone*) and in Latin (with an email), the
    same birthday in both, then Maria Petrova, who is nobody's twin. Returns the twins, the
    Cyrillic one first (created first, so the older).

    >>> with CRM.open(":memory:") as crm:
    ...     a, b = script_twins(crm, "+359 888 123 456")
    ...     (group,) = crm.find_duplicates()
    >>> set(group.contact_ids) == {a.id, b.id}
    True
    """
    a = crm.contacts.create(
        name="Христо Стоянов", phones=[phone], city="София", birthday=date(1985, 3, 4)
    )
    b = crm.contacts.create(
        name="Hristo Stoyanov",
        emails=["hristo.stoyanov@abv.bg"],
        city="Sofia",
        birthday=date(1985, 3, 4),
    )
    crm.contacts.create(name="Maria Petrova", emails=["maria@abv.bg"])
    return a, b


def besa_on_instagram(crm: CRM, at: datetime) -> Interaction:
    """Record the README's first touch: Besa Kola writes from Instagram (``@besa.kola``)
    asking about the Gold package, at *at*; returns that interaction (its contact is new).

    >>> from datetime import UTC
    >>> with CRM.open(":memory:") as crm:
    ...     dm = besa_on_instagram(crm, datetime(2026, 11, 16, 9, 12, tzinfo=UTC))
    ...     print(crm.contacts.get(dm.contact_id).handles)
    {'instagram': 'besa.kola'}
    """
    return crm.record(
        channel="instagram",
        handle="@besa.kola",
        name="Besa Kola",
        summary="Asked about the Gold package",
        occurred_at=at,
    )
