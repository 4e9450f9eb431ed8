"""crmkit._api._races.retry_lost_races: a write that lost a race is tried again, up to its
attempts; a conflict named final is raised at once (crm.record relies on it for a
duplicate or suppressed person, which no retry would change)."""

from __future__ import annotations

import pytest

from crmkit._api._races import retry_lost_races
from crmkit.errors import ConflictError, DuplicateContactError, StaleVersionError


class _Losing:
    """A write that loses *losses* races, raising *error*, then returns "written"."""

    def __init__(self, losses: int, error: ConflictError) -> None:
        self.calls = 0
        self._losses = losses
        self._error = error

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self._losses:
            raise self._error
        return "written"


def test_a_write_that_lost_races_is_tried_again_until_it_wins() -> None:
    write = _Losing(2, StaleVersionError("contact", "c-1", 2, 1))
    assert retry_lost_races(write, attempts=3) == "written"
    assert write.calls == 3


def test_the_last_attempts_conflict_is_raised() -> None:
    write = _Losing(3, ConflictError("taken meanwhile"))
    with pytest.raises(ConflictError, match="taken meanwhile"):
        retry_lost_races(write, attempts=3)
    assert write.calls == 3


def test_a_final_conflict_is_raised_without_another_attempt() -> None:
    write = _Losing(1, DuplicateContactError("phone:+359887123456", "c-1"))
    with pytest.raises(DuplicateContactError):
        retry_lost_races(write, attempts=3, final=(DuplicateContactError,))
    assert write.calls == 1
