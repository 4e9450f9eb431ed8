"""A database whose cases were stored before the service report's facts (migration 0021)
opens with the facts of every case written, so the report counts them.

PostgreSQL runs when CRMKIT_TEST_POSTGRES_DSN is set (see conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from crmkit import CRM
from crmkit.service import WorkingHours, service_report
from crmkit.storage.protocols import Storage

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


class _Backend(Protocol):  # tests/storage/conftest.py
    def open(self) -> Storage: ...

    def back_to(self, version: int, *then: str) -> None: ...


def test_cases_stored_before_the_facts_are_counted_after_the_upgrade(
    sql_backend: _Backend,
) -> None:
    storage = sql_backend.open()
    crm = CRM(storage=storage, workspace="a", clock=lambda: T0)
    crm.sla.create(
        "Desk",
        first_response=timedelta(hours=1),
        resolution=timedelta(hours=4),
        hours=WorkingHours(time(9), time(17)),
        timezone="Europe/Warsaw",
    )
    besa = crm.contacts.create(name="Besa Kola")
    first = crm.cases.open(besa.id, subject="Bill", reason="billing", opened_at=T0)
    crm.cases.respond(first.id, by="ewa", at=T0 + timedelta(minutes=30))
    crm.cases.open(besa.id, subject="Router", reason="equipment_fault", opened_at=T0)
    cases = crm.cases.for_contact(besa.id)
    storage.close()
    sql_backend.back_to(20)  # as a crmkit from before the facts left it
    storage = sql_backend.open()  # migrates, then writes the facts of workspace a's cases
    try:
        crm = CRM(storage=storage, workspace="a", clock=lambda: T0)
        period = {"since": T0, "until": T0 + timedelta(days=1), "at": T0 + timedelta(hours=3)}
        report = crm.service_report(**period)
        assert report == service_report(cases, **period)
        assert (report.cases, report.first_response.met, report.first_response.breached) == (
            2,
            1,
            1,
        )
        with storage.unit_of_work("", read_only=True) as uow:
            session = uow.session  # type: ignore[attr-defined]
            assert session.fetchall("SELECT workspace FROM case_facts_pending") == []
    finally:
        storage.close()
