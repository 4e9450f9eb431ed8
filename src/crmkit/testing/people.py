"""People that tests in several folders create (the CLI's and the facade's duplicate
finding start from the same pair)."""

from __future__ import annotations

from datetime import date

from crmkit import CRM, Contact

__all__ = ["script_twins"]


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
