"""Shared builders of the service desk's unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from crmkit.service import Case, SlaPolicy, WorkingHours
from crmkit.service.reasons import DEFAULT_REASONS
from crmkit.service.transitions import open_case

HOUR = timedelta(hours=1)
# Monday 2 November 2026, 09:00 UTC; the desk works 09:00 to 17:00 UTC, Monday to Friday.
MONDAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


def policy(
    first_response: timedelta = 4 * HOUR,
    resolution: timedelta = 16 * HOUR,
    timezone: str = "UTC",
    holidays: tuple[date, ...] = (),
) -> SlaPolicy:
    return SlaPolicy.new(
        "Standard",
        first_response=first_response,
        resolution=resolution,
        hours=WorkingHours(time(9), time(17)),
        timezone=timezone,
        holidays=holidays,
        at=MONDAY,
    )


def new_case(at: datetime = MONDAY, sla: SlaPolicy | None = None, **fields: Any) -> Case:
    fields.setdefault("reason", "question")
    return open_case(
        "c-1",
        subject="No signal",
        reasons=DEFAULT_REASONS,
        at=at,
        sla=policy() if sla is None else sla,
        **fields,
    )
