"""The moves of a case (crmkit.service.transitions): allowed, refused, and what they keep."""

from __future__ import annotations

from datetime import datetime

import pytest

from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError
from crmkit.service import Case, CaseStatus
from crmkit.service.case import MOVES
from crmkit.service.transitions import (
    anonymised,
    assign,
    close,
    rate,
    reopen,
    resolve,
    respond,
    set_status,
)

from ._cases import HOUR, MONDAY, new_case


def test_a_case_opens_new_with_its_first_history_entry() -> None:
    case = new_case(by="ewa", priority="HIGH", channel="Phone")
    assert (case.status, case.priority.value, case.channel, case.version) == (
        CaseStatus.NEW,
        "high",
        "phone",
        1,
    )
    assert [(h.status, h.at, h.by) for h in case.history] == [(CaseStatus.NEW, MONDAY, "ewa")]


def test_the_first_reply_opens_the_case_and_later_ones_change_nothing() -> None:
    first = respond(new_case(), at=MONDAY + HOUR, by="ewa")
    assert (first.status, first.first_responded_at, first.version) == (
        CaseStatus.OPEN,
        MONDAY + HOUR,
        2,
    )
    assert respond(first, at=MONDAY + 2 * HOUR, by="ivo") is first


def test_a_reply_before_the_case_opened_is_refused() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        respond(new_case(), at=MONDAY - HOUR)
    assert (err.value.field, err.value.value) == ("at", MONDAY - HOUR)


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        new_case(at=datetime(2026, 11, 2, 9))
    assert err.value.field == "at"


@pytest.mark.parametrize(
    ("start", "to"),
    [(s, t) for s in CaseStatus for t in CaseStatus if t not in MOVES[s] and t != s],
)
def test_moves_outside_the_table_are_refused(start: CaseStatus, to: CaseStatus) -> None:
    case = _in(start)
    with pytest.raises(InvalidTransitionError) as err:
        set_status(case, to.value, at=case.updated_at + HOUR)
    assert err.value.field == "status"


@pytest.mark.parametrize("start", list(CaseStatus))
def test_moves_in_the_table_are_allowed(start: CaseStatus) -> None:
    case = _in(start)
    for to in MOVES[start]:
        assert set_status(case, to.value, at=case.updated_at + HOUR).status == to


def _in(status: CaseStatus) -> Case:
    case = new_case()
    at = MONDAY + HOUR
    if status == CaseStatus.OPEN:
        return set_status(case, "open", at=at)
    if status == CaseStatus.WAITING_ON_CUSTOMER:
        return set_status(case, "waiting_on_customer", at=at)
    if status == CaseStatus.RESOLVED:
        return resolve(case, at=at)
    if status == CaseStatus.CLOSED:
        return close(resolve(case, at=at), at=at)
    return case


def test_unknown_and_unchanged_statuses_are_refused() -> None:
    case = new_case()
    with pytest.raises(ValidationError) as err:
        set_status(case, "pending", at=MONDAY)
    assert (err.value.field, err.value.value) == ("status", "pending")
    with pytest.raises(InvalidTransitionError):
        set_status(case, "new", at=MONDAY)


def test_a_change_earlier_than_the_last_one_is_refused() -> None:
    case = set_status(new_case(), "open", at=MONDAY + 2 * HOUR)
    with pytest.raises(InvalidDatetimeError):
        resolve(case, at=MONDAY + HOUR)


def test_resolving_before_any_reply_counts_as_the_first_response() -> None:
    done = resolve(new_case(), at=MONDAY + HOUR, by="ewa", resolution="Duplicate of #12")
    assert (done.first_responded_at, done.first_responded_by) == (MONDAY + HOUR, "ewa")
    assert done.history[-1].note == "Duplicate of #12"


def test_reopen_only_from_resolved_or_closed_and_forgets_the_resolution() -> None:
    with pytest.raises(InvalidTransitionError):
        reopen(new_case(), at=MONDAY)
    done = close(resolve(new_case(), at=MONDAY + HOUR, resolution="x"), at=MONDAY + 2 * HOUR)
    back = reopen(done, at=MONDAY + 3 * HOUR, reason="Still broken")
    assert (back.status, back.resolved_at, back.closed_at, back.resolution) == (
        CaseStatus.OPEN,
        None,
        None,
        None,
    )
    assert back.history[-1].note == "Still broken"


@pytest.mark.parametrize("score", [0, 6, True, 4.5, "5"])
def test_scores_outside_one_to_five_are_refused(score: object) -> None:
    with pytest.raises(ValidationError) as err:
        rate(resolve(new_case(), at=MONDAY), score=score, at=MONDAY)
    assert (err.value.field, err.value.value) == ("score", score)


def test_only_a_resolved_case_is_rated_and_not_before_it_was_resolved() -> None:
    with pytest.raises(InvalidTransitionError):
        rate(new_case(), score=5, at=MONDAY)
    done = resolve(new_case(), at=MONDAY + HOUR)
    with pytest.raises(InvalidDatetimeError):
        rate(done, score=5, at=MONDAY)
    assert rate(done, score=5, at=MONDAY + HOUR, comment="Fast").rating is not None


def test_assign_hands_the_case_on() -> None:
    case = assign(new_case(assignee="ewa"), to=" ivo ", at=MONDAY + HOUR)
    assert (case.assignee, case.version) == ("ivo", 2)
    with pytest.raises(ValidationError):
        assign(case, to="", at=MONDAY + HOUR)


def test_anonymised_keeps_counts_and_times_but_no_text() -> None:
    case = set_status(new_case(deal_id="d-1"), "waiting_on_customer", at=MONDAY, note="Asked")
    case = rate(
        resolve(case, at=MONDAY + HOUR, resolution="Fixed"),
        score=2,
        at=MONDAY + HOUR,
        comment="Slow",
    )
    kept = anonymised(case)
    assert (kept.subject, kept.resolution, kept.deal_id) == ("", None, None)
    assert [h.note for h in kept.history] == [None, None, None]
    assert kept.rating is not None
    assert (kept.rating.score, kept.rating.comment) == (2, None)
    assert (kept.resolved_at, kept.resolution_due) == (case.resolved_at, case.resolution_due)
