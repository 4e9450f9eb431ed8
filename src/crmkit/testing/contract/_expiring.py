"""``crm.contracts.expiring`` answers from the key index and reads contracts when asked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.customer_file import Contract, ExpiringContracts
from crmkit.errors import ConflictError, ValidationError
from crmkit.testing.contract._base import ContractBase

__all__ = ["ExpiringContract"]

WITHIN, AS_OF = timedelta(days=30), date(2027, 12, 1)


def _signed(crm: CRM, contact_id: str, ends_on: date, notice: int = 10) -> Contract:
    k = crm.contracts.create(
        contact_id,
        title=f"Support to {ends_on}",
        starts_on=date(2027, 1, 1),
        ends_on=ends_on,
        value=Money("100.00", "EUR"),
        renewal="auto",
        notice=timedelta(days=notice),
    )
    return crm.contracts.sign(k.id, signed_by="Besa")


class ExpiringContract(ContractBase):
    def _book(self, crm: CRM) -> list[Contract]:
        besa = crm.contacts.create(name="Besa Kola").id
        return [
            _signed(crm, besa, date(2027, 12, 20)),
            _signed(crm, besa, date(2027, 12, 5)),
            _signed(crm, besa, date(2027, 12, 20)),  # the same end: by id
            _signed(crm, besa, date(2028, 3, 1), notice=80),  # notice day 2027-12-12
            _signed(crm, besa, date(2028, 2, 1), notice=60),  # notice day 2027-12-03
            _signed(crm, besa, date(2028, 6, 1)),  # outside
        ]

    def test_found_by_end_date_then_id_without_reading_a_contract(self, crm: CRM) -> None:
        book = self._book(crm)
        found = crm.contracts.expiring(within=WITHIN, as_of=AS_OF)
        assert isinstance(found, ExpiringContracts)
        want = sorted(book[:5], key=lambda k: (k.ends_on, k.id))
        assert found.ids == tuple(k.id for k in want)
        assert found.ends_on == tuple(k.ends_on for k in want)
        assert len(found) == 5
        assert list(found) == want
        assert found == want
        assert found[1:3] == want[1:3]
        assert found[-1] == want[-1]

    def test_limit_keeps_the_first_by_end_date(self, crm: CRM) -> None:
        book = self._book(crm)
        first = crm.contracts.expiring(within=WITHIN, as_of=AS_OF, limit=2)
        assert [k.ends_on for k in first] == [date(2027, 12, 5), date(2027, 12, 20)]
        assert first[0] == crm.contracts.get(book[1].id)
        assert crm.contracts.expiring(within=WITHIN, as_of=AS_OF, limit=0) == []
        # Past those ending in the window: the first found by their notice day, by end.
        four = crm.contracts.expiring(within=WITHIN, as_of=AS_OF, limit=4)
        assert four.ids[3] == book[4].id
        assert four.ends_on[3] == date(2028, 2, 1)

    def test_one_found_by_notice_and_terminated_before_the_order_is_read(self, crm: CRM) -> None:
        book = self._book(crm)
        found = crm.contracts.expiring(within=WITHIN, as_of=AS_OF)
        assert len(found) == 5
        crm.contracts.terminate(book[3].id, reason="Moved abroad")
        assert found[0].id == book[1].id  # those ending in the window are in order already
        with pytest.raises(ConflictError):
            found.ends_on  # noqa: B018 (the property reads the store)

    @pytest.mark.parametrize("limit", [-1, 1.5, True, "2"])
    def test_a_bad_limit_is_refused(self, crm: CRM, limit: Any) -> None:
        with pytest.raises(ValidationError):
            crm.contracts.expiring(within=WITHIN, as_of=AS_OF, limit=limit)

    def test_contracts_are_read_when_first_asked_for(self, crm: CRM) -> None:
        book = self._book(crm)
        found = crm.contracts.expiring(within=WITHIN, as_of=AS_OF)
        crm.contracts.renew(book[1].id, ends_on=date(2028, 12, 31))
        # Found before the renewal; read after it, as it is now.
        assert found.ends_on[0] == date(2027, 12, 5)
        assert found[0].ends_on == date(2028, 12, 31)
        assert book[1].id not in crm.contracts.expiring(within=WITHIN, as_of=AS_OF).ids
