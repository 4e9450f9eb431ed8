"""Contract: the service desk (``crm.cases``, ``crm.sla``) on the generic record store."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.errors import (
    AlreadyExistsError,
    ContactNotFoundError,
    InvalidDatetimeError,
    InvalidTransitionError,
    RecordNotFoundError,
    UniqueKeyError,
    ValidationError,
)
from crmkit.service import Case, WorkingHours
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["DeskSetUp", "ServiceContract"]

HOUR = timedelta(hours=1)
# T0 is Friday 1 May 2026, 09:00 UTC; the desk works 09:00 to 17:00 UTC, Monday to Friday.
DESK = WorkingHours(time(9), time(17))


class DeskSetUp(ContractBase):
    """Two policies (Standard, and Urgent for urgent cases) and a contact to open cases for."""

    def _desk(self, crm: CRM) -> Contact:
        crm.sla.create(
            "Standard", first_response=4 * HOUR, resolution=16 * HOUR, hours=DESK, timezone="UTC"
        )
        crm.sla.create(
            "Urgent",
            first_response=HOUR,
            resolution=4 * HOUR,
            hours=DESK,
            timezone="UTC",
            priority="urgent",
        )
        return crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])

    def _open(self, crm: CRM, contact: Contact, at: datetime = T0, **fields: Any) -> Case:
        fields.setdefault("reason", "equipment_fault")
        return crm.cases.open(
            contact.id, subject="Router keeps rebooting", opened_at=at, channel="phone", **fields
        )


class ServiceContract(DeskSetUp):
    def _counts(self, crm: CRM, contact: Contact) -> tuple[int, int]:
        return len(crm.cases.for_contact(contact.id)), len(crm.timeline(contact.id))

    def test_a_case_opens_new_with_due_times_of_its_priority_policy(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa, priority="high")
        assert (case.status.value, case.sla and case.sla.name) == ("new", "Standard")
        assert case.first_response_due == T0 + 4 * HOUR
        assert case.resolution_due == datetime(2026, 5, 4, 17, tzinfo=UTC)  # Monday evening
        assert crm.cases.get(case.id) == case
        urgent = self._open(crm, besa, priority="urgent")
        assert (urgent.sla and urgent.sla.name, urgent.first_response_due) == ("Urgent", T0 + HOUR)
        assert [c.id for c in crm.cases.for_contact(besa.id)] == [case.id, urgent.id]

    def test_without_a_policy_a_case_has_no_due_times(self, crm: CRM) -> None:
        besa = crm.contacts.create(name="Besa Kola")
        case = self._open(crm, besa)
        assert (case.sla, case.first_response_due, case.resolution_due) == (None, None, None)
        assert crm.cases.breaching(at=T0 + 1000 * HOUR) == []

    def test_a_policy_name_or_priority_is_taken_once(self, crm: CRM) -> None:
        self._desk(crm)
        for name, priority in ((" standard ", "low"), ("Other", "urgent")):
            with pytest.raises(UniqueKeyError):
                crm.sla.create(
                    name,
                    first_response=HOUR,
                    resolution=HOUR,
                    hours=DESK,
                    timezone="UTC",
                    priority=priority,
                )
        assert [p.name for p in crm.sla.all()] == ["Standard", "Urgent"]

    def test_an_updated_policy_applies_to_cases_opened_after(self, crm: CRM) -> None:
        besa = self._desk(crm)
        before = self._open(crm, besa)
        updated = crm.sla.update("standard", first_response=2 * HOUR, rename="Desk")
        assert (updated.name, updated.first_response, updated.resolution) == (
            "Desk",
            2 * HOUR,
            16 * HOUR,
        )
        assert crm.sla.get("desk") == updated
        assert crm.cases.get(before.id).first_response_due == T0 + 4 * HOUR  # kept as opened
        assert self._open(crm, besa).first_response_due == T0 + 2 * HOUR
        with pytest.raises(UniqueKeyError):
            crm.sla.update("Desk", resolution=HOUR, rename="urgent")
        with pytest.raises(UniqueKeyError):
            crm.sla.update("Desk", resolution=HOUR, priority="urgent")
        with pytest.raises(RecordNotFoundError):
            crm.sla.update("Standard", resolution=HOUR)
        with pytest.raises(ValidationError) as err:
            crm.sla.update("Desk", resolution=-HOUR)
        assert err.value.field == "resolution"
        assert crm.sla.get("Desk") == updated  # nothing written by the refused updates
        with pytest.raises(UniqueKeyError):  # one default policy only
            crm.sla.update("Urgent", priority=None)

    def test_the_first_response_logs_an_interaction_and_stops_its_clock(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa)
        first = crm.cases.respond(case.id, by="ewa", at=T0 + HOUR, summary="Looking into it")
        again = crm.cases.respond(case.id, by="ivo", at=T0 + 2 * HOUR, channel="email")
        assert (first.status.value, first.first_responded_at, first.first_responded_by) == (
            "open",
            T0 + HOUR,
            "ewa",
        )
        assert again == first == crm.cases.get(case.id)
        replies = crm.timeline(besa.id)
        assert [(i.channel, i.handled_by, i.direction.value) for i in replies] == [
            ("email", "ivo", "outbound"),
            ("phone", "ewa", "outbound"),
        ]

    def test_waiting_on_the_customer_pauses_both_clocks(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa)
        crm.cases.set_status(case.id, "waiting_on_customer", at=T0 + HOUR)
        paused = crm.cases.get(case.id)
        assert (paused.first_response_due, paused.resolution_due) == (None, None)
        assert crm.cases.breaching(at=T0 + 1000 * HOUR) == []
        # Back on Monday 09:00: the weekend was not business time anyway; 1h was used.
        resumed = crm.cases.set_status(case.id, "open", at=datetime(2026, 5, 4, 9, tzinfo=UTC))
        assert resumed.first_response_due == datetime(2026, 5, 4, 12, tzinfo=UTC)
        assert resumed.resolution_due == datetime(2026, 5, 5, 16, tzinfo=UTC)

    def test_breaching_lists_running_clocks_due_soon_by_due_time(self, crm: CRM) -> None:
        besa = self._desk(crm)
        slow = self._open(crm, besa)
        fast = self._open(crm, besa, priority="urgent")
        answered = self._open(crm, besa, priority="urgent")
        crm.cases.respond(answered.id, by="ewa", at=T0 + HOUR / 2)
        found = crm.cases.breaching(at=T0 + 2 * HOUR)
        assert [(c.id, clock) for c, clock, _ in found] == [(fast.id, "first_response")]
        soon = crm.cases.breaching(at=T0 + 2 * HOUR, within=3 * HOUR)
        assert [(c.id, clock, due) for c, clock, due in soon] == [
            (fast.id, "first_response", T0 + HOUR),
            (slow.id, "first_response", T0 + 4 * HOUR),
            (fast.id, "resolution", T0 + 4 * HOUR),
            (answered.id, "resolution", T0 + 4 * HOUR),
        ]

    def test_breaching_for_one_assignee_follows_reassignment(self, crm: CRM) -> None:
        besa = self._desk(crm)
        ewas = [self._open(crm, besa, assignee="ewa", priority="urgent") for _ in range(2)]
        jans = self._open(crm, besa, assignee="ewa2")
        nobody = self._open(crm, besa)
        crm.cases.assign(ewas[1].id, to="ewa2", at=T0 + HOUR / 2)
        late = T0 + 5 * HOUR

        def ids(who: str | None, **options: Any) -> list[str]:
            found = crm.cases.breaching(at=late, assignee=who, **options)
            return [c.id for c, _, _ in found]

        assert ids("ewa") == [ewas[0].id, ewas[0].id]  # first response, then resolution
        assert ids(" ewa2 ") == [ewas[1].id, ewas[1].id, jans.id]
        assert ids("ewa2", limit=1) == [ewas[1].id, ewas[1].id]  # one case, both clocks
        assert set(ids(None)) == {ewas[0].id, ewas[1].id, jans.id, nobody.id}
        assert ids("jan") == []

    def test_resolve_reopen_close_and_rate(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa)
        crm.cases.respond(case.id, by="ewa", at=T0 + HOUR)
        done = crm.cases.resolve(case.id, at=T0 + 2 * HOUR, resolution="Replaced the unit")
        assert (done.status.value, done.resolved_at, done.resolution) == (
            "resolved",
            T0 + 2 * HOUR,
            "Replaced the unit",
        )
        assert crm.cases.breaching(at=T0 + 1000 * HOUR) == []
        # Reopened on Monday at 09:00: Friday 11:00 to 17:00 resolved does not count.
        back = crm.cases.reopen(case.id, at=datetime(2026, 5, 4, 9, tzinfo=UTC), reason="again")
        assert (back.status.value, back.resolved_at) == ("open", None)
        assert back.resolution_due == datetime(2026, 5, 5, 15, tzinfo=UTC)
        crm.cases.resolve(case.id, at=datetime(2026, 5, 4, 10, tzinfo=UTC))
        closed = crm.cases.close(case.id, at=datetime(2026, 5, 4, 11, tzinfo=UTC))
        rated = crm.cases.rate(
            case.id, score=4, at=datetime(2026, 5, 4, 12, tzinfo=UTC), comment="Quick"
        )
        assert rated.rating is not None
        assert rated.rating.score == 4
        assert [h.status.value for h in rated.history] == [
            "new",
            "open",
            "resolved",
            "open",
            "resolved",
            "closed",
        ]
        assert closed.closed_at == datetime(2026, 5, 4, 11, tzinfo=UTC)

    def test_assign_hands_the_case_on(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa, assignee="ewa")
        moved = crm.cases.assign(case.id, to="ivo", at=T0 + HOUR)
        assert (case.assignee, moved.assignee, crm.cases.get(case.id).assignee) == (
            "ewa",
            "ivo",
            "ivo",
        )

    def test_bad_input_names_field_and_value_and_writes_nothing(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa)
        cases = crm.cases
        bad: list[tuple[type[Exception], str, Any, Any]] = [
            (
                ValidationError,
                "status",
                "pending",
                lambda: cases.set_status(case.id, "pending", at=T0 + HOUR),
            ),
            (
                InvalidTransitionError,
                "status",
                "closed",
                lambda: cases.set_status(case.id, "closed", at=T0 + HOUR),
            ),
            (
                InvalidDatetimeError,
                "at",
                T0 - HOUR,
                lambda: cases.respond(case.id, by="ewa", at=T0 - HOUR),
            ),
            (
                InvalidDatetimeError,
                "at",
                datetime(2026, 5, 1, 10),
                lambda: cases.respond(case.id, by="ewa", at=datetime(2026, 5, 1, 10)),
            ),
            (
                InvalidTransitionError,
                "status",
                "new",
                lambda: cases.rate(case.id, score=5, at=T0 + HOUR),
            ),
            (
                ValidationError,
                "reason",
                "warranty",
                lambda: self._open(crm, besa, reason="warranty"),
            ),
            (ValidationError, "sla", "Gold", lambda: self._open(crm, besa, sla="Gold")),
            (ValidationError, "priority", "asap", lambda: self._open(crm, besa, priority="asap")),
        ]
        for error, field, value, call in bad:
            with pytest.raises(error) as err:
                call()
            assert (err.value.field, err.value.value) == (field, value)  # type: ignore[attr-defined]
        with pytest.raises(ContactNotFoundError):
            crm.cases.open("no-such-contact", subject="x", reason="other", opened_at=T0)
        with pytest.raises(RecordNotFoundError):
            crm.cases.get("no-such-case")
        resolved = crm.cases.resolve(case.id, at=T0 + HOUR)
        with pytest.raises(ValidationError) as score:
            crm.cases.rate(case.id, score=0, at=T0 + 2 * HOUR)
        assert (score.value.field, score.value.value) == ("score", 0)
        assert crm.cases.get(case.id) == resolved
        assert self._counts(crm, besa) == (1, 0)

    def test_added_reasons_belong_to_the_workspace(self, crm: CRM) -> None:
        besa = self._desk(crm)
        crm.cases.add_reason("Warranty")
        with pytest.raises(AlreadyExistsError):
            crm.cases.add_reason("warranty")
        with pytest.raises(AlreadyExistsError):
            crm.cases.add_reason("billing")
        assert crm.cases.reasons()[-1] == "warranty"
        assert self._open(crm, besa, reason="warranty").reason == "warranty"
        other = CRM(storage=crm.storage, workspace="elsewhere")
        assert "warranty" not in other.cases.reasons()

    def test_cases_follow_merge_and_unmerge(self, crm: CRM) -> None:
        besa = self._desk(crm)
        twin = crm.contacts.create(name="B. Kola", phones=["069 123 4567"])
        case = self._open(crm, twin)
        merged = crm.merge(besa.id, twin.id)
        assert merged.moved["cases"] == 1
        assert crm.cases.get(case.id).contact_id == besa.id
        crm.unmerge(merged.merge_id or "")
        assert [c.id for c in crm.cases.for_contact(twin.id)] == [case.id]

    def test_cases_are_exported_and_kept_anonymised_on_erasure(self, crm: CRM) -> None:
        besa = self._desk(crm)
        case = self._open(crm, besa)
        crm.cases.resolve(case.id, at=T0 + HOUR, resolution="Told Besa to restart it")
        crm.cases.rate(case.id, score=5, at=T0 + 2 * HOUR, comment="Thanks, Besa")
        exported = crm.contacts.export(besa.id)["cases"]
        assert exported[0]["subject"] == "Router keeps rebooting"  # type: ignore[index,call-overload]
        assert exported[0]["sla"] == "Standard"  # type: ignore[index,call-overload]
        assert crm.contacts.erase(besa.id).removed["cases"] == 0
        kept = crm.cases.get(case.id)
        assert (kept.contact_id, kept.subject, kept.resolution) == (None, "", None)
        assert kept.rating is not None
        assert (kept.rating.score, kept.rating.comment) == (5, None)
        assert all(h.note is None for h in kept.history)
        report = crm.service_report(since=T0, until=T0 + 24 * HOUR)
        assert (report.cases, report.csat_count) == (1, 1)

    def test_the_service_report_reads_the_stored_cases(self, crm: CRM) -> None:
        besa = self._desk(crm)
        week = timedelta(days=7)
        self._open(crm, besa, at=T0 - week, reason="billing")
        a = self._open(crm, besa, assignee="ewa")
        self._open(crm, besa, priority="urgent", reason="complaint")
        crm.cases.respond(a.id, by="ewa", at=T0 + 2 * HOUR)
        crm.cases.resolve(a.id, at=T0 + 3 * HOUR)
        crm.cases.rate(a.id, score=3, at=T0 + 3 * HOUR)
        report = crm.service_report(since=T0, until=T0 + week, at=T0 + 2 * HOUR)
        assert (report.cases, dict(report.by_reason)) == (2, {"equipment_fault": 1, "complaint": 1})
        assert dict(report.by_assignee) == {"ewa": 1, None: 1}
        fr, res = report.first_response, report.resolution
        assert (fr.met, fr.breached, fr.pending) == (1, 1, 0)  # b's hour passed unanswered
        assert (res.met, res.breached, res.pending) == (1, 0, 1)
        assert (report.median_first_response, report.median_resolution) == (2 * HOUR, 3 * HOUR)
        assert (report.csat_average, report.csat_count) == (3.0, 1)
        assert {t.reason: t.change for t in report.reasons} == {
            "equipment_fault": 1,
            "complaint": 1,
            "billing": -1,
        }
        assert [t.reason for t in report.growing] == ["complaint", "equipment_fault"]
