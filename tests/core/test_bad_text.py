"""Text no database can store (NUL, lone surrogates) is refused where it enters, as a
ValidationError naming the field; the storage contract checks the same on every backend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from crmkit import Money
from crmkit._normalize import normalize_handle
from crmkit.errors import ValidationError
from crmkit.funnel.deal import lose, open_deal
from crmkit.funnel.pipeline import Pipeline
from crmkit.tasks import create_task
from crmkit.tasks.users import User
from crmkit.value.ledger import Transaction

T0 = datetime(2026, 5, 1, tzinfo=UTC)
P = Pipeline.new("Sales", ["New"])


def _deal(**fields: Any) -> object:
    base: dict[str, Any] = {
        "title": "Gold",
        "value": Money("1", "EUR"),
        "contact_id": "c",
        "at": T0,
    }
    return open_deal(P, **{**base, **fields})


BUILDERS: dict[str, Callable[[str], object]] = {
    "title": lambda v: _deal(title=v),
    "owner": lambda v: _deal(owner=v),
    "by": lambda v: _deal(by=v),
    "contact_id": lambda v: _deal(contact_id=v),
    "reason": lambda v: lose(
        open_deal(P, title="G", value=Money("1", "EUR"), contact_id="c", at=T0)[0], reason=v, at=T0
    ),
    "name": lambda v: Pipeline.new(v, ["New"]),
    "stage": lambda v: Pipeline.new("P", [v]),
    "assignee": lambda v: create_task("T", assignee=v, at=T0),
    "created_by": lambda v: create_task("T", assignee="mira", created_by=v, at=T0),
    "id": lambda v: User.new(v),
    "team": lambda v: User.new("mira", team=v),
    "timezone": lambda v: User.new("mira", timezone=v),
    "order_id": lambda v: Transaction.new(
        contact_id="c", kind="purchase", amount=Money("1", "EUR"), occurred_at=T0, order_id=v
    ),
    "note": lambda v: Transaction.new(
        contact_id="c", kind="purchase", amount=Money("1", "EUR"), occurred_at=T0, note=v
    ),
    "handle": lambda v: normalize_handle("instagram", v),
}


@pytest.mark.parametrize("text", ["\udc80", "Besa \ud800", "Be\x00sa"], ids=ascii)
@pytest.mark.parametrize("field", sorted(BUILDERS))
def test_nul_and_lone_surrogates_are_refused_naming_the_field(field: str, text: str) -> None:
    with pytest.raises(ValidationError) as info:
        BUILDERS[field](text)
    assert info.value.field == field
    assert info.value.value == text


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", 200),
        ("owner", 200),
        ("name", 200),
        ("assignee", 200),
        ("handle", 200),
        ("order_id", 200),
        ("note", 100_000),
        ("reason", 100_000),
    ],
)
def test_text_longer_than_its_limit_is_refused(field: str, limit: int) -> None:
    BUILDERS[field]("ж" * limit)  # the limit itself is fine
    with pytest.raises(ValidationError) as info:
        BUILDERS[field]("ж" * (limit + 1))
    assert info.value.field == field
    assert f"longer than {limit} characters" in str(info.value)


def test_an_address_may_be_longer_than_a_name_but_not_unbounded() -> None:
    from crmkit.contacts import Contact

    assert Contact.new(address="ж" * 400).address == "ж" * 400
    with pytest.raises(ValidationError) as info:
        Contact.new(address="ж" * 401)
    assert info.value.field == "address"
