"""The SLA clocks of a case (crmkit.service.clocks): pauses, stops, reopens, states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crmkit.service.clocks import due_time, next_due, pauses, running_dues, state, used
from crmkit.service.transitions import reopen, resolve, respond, set_status

from ._cases import HOUR, MONDAY, new_case, policy

DAY = timedelta(days=1)


def test_due_times_count_business_hours_on_the_policy_calendar() -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    sla = policy(timezone="Europe/Warsaw", holidays=(date(2026, 11, 11),))
    case = new_case(at=datetime(2026, 11, 10, 16, tzinfo=warsaw), sla=sla)  # the eve of a holiday
    assert case.first_response_due == datetime(2026, 11, 12, 12, tzinfo=warsaw)
    assert case.resolution_due == datetime(2026, 11, 13, 16, tzinfo=warsaw)
    assert case.first_response_due is not None
    assert case.first_response_due.tzinfo is UTC


def test_waiting_pauses_both_clocks_and_leaves_no_due_time() -> None:
    waiting = set_status(new_case(), "waiting_on_customer", at=MONDAY + HOUR)
    assert pauses(waiting, "first_response") == [(MONDAY + HOUR, None)]
    assert (waiting.first_response_due, waiting.resolution_due, next_due(waiting)) == (
        None,
        None,
        None,
    )
    back = set_status(waiting, "open", at=MONDAY + 3 * HOUR)
    assert back.first_response_due == MONDAY + 6 * HOUR
    assert back.resolution_due == MONDAY + 2 * DAY + 2 * HOUR  # Wednesday 11:00


def test_a_target_passed_before_the_pause_keeps_its_due_time() -> None:
    late = set_status(new_case(), "waiting_on_customer", at=MONDAY + 5 * HOUR)
    assert late.first_response_due == MONDAY + 4 * HOUR
    assert state(late, "first_response", MONDAY + 6 * HOUR) == "breached"
    assert running_dues(late) == []  # paused: nothing to escalate


def test_the_first_response_due_time_stays_once_met() -> None:
    answered = respond(new_case(), at=MONDAY + HOUR)
    waiting = set_status(answered, "waiting_on_customer", at=MONDAY + 2 * HOUR)
    assert waiting.first_response_due == answered.first_response_due == MONDAY + 4 * HOUR
    assert pauses(waiting, "first_response") == []
    assert state(waiting, "first_response", MONDAY + 100 * DAY) == "met"
    assert used(waiting, "first_response") == HOUR


def test_time_resolved_does_not_count_after_a_reopen() -> None:
    done = resolve(respond(new_case(), at=MONDAY + HOUR), at=MONDAY + 2 * HOUR)
    assert pauses(done, "resolution") == []
    assert done.resolution_due == MONDAY + DAY + 8 * HOUR
    assert (state(done, "resolution", MONDAY + 9 * DAY), used(done, "resolution")) == (
        "met",
        2 * HOUR,
    )
    back = reopen(done, at=MONDAY + DAY + 2 * HOUR)  # Tuesday 11:00: 8 business hours later
    assert pauses(back, "resolution") == [(MONDAY + 2 * HOUR, MONDAY + DAY + 2 * HOUR)]
    assert back.resolution_due == done.resolution_due + DAY  # Wednesday 17:00
    assert next_due(back) == back.resolution_due
    again = resolve(back, at=MONDAY + DAY + 3 * HOUR)
    assert used(again, "resolution") == 3 * HOUR
    assert again.resolution_due == back.resolution_due


def test_clock_states_met_breached_pending() -> None:
    case = new_case()
    assert state(case, "first_response", MONDAY + HOUR) == "pending"
    assert state(case, "first_response", MONDAY + 5 * HOUR) == "breached"
    late = respond(case, at=MONDAY + 5 * HOUR)
    assert state(late, "first_response", MONDAY + 5 * HOUR) == "breached"
    assert state(respond(case, at=MONDAY + 4 * HOUR), "first_response", MONDAY) == "met"


def test_running_dues_are_soonest_first() -> None:
    case = new_case()
    assert running_dues(case) == [
        ("first_response", MONDAY + 4 * HOUR),
        ("resolution", MONDAY + DAY + 8 * HOUR),
    ]
    assert next_due(case) == MONDAY + 4 * HOUR


def test_without_a_policy_there_are_no_clocks() -> None:
    case = new_case()
    bare = type(case)(**{**_fields(case), "sla": None})
    assert (due_time(bare, "resolution"), state(bare, "resolution", MONDAY)) == (None, None)
    assert used(resolve(bare, at=MONDAY), "resolution") is None


def _fields(case: object) -> dict[str, object]:
    import attrs

    return attrs.asdict(case, recurse=False)  # type: ignore[arg-type]
