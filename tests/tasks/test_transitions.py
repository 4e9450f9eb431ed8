from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError
from crmkit.tasks import (
    Task,
    TaskStatus,
    add_note,
    cancel,
    complete,
    create_task,
    reopen,
    reschedule,
    snooze,
    start,
)

T0 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _task(**kw: object) -> Task:
    return create_task("Prepare offer", assignee="mira", at=T0, **kw)  # type: ignore[arg-type]


def test_new_task_is_open_version_one_with_its_fields() -> None:
    t = _task(due=T0 + H, contact_id="c1", created_by="ana", priority="HIGH")
    assert (t.status, t.version, t.contact_id, t.created_by) == (TaskStatus.OPEN, 1, "c1", "ana")
    assert t.priority.value == "high"
    assert t.created_at == t.updated_at == T0


def test_naive_due_is_rejected_naming_the_field() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        _task(due=datetime(2026, 3, 9, 10, 30))
    assert err.value.field == "due"


def test_naive_creation_time_is_rejected() -> None:
    with pytest.raises(InvalidDatetimeError):
        create_task("x", assignee="mira", at=datetime(2026, 3, 6))


def test_due_in_the_past_is_allowed_and_overdue() -> None:
    t = _task(due=T0 - timedelta(days=2))
    assert t.is_overdue(T0)


def test_empty_title_is_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        create_task("  ", assignee="mira", at=T0)
    assert err.value.field == "title"


def test_unknown_priority_names_the_value() -> None:
    with pytest.raises(ValidationError) as err:
        _task(priority="someday")
    assert err.value.value == "someday"


def test_start_then_complete_records_who_and_when() -> None:
    t = complete(start(_task(), at=T0 + H), at=T0 + 2 * H, by="mira")
    assert t.status is TaskStatus.DONE
    assert (t.started_at, t.completed_at, t.completed_by) == (T0 + H, T0 + 2 * H, "mira")
    assert t.version == 3


def test_completion_before_creation_is_rejected_and_task_unchanged() -> None:
    t = _task()
    with pytest.raises(InvalidDatetimeError) as err:
        complete(t, at=T0 - H)
    assert err.value.value == T0 - H
    assert t.status is TaskStatus.OPEN


def test_done_task_cannot_be_completed_cancelled_started_or_noted() -> None:
    done = complete(_task(), at=T0)
    changes: list[Callable[[], object]] = [
        lambda: complete(done, at=T0),
        lambda: cancel(done, at=T0),
        lambda: start(done, at=T0),
        lambda: add_note(done, "late remark", at=T0),
        lambda: snooze(done, T0 + H, at=T0),
    ]
    for change in changes:
        with pytest.raises(InvalidTransitionError):
            change()


def test_cancelled_task_reopens_to_open_without_completion_data() -> None:
    t = cancel(_task(), at=T0 + H, by="ana", reason="client withdrew")
    assert t.notes[-1].text == "client withdrew"
    again = reopen(t, at=T0 + 2 * H)
    assert (again.status, again.completed_at, again.completed_by) == (TaskStatus.OPEN, None, None)


def test_open_task_cannot_reopen() -> None:
    with pytest.raises(InvalidTransitionError):
        reopen(_task(), at=T0)


def test_notes_accumulate_in_order() -> None:
    t = add_note(_task(), "called, no answer", at=T0 + H, by="mira")
    t = add_note(t, "left voicemail", at=T0 + 2 * H, by="mira")
    assert [n.text for n in t.notes] == ["called, no answer", "left voicemail"]


def test_snooze_must_end_after_now() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        snooze(_task(), T0 - H, at=T0)
    assert err.value.field == "until"


def test_snooze_keeps_due_and_wakes_up() -> None:
    t = snooze(_task(due=T0 + H), T0 + 5 * H, at=T0)
    assert t.due == T0 + H
    assert t.is_snoozed(T0 + 2 * H)
    assert not t.is_snoozed(T0 + 5 * H)


def test_starting_clears_a_snooze() -> None:
    t = start(snooze(_task(), T0 + 5 * H, at=T0), at=T0 + H)
    assert t.snoozed_until is None


def test_reschedule_moves_due() -> None:
    assert reschedule(_task(due=T0), T0 + 3 * H, at=T0).due == T0 + 3 * H


def test_negative_effort_is_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        _task(estimated_effort=timedelta(minutes=-5))
    assert err.value.field == "estimated_effort"


def test_round_trips_through_dict() -> None:
    t = add_note(_task(due=T0, reminders=[T0 - H], recurrence="FREQ=DAILY"), "x", at=T0, by="mira")
    assert Task.from_dict(t.to_dict()) == t
