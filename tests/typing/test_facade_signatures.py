"""The facade's fields are spelt out: mypy refuses a misspelt keyword and a float amount.

One mypy run checks every snippet below, each in a file of its own, so each error is
attributed to its snippet.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

import crmkit

_HEADER = """\
from datetime import UTC, datetime
from decimal import Decimal

from crmkit import CRM, Money

T = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def use(crm: CRM) -> object:
    return """

# Calls mypy must accept.
GOOD = {
    "record": 'crm.record(channel="phone", phone="069 123 4567", summary="hi", occurred_at=T)',
    "log": 'crm.interactions.log("c", channel="phone", summary="hi", handled_by="mira")',
    "contacts_create": 'crm.contacts.create(name="Besa", phones=["069 123 4567"], city="Tiranë")',
    "contacts_update": 'crm.contacts.update("c", city=None, tags={"vip"}, expected_version=2)',
    "organizations_create": 'crm.organizations.create(name="Alfa", vat_id="BG123456789")',
    "organizations_update": 'crm.organizations.update("o", vat_id=None)',
    "transactions_add": 'crm.transactions.add("c", kind="purchase", amount=Money("49.90", "EUR"),'
    " occurred_at=T)",
    "transactions_add_decimal": 'crm.transactions.add("c", kind="refund",'
    ' amount=Money(Decimal("5.5"), "EUR"), occurred_at=T, note="broken")',
    "deals_create": 'crm.deals.create(pipeline_id="p", title="Gold", value=Money(1200, "EUR"))',
    "tasks_create": 'crm.tasks.create("Call back", assignee="mira", due=T, priority="high")',
    "users_add": 'crm.users.add("mira", name="Mira", timezone="Europe/Tirane")',
    "users_update": 'crm.users.update("mira", team=None)',
    "consent_record": 'crm.consent.record("c", purpose="marketing_email", granted=True)',
}

# Calls mypy must refuse, with the error code it must give.
BAD = {
    "record_misspelt": ('crm.record(channel="phone", phone="069", summry="hi")', "call-arg"),
    "log_misspelt": ('crm.interactions.log("c", channel="phone", summry="hi")', "call-arg"),
    "contacts_create_misspelt": ('crm.contacts.create(nmae="Besa")', "call-arg"),
    "contacts_update_misspelt": ('crm.contacts.update("c", citty="Durrës")', "call-arg"),
    "organizations_create_misspelt": ('crm.organizations.create(name="A", vat="1")', "call-arg"),
    "organizations_update_misspelt": ('crm.organizations.update("o", vat="1")', "call-arg"),
    "transactions_add_misspelt": (
        'crm.transactions.add("c", kind="purchase", ammount=Money("1", "EUR"), occurred_at=T)',
        "call-arg",
    ),
    "transactions_add_float": (
        'crm.transactions.add("c", kind="purchase", amount=5.5, occurred_at=T)',
        "arg-type",
    ),
    "transactions_add_float_money": (
        'crm.transactions.add("c", kind="purchase", amount=Money(5.5, "EUR"), occurred_at=T)',
        "arg-type",
    ),
    "deals_create_misspelt": (
        'crm.deals.create(pipeline_id="p", titel="Gold", value=Money(1, "EUR"))',
        "call-arg",
    ),
    "deals_create_float": (
        'crm.deals.create(pipeline_id="p", title="Gold", value=5.5)',
        "arg-type",
    ),
    "tasks_create_misspelt": ('crm.tasks.create("Call back", asignee="mira")', "call-arg"),
    "tasks_create_float_priority": ('crm.tasks.create("Call back", priority=1.5)', "arg-type"),
    "users_add_misspelt": ('crm.users.add("mira", tz="Europe/Tirane")', "call-arg"),
    "users_update_misspelt": ('crm.users.update("mira", teem="sales")', "call-arg"),
    "consent_record_misspelt": (
        'crm.consent.record("c", purpse="marketing_email", granted=True)',
        "call-arg",
    ),
}

_ERROR = re.compile(r"^(?P<file>[^:]+\.py):\d+: error: .*\[(?P<code>[a-z-]+)\]$")


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Error codes mypy reports per snippet, from one run over all of them."""
    folder = tmp_path_factory.mktemp("snippets")
    snippets = {**GOOD, **{name: code for name, (code, _) in BAD.items()}}
    for name, code in snippets.items():
        (folder / f"{name}.py").write_text(_HEADER + code + "\n", encoding="utf-8")
    # The crmkit under test, not whichever one the environment has installed.
    source = str(Path(crmkit.__file__).parents[1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYPYPATH", source)
        options = [
            "--strict",
            "--config-file",
            "",
            "--follow-imports",
            "silent",
            "--cache-dir",
            str(folder / ".mypy_cache"),
            "--no-error-summary",
        ]
        stdout, stderr, _ = api.run([*options, *sorted(str(p) for p in folder.glob("*.py"))])
    assert not stderr, stderr
    found: dict[str, list[str]] = {name: [] for name in snippets}
    for line in stdout.splitlines():
        match = _ERROR.match(line)
        if match and Path(match["file"]).parent == folder:
            found[Path(match["file"]).stem].append(match["code"])
    return found


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_correct_call_type_checks(errors: dict[str, list[str]], name: str) -> None:
    assert errors[name] == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_misspelt_keyword_or_a_float_is_a_type_error(
    errors: dict[str, list[str]], name: str
) -> None:
    assert BAD[name][1] in errors[name]
