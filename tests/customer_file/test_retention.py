"""Survivor counts of contract cohorts for the sBG model."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crmkit import Money
from crmkit.clv import ShiftedBetaGeoModel
from crmkit.clv.simulate import simulate_sbg
from crmkit.customer_file.contracts import Contract, renew, send, sign, terminate
from crmkit.customer_file.retention import survivors
from crmkit.errors import ValidationError

AT = datetime(2015, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def _contract(starts_on: date, renewals: int = 0, *, signed: bool = True) -> Contract:
    k = Contract.new(
        "c",
        title="Plan",
        starts_on=starts_on,
        ends_on=starts_on + YEAR,
        value=Money("10", "EUR"),
        renewal="auto",
        notice=timedelta(days=30),
        at=AT,
    )
    if not signed:
        return k
    k = sign(k, at=AT, signed_by="Ana")
    for _ in range(renewals):
        k = renew(k, ends_on=k.ends_on + YEAR, at=AT)
    return k


def test_a_cohort_stops_at_the_last_period_every_contract_has_reached() -> None:
    # Two ended after 0 and 1 renewals; one running in its third term (2 renewals).
    book = [_contract(date(2020, 2, 1), r) for r in (0, 1)]
    book.append(_contract(date(2020, 6, 1), 2))
    counts = survivors(book, as_of=date(2022, 12, 1))
    assert counts == {"2020": [3, 2, 1]}


def test_a_terminated_contract_churns_after_its_renewals() -> None:
    gone = terminate(_contract(date(2021, 1, 1), 1), at=AT + 3 * YEAR, reason="Moved")
    assert survivors([gone], as_of=date(2021, 6, 1)) == {"2021": [1, 1, 0]}


def test_unsigned_and_future_contracts_are_left_out() -> None:
    draft = _contract(date(2020, 1, 1), signed=False)
    offered = send(draft, at=AT)
    later = _contract(date(2030, 1, 1))
    assert survivors([draft, offered, later], as_of=date(2025, 1, 1)) == {}


def test_cohorts_by_start_month() -> None:
    book = [_contract(date(2020, 1, 5)), _contract(date(2020, 2, 5), 1)]
    assert survivors(book, cohort="start_month", as_of=date(2026, 1, 1)) == {
        "2020-01": [1, 0],
        "2020-02": [1, 1, 0],
    }


def test_an_unknown_cohort_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        survivors([], cohort="signup_week", as_of=date(2026, 1, 1))
    assert info.value.field == "cohort"


def test_simulated_cohorts_fit_back_to_their_parameters() -> None:
    book = []
    for year, size in ((2016, 3000), (2018, 3000)):
        counts = simulate_sbg(size, alpha=0.7, beta=1.2, periods=6, seed=year)
        # counts[t] customers reached period t; those who reached exactly t renewed t times.
        for t, here in enumerate(counts):
            after = counts[t + 1] if t + 1 < len(counts) else 0
            book += [_contract(date(year, 1, 1), t) for _ in range(here - after)]
        assert survivors(book, as_of=date(2040, 1, 1))[str(year)][: len(counts)] == counts
    cohorts = list(survivors(book, as_of=date(2040, 1, 1)).values())
    # Each cohort's contracts that reached period 6 are still being watched: drop the rest.
    fit = ShiftedBetaGeoModel().fit_cohorts([c[:7] for c in cohorts])
    assert fit.params["alpha"] == pytest.approx(0.7, rel=0.2)
    assert fit.params["beta"] == pytest.approx(1.2, rel=0.2)
