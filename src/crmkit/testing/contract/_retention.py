"""Contract: ``crm.contract_retention`` reads the stored contracts as cohorts for sBG."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import InvalidDatetimeError, ValidationError
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["RetentionContract"]

SIGNED = datetime(2019, 12, 1, tzinfo=UTC)


class RetentionContract(ContractBase):
    def _retention_book(
        self, crm: CRM, starts_on: date, renewals: int, *, ends: bool = False
    ) -> None:
        who = crm.contacts.create(name="Customer")
        k = crm.contracts.create(
            who.id,
            title="Plan",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=364),
            value=Money("120.00", "EUR"),
            renewal="auto",
            notice=timedelta(days=30),
        )
        k = crm.contracts.sign(k.id, at=SIGNED, signed_by="Ana")
        for _ in range(renewals):
            k = crm.contracts.renew(k.id, ends_on=k.ends_on + timedelta(days=365))
        if ends:  # terminated today: it churned after its last renewal
            crm.contracts.terminate(k.id, at=T0, reason="Moved")

    def test_contract_retention_counts_each_cohorts_survivors(self, crm: CRM) -> None:
        for renewals in (0, 1, 2, 2, 3):
            self._retention_book(crm, date(2020, 1, 1), renewals, ends=renewals < 3)
        self._retention_book(crm, date(2021, 3, 1), 4)
        self._retention_book(crm, date(2021, 5, 1), 1, ends=True)
        draft_owner = crm.contacts.create(name="Not yet")
        crm.contracts.create(
            draft_owner.id,
            title="Offer",
            starts_on=date(2020, 1, 1),
            ends_on=date(2020, 12, 31),
            value=Money("1", "EUR"),
            renewal="none",
            notice=timedelta(0),
        )
        counts = crm.contract_retention(cohort="start_year", as_of=date(2024, 6, 1))
        # 2020: every contract has left (the last ended on 2023-12-30); 2021: one runs in
        # its fifth term, so the cohort is known through period 4.
        assert counts == {"2020": [5, 4, 3, 1, 0], "2021": [2, 2, 1, 1, 1]}

    def test_contract_retention_refuses_bad_options(self, crm: CRM) -> None:
        with pytest.raises(ValidationError) as info:
            crm.contract_retention(cohort="week")
        assert info.value.field == "cohort"
        with pytest.raises(InvalidDatetimeError):
            crm.contract_retention(as_of=cast(Any, "2024-13-01"))
