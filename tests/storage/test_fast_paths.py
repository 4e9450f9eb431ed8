"""Optional fast paths: detected when a backend offers them, with a fallback otherwise."""

from __future__ import annotations

from crmkit.contacts import Contact
from crmkit.identity.contact_match import prepared_forms
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.storage.protocols import (
    MeasuredGroupsSource,
    MeasuredOutcomesSource,
    PreparedFormsSource,
    Storage,
    prepared_forms_of,
)

BESA = Contact.new(name="Besa Kola", emails=["besa@example.al"], city="Tiranë")


def _with_besa(storage: Storage) -> Storage:
    with storage.unit_of_work("acme") as uow:
        uow.contacts.add(BESA)
        uow.commit()
    return storage


def test_memory_contacts_serve_the_forms_they_keep() -> None:
    with _with_besa(MemoryStorage()).unit_of_work("acme") as uow:
        assert isinstance(uow.contacts, PreparedFormsSource)
        served = prepared_forms_of(uow.contacts)
        assert served != prepared_forms  # the repository's own method
        assert served(BESA) == prepared_forms(BESA)


def test_a_backend_without_the_fast_path_falls_back_to_folding() -> None:
    with _with_besa(SQLiteStorage(":memory:")).unit_of_work("acme") as uow:
        assert not isinstance(uow.contacts, PreparedFormsSource)
        assert prepared_forms_of(uow.contacts) is prepared_forms


def test_sql_campaign_members_count_a_report_in_the_database() -> None:
    with SQLiteStorage(":memory:").unit_of_work("acme") as uow:
        assert isinstance(uow.campaign_members, MeasuredGroupsSource)
        assert isinstance(uow.campaign_members, MeasuredOutcomesSource)
    with MemoryStorage().unit_of_work("acme") as uow:  # the definition, in Python
        assert not isinstance(uow.campaign_members, MeasuredGroupsSource)
        assert not isinstance(uow.campaign_members, MeasuredOutcomesSource)


def test_sqlite_hands_sums_it_cannot_add_exactly_to_the_python_tally() -> None:
    """SQLite adds amounts as whole ten-thousandths in 64 bits: huge amounts, squares past
    2^63 and finer places are tallied in Python, with the definition's answer."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from crmkit import CRM, Money
    from crmkit.segments import tag
    from crmkit.storage.protocols import measured_outcomes, measured_outcomes_in_python

    t0 = datetime(2027, 3, 1, tzinfo=UTC)
    storage = SQLiteStorage(":memory:")
    for amounts in (["12.5", "99000000000.25"], ["3000000000.5", "7.25"], ["0.00001", "4"]):
        crm = CRM(storage=storage, workspace=f"w{amounts[0]}", clock=lambda: t0)
        people = [crm.contacts.create(name=f"P{i}", tags={"gold"}).id for i in range(4)]
        for p in people:
            crm.consent.record(p, purpose="marketing_email", granted=True, at=t0)
        c = crm.campaigns.create(
            "C",
            channel="email",
            audience=tag("gold"),
            purpose="marketing_email",
            holdout=Decimal("0.5"),
            seed=1,
        )
        crm.campaigns.launch(c.id, at=t0)
        for p, amount in zip(people, amounts * 2, strict=True):
            crm.transactions.add(
                p, kind="purchase", amount=Money(amount, "EUR"), occurred_at=t0 + timedelta(1)
            )
        span = {"since": t0, "until": t0 + timedelta(30), "currency": None}
        with storage.unit_of_work(crm.workspace, read_only=True) as uow:
            served = measured_outcomes(uow, c.id, **span)  # type: ignore[arg-type]
            assert served == measured_outcomes_in_python(uow, c.id, **span)  # type: ignore[arg-type]
            assert sum(g.conversions for g in served.groups.values()) == 4
