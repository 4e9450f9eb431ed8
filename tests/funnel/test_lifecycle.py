"""Contact lifecycle stages: the transition rules and the lifecycle funnel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit.contacts import Contact
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError
from crmkit.funnel import LifecycleChange, LifecycleStages, change_lifecycle, lifecycle_report

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _contact() -> Contact:
    return Contact.new(name="Besa Kola", now=T0)


def _walk(contact_id: str, *steps: tuple[str, int, str | None]) -> list[LifecycleChange]:
    """A contact's history: (stage, day, reason) steps, as the transition function makes it."""
    contact = Contact(id=contact_id, created_at=T0, updated_at=T0)
    out: list[LifecycleChange] = []
    for stage, day, reason in steps:
        contact, change = change_lifecycle(
            contact,
            stage,
            at=T0 + timedelta(days=day),
            previous=out[-1] if out else None,
            reason=reason,
        )
        out.append(change)
    return out


def test_default_stages_run_from_subscriber_to_loyal_with_two_exits() -> None:
    s = LifecycleStages.default()
    assert s.stages == (
        "subscriber",
        "lead",
        "marketing-qualified",
        "sales-qualified",
        "opportunity",
        "customer",
        "loyal",
    )
    assert s.exits == ("churned", "disqualified")


def test_change_returns_next_contact_version_and_the_record() -> None:
    c = _contact()
    new, change = change_lifecycle(c, "Lead", at=T0 + timedelta(hours=1), by="arta")
    assert (new.lifecycle_stage, new.version, new.updated_at) == (
        "lead",
        c.version + 1,
        T0 + timedelta(hours=1),
    )
    assert (change.contact_id, change.from_stage, change.to_stage, change.by) == (
        c.id,
        None,
        "lead",
        "arta",
    )


def test_unknown_lifecycle_stage_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        change_lifecycle(_contact(), "prospect", at=T0)
    assert info.value.field == "lifecycle_stage"


def test_exit_stages_need_a_reason() -> None:
    c, _ = change_lifecycle(_contact(), "subscriber", at=T0)
    with pytest.raises(ValidationError) as info:
        change_lifecycle(c, "disqualified", at=T0)
    assert info.value.field == "reason"
    _, change = change_lifecycle(c, "disqualified", at=T0, reason="hard bounce")
    assert change.reason == "hard bounce"


def test_staying_in_the_same_stage_is_not_a_change() -> None:
    c, _ = change_lifecycle(_contact(), "lead", at=T0)
    with pytest.raises(InvalidTransitionError):
        change_lifecycle(c, "lead", at=T0)


def test_backward_steps_are_allowed_and_recorded() -> None:
    history = _walk("a", ("opportunity", 0, None), ("lead", 1, "budget frozen"))
    assert (history[1].from_stage, history[1].to_stage) == ("opportunity", "lead")


def test_change_before_the_previous_one_or_naive_is_refused() -> None:
    c, first = change_lifecycle(_contact(), "lead", at=T0 + timedelta(days=2))
    with pytest.raises(InvalidDatetimeError):
        change_lifecycle(c, "customer", at=T0 + timedelta(days=1), previous=first)
    with pytest.raises(InvalidDatetimeError):
        change_lifecycle(c, "customer", at=datetime(2026, 3, 1), previous=first)


def test_previous_change_of_another_contact_is_refused() -> None:
    other = _walk("someone-else", ("lead", 0, None))[0]
    with pytest.raises(ValidationError):
        change_lifecycle(_contact(), "lead", at=T0, previous=other)


def test_configurable_stages_and_goal() -> None:
    s = LifecycleStages.of(["Visitor", "Trial", "Paying"], exits=["Gone"], customer="trial")
    assert (s.stages, s.exits, s.customer) == (("visitor", "trial", "paying"), ("gone",), "trial")
    c, _ = change_lifecycle(_contact(), "Trial", at=T0, stages=s)
    assert c.lifecycle_stage == "trial"
    with pytest.raises(ValidationError):
        LifecycleStages.of(["a", "b"], exits=["a"])
    with pytest.raises(ValidationError):
        LifecycleStages.of(["a", "b"], customer="z")


def test_lifecycle_report_measures_the_cleaning_of_a_list() -> None:
    history = (
        _walk("a", ("subscriber", 0, None), ("lead", 2, None), ("customer", 10, None))
        + _walk("b", ("subscriber", 0, None), ("disqualified", 1, "bounced"))
        + _walk("c", ("subscriber", 0, None), ("disqualified", 3, "bounced"))
        + _walk("d", ("subscriber", 0, None), ("lead", 4, None), ("disqualified", 5, "no budget"))
        + _walk("e", ("subscriber", 0, None))
    )
    r = lifecycle_report(history)
    by = {s.name: s for s in r.stages}
    assert by["subscriber"].entered == 5
    assert by["subscriber"].moved_on == 2
    assert by["subscriber"].lost_reasons == (("bounced", 2),)
    assert by["lead"].entered == 2
    assert by["lead"].lost_reasons == (("no budget", 1),)
    # "a" skipped the qualification stages on its way to customer: it passed through them.
    assert by["sales-qualified"].entered == 1
    assert by["customer"].won == 1
    assert (r.won, r.lost, r.open) == (1, 3, 1)
    assert r.average_cycle == timedelta(days=10)
    assert by["subscriber"].median_time_in_stage == timedelta(days=2, hours=12)  # 1, 2, 3, 4 d


def test_churned_customer_stays_won_but_shows_where_it_left() -> None:
    history = _walk("a", ("customer", 0, None), ("churned", 30, "moved abroad"))
    r = lifecycle_report(history)
    assert (r.won, r.lost) == (1, 0)
    assert r.stages[5].lost_reasons == (("moved abroad", 1),)


def test_lifecycle_report_selects_contacts_by_first_change() -> None:
    history = _walk("a", ("lead", 0, None)) + _walk("b", ("lead", 40, None))
    r = lifecycle_report(history, since=T0 + timedelta(days=1))
    assert r.stages[1].entered == 1
    assert [c.month for c in lifecycle_report(history).cohorts] == ["2026-01", "2026-02"]
    assert lifecycle_report(history, cohort="2026-02").stages[1].entered == 1


def test_contact_with_a_stage_from_before_the_configuration_can_still_move() -> None:
    legacy = Contact.new(name="Old import", lifecycle_stage="Prospect", now=T0)
    moved, change = change_lifecycle(legacy, "lead", at=T0)
    assert (moved.lifecycle_stage, change.from_stage) == ("lead", "prospect")
