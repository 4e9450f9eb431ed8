"""The facade's spelt-out fields, at run time: ``help()`` names them, callers no type checker
reads get the errors they always got, and an update changes only the fields given."""

from __future__ import annotations

import inspect
import pydoc
from datetime import UTC, datetime
from typing import Any

import pytest

from crmkit import CRM, Money
from crmkit.errors import InvalidMoneyError, ValidationError

T = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def crm() -> CRM:
    return CRM(default_region="AL")


def test_help_names_every_field(crm: CRM) -> None:
    assert {"summary", "occurred_at", "handled_by", "deal_id"} <= set(
        inspect.signature(crm.record).parameters
    )
    text = pydoc.render_doc(crm.transactions.add, renderer=pydoc.plaintext)
    assert "amount: 'Money'" in text
    assert "occurred_at: 'datetime'" in text
    assert "city: 'str | Unset | None' = UNSET" in pydoc.render_doc(crm.contacts.update)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda crm: crm.contacts.create(nmae="Besa"), "nmae"),
        (lambda crm: crm.contacts.update("c", citty="Durrës"), "citty"),
        (lambda crm: crm.organizations.create(name="Alfa", vat="BG1"), "vat"),
        (lambda crm: crm.organizations.update("o", vat="BG1"), "vat"),
        (lambda crm: crm.interactions.log("c", channel="phone", summry="hi"), "summry"),
    ],
)
def test_an_unknown_field_is_still_a_validation_error_naming_it(
    crm: CRM, call: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        call(crm)
    assert info.value.field == field
    assert crm.contacts.count() == 0


def test_an_unknown_keyword_where_python_refused_it_still_is_a_type_error(crm: CRM) -> None:
    kwargs: dict[str, Any] = {"summry": "hi"}
    with pytest.raises(TypeError, match="summry"):
        crm.record(channel="phone", phone="069 123 4567", **kwargs)
    assert crm.contacts.count() == 0


def test_a_float_amount_is_still_an_invalid_money_error(crm: CRM) -> None:
    c = crm.contacts.create(name="Besa")
    p = crm.pipelines.create("Sales", stages=["New"])
    amount: Any = 5.5
    with pytest.raises(InvalidMoneyError) as info:
        crm.transactions.add(c.id, kind="purchase", amount=amount, occurred_at=T)
    assert info.value.field == "amount"
    with pytest.raises(InvalidMoneyError):
        crm.transactions.add(c.id, kind="purchase", amount=Money(amount, "EUR"), occurred_at=T)
    with pytest.raises(InvalidMoneyError) as info:
        crm.deals.create(pipeline_id=p.id, title="Gold", value=amount, contact_id=c.id)
    assert info.value.field == "value"
    assert crm.transactions.for_contact(c.id) == []
    assert crm.deals.for_contact(c.id) == []


def test_an_update_changes_the_fields_given_and_none_clears(crm: CRM) -> None:
    c = crm.contacts.create(name="Besa Kola", city="Tiranë", tags={"vip"})
    c = crm.contacts.update(c.id, city=None, expected_version=1)
    assert (c.name, c.city, c.tags, c.version) == ("Besa Kola", None, frozenset({"vip"}), 2)
    org = crm.organizations.create(name="Alfa", vat_id="BG 123", industry="retail")
    org = crm.organizations.update(org.id, industry=None)
    assert (org.name, org.vat_id, org.industry) == ("Alfa", "BG123", None)
    crm.users.add("mira", name="Mira", team="sales", timezone="Europe/Tirane")
    mira = crm.users.update("mira", team=None)
    assert (mira.name, mira.team, mira.timezone) == ("Mira", None, "Europe/Tirane")


def test_record_reads_an_empty_notebook_cell_as_no_value(crm: CRM) -> None:
    nan: Any = float("nan")
    it = crm.record(channel="phone", phone="069 123 4567", summary=nan, handled_by=" ")
    assert (it.summary, it.handled_by) == (None, None)
