"""Durations are bounded where they are written, so no stored one breaks a later read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmkit import CRM
from crmkit._types import LONGEST
from crmkit.errors import ValidationError
from crmkit.funnel.pipeline import Stage
from crmkit.tasks import ActivityType, OverdueEscalation, create_task

T0 = datetime(2026, 5, 1, tzinfo=UTC)
TOO_LONG = [timedelta.max, LONGEST + timedelta(seconds=1)]


@pytest.mark.parametrize("effort", [*TOO_LONG, timedelta(-1), 3600])
def test_estimated_effort_out_of_range_is_refused(effort: object) -> None:
    with pytest.raises(ValidationError) as info:
        create_task("T", assignee="mira", at=T0, estimated_effort=effort)  # type: ignore[arg-type]
    assert info.value.field == "estimated_effort"


def test_a_refused_effort_leaves_the_workload_readable() -> None:
    crm = CRM()
    crm.tasks.create("T", assignee="mira", at=T0, due=T0, estimated_effort=LONGEST)
    with pytest.raises(ValidationError):
        crm.tasks.create("T", assignee="mira", at=T0, due=T0, estimated_effort=timedelta.max)
    assert crm.tasks.workload(now=T0)["mira"].estimated_effort == LONGEST


@pytest.mark.parametrize(
    "make",
    [
        lambda d: Stage.parse({"name": "New", "rotting_after": d}),
        lambda d: OverdueEscalation(after=d),
        lambda d: ActivityType("call", d, "Call again"),
    ],
    ids=["rotting_after", "after", "follow_up_after"],
)
@pytest.mark.parametrize("duration", TOO_LONG)
def test_rule_durations_are_bounded(make: object, duration: timedelta) -> None:
    with pytest.raises(ValidationError):
        make(duration)  # type: ignore[operator]
