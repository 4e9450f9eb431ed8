from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmkit.contacts import Contact
from crmkit.errors import ValidationError
from crmkit.identity import plan_merge, survivorship

OLD = datetime(2024, 1, 1, tzinfo=UTC)
NEW = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _pair() -> tuple[Contact, Contact]:
    a = Contact.new(
        name="B. Kola",
        city="Tiranë",
        emails=["besa@example.al"],
        handles={"instagram": "besa.kola"},
        tags={"vip"},
        now=OLD,
    )
    b = Contact.new(
        name="Besa Kola",
        city="Durrës",
        phones=["+355691234567"],
        emails=["besa@work.al"],
        postcode="1001",
        tags={"b2b"},
        now=NEW,
    )
    return a, b


def test_merge_keeps_every_email_phone_handle_and_tag() -> None:
    a, b = _pair()
    merged = plan_merge(a, b, now=NOW)
    assert merged.emails == ("besa@example.al", "besa@work.al")
    assert merged.phones == ("+355691234567",)
    assert merged.handles == {"instagram": "besa.kola"}
    assert merged.tags == {"vip", "b2b"}


def test_merge_keeps_survivor_id_and_fills_gaps_by_default() -> None:
    a, b = _pair()
    merged = plan_merge(a, b, now=NOW)
    assert (merged.id, merged.city, merged.postcode) == (a.id, "Tiranë", "1001")
    assert merged.version == a.version + 1
    assert merged.created_at == OLD


def test_most_recent_rule_takes_the_value_updated_last() -> None:
    a, b = _pair()
    assert plan_merge(a, b, rules={"city": "most_recent"}, now=NOW).city == "Durrës"
    assert plan_merge(b, a, rules={"city": "most_recent"}, now=NOW).city == "Durrës"


def test_most_complete_rule_takes_the_longer_value() -> None:
    a, b = _pair()
    assert plan_merge(a, b, rules={"name": "most_complete"}, now=NOW).name == "Besa Kola"


def test_user_override_wins_over_every_rule() -> None:
    a, b = _pair()
    assert plan_merge(a, b, overrides={"city": "Vlorë"}, now=NOW).city == "Vlorë"


def test_unknown_rule_is_rejected_naming_it() -> None:
    a, b = _pair()
    with pytest.raises(ValidationError, match="newest"):
        plan_merge(a, b, rules={"city": "newest"})


def test_survivorship_returns_the_facade_callable() -> None:
    a, b = _pair()
    assert survivorship(rules={"city": "most_recent"})(a, b, NOW).city == "Durrës"
