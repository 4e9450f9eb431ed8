from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.customer_file.contracts import (
    Contract,
    ContractStatus,
    anonymised,
    renew,
    send,
    sign,
    terminate,
)
from crmkit.errors import InvalidDatetimeError, InvalidTransitionError, ValidationError

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _contract(**fields: Any) -> Contract:
    fields.setdefault("starts_on", date(2027, 1, 1))
    fields.setdefault("ends_on", date(2027, 12, 31))
    fields.setdefault("notice", timedelta(days=30))
    return Contract.new(
        "c-1", title="Support", value=Money("1200.00", "EUR"), renewal="auto", at=AT, **fields
    )


def test_ends_before_starts_is_refused_naming_ends_on() -> None:
    with pytest.raises(InvalidDatetimeError) as err:
        _contract(ends_on=date(2026, 12, 31))
    assert (err.value.field, err.value.value) == ("ends_on", date(2026, 12, 31))


@pytest.mark.parametrize("notice", [timedelta(hours=5), timedelta(days=-1), 30])
def test_notice_is_whole_non_negative_days(notice: object) -> None:
    with pytest.raises(ValidationError, match="notice"):
        _contract(notice=notice)


def test_sent_then_signed_then_read_by_date() -> None:
    signed = sign(send(_contract(), at=AT), at=AT, signed_by=" Besa ")
    assert (signed.status, signed.signed_by) == (ContractStatus.SIGNED, "Besa")
    assert signed.status_on(date(2027, 12, 31)) is ContractStatus.ACTIVE
    assert signed.status_on(date(2028, 1, 1)) is ContractStatus.ENDED


def test_signing_twice_or_after_termination_is_refused() -> None:
    signed = sign(_contract(), at=AT, signed_by="Besa")
    with pytest.raises(InvalidTransitionError):
        sign(signed, at=AT, signed_by="Besa")
    ended = terminate(_contract(), at=AT, reason="Cancelled")
    with pytest.raises(InvalidTransitionError, match="terminated"):
        sign(ended, at=AT, signed_by="Besa")
    with pytest.raises(InvalidTransitionError):
        terminate(ended, at=AT, reason="Again")


def test_a_signer_is_required() -> None:
    with pytest.raises(ValidationError, match="signed_by"):
        sign(_contract(), at=AT, signed_by="  ")


def test_only_a_signed_contract_is_renewed_and_only_later() -> None:
    with pytest.raises(InvalidTransitionError):
        renew(_contract(), ends_on=date(2028, 12, 31), at=AT)
    signed = sign(_contract(), at=AT, signed_by="Besa")
    twice = renew(
        renew(signed, ends_on=date(2028, 12, 31), at=AT), ends_on=date(2029, 12, 31), at=AT
    )
    assert [r.previous_ends_on for r in twice.renewals] == [date(2027, 12, 31), date(2028, 12, 31)]
    assert twice.notice_on == date(2029, 12, 1)
    with pytest.raises(InvalidDatetimeError):
        renew(signed, ends_on=date(2027, 12, 31), at=AT)


def test_anonymised_keeps_amounts_and_dates() -> None:
    k = terminate(sign(_contract(), at=AT, signed_by="Besa"), at=AT, reason="Besa moved")
    kept = anonymised(k)
    assert (kept.title, kept.signed_by, kept.termination_reason) == ("(erased)", None, None)
    assert (kept.value, kept.starts_on, kept.ends_on, kept.status) == (
        k.value,
        k.starts_on,
        k.ends_on,
        ContractStatus.TERMINATED,
    )


def test_moves_are_dated_in_order_but_may_precede_entry() -> None:
    signed = sign(_contract(), at=AT - timedelta(days=30), signed_by="Besa")
    assert signed.signed_at == AT - timedelta(days=30)
    with pytest.raises(InvalidDatetimeError, match="last move"):
        terminate(signed, at=AT - timedelta(days=31), reason="Too early")
