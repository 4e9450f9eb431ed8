"""Survivorship: which value of each field the merged contact keeps.

Rules per field: ``"survivor"`` (the survivor's value, the other's fills a gap),
``"most_recent"`` (the value of the contact updated last, if non-empty), ``"most_complete"``
(the longer value). Emails, phones, handles, external ids, tags and custom fields of both are
always kept.
User overrides win over every rule. Pure functions: the facade persists the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import ensure_aware, utcnow
from crmkit.contacts import Contact, combine_handles
from crmkit.errors import ValidationError

__all__ = ["MERGE_RULES", "SCALAR_FIELDS", "plan_merge", "survivorship"]

SCALAR_FIELDS = (
    "name",
    "given_name",
    "family_name",
    "region",
    "city",
    "address",
    "postcode",
    "birthday",
    "organization_id",
    "owner",
    "lifecycle_stage",
)
MERGE_RULES = ("most_complete", "most_recent", "survivor")


def _pick(rule: str, survivor: Contact, other: Contact, field: str) -> Any:
    mine, theirs = getattr(survivor, field), getattr(other, field)
    if mine is None or mine == "":
        return theirs
    if theirs is None or theirs == "":
        return mine
    if rule == "most_recent":
        return theirs if other.updated_at > survivor.updated_at else mine
    if rule == "most_complete":
        return theirs if len(str(theirs)) > len(str(mine)) else mine
    return mine


def plan_merge(
    survivor: Contact,
    other: Contact,
    *,
    rules: Mapping[str, str] | None = None,
    default_rule: str = "survivor",
    overrides: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Contact:
    """The contact that merging *other* into *survivor* produces (survivor's id, next version).

    >>> from datetime import UTC, datetime
    >>> a = Contact.new(name="B. Kola", city="Tiranë", emails=["besa@example.al"],
    ...                 now=datetime(2024, 1, 1, tzinfo=UTC))
    >>> b = Contact.new(name="Besa Kola", city="Durrës", phones=["+355691234567"],
    ...                 now=datetime(2025, 1, 1, tzinfo=UTC))
    >>> m = plan_merge(a, b, rules={"name": "most_complete", "city": "most_recent"},
    ...                now=datetime(2026, 1, 1, tzinfo=UTC))
    >>> m.id == a.id, m.name, m.city, m.emails, m.phones
    (True, 'Besa Kola', 'Durrës', ('besa@example.al',), ('+355691234567',))
    >>> plan_merge(a, b, overrides={"city": "Vlorë"}).city
    'Vlorë'
    """
    at = ensure_aware(now, "now") if now is not None else utcnow()
    rules = dict(rules or {})
    for field, rule in (*rules.items(), ("default_rule", default_rule)):
        if field != "default_rule" and field not in SCALAR_FIELDS:
            raise ValidationError(
                "rules", field, f"not a mergeable field; expected one of {SCALAR_FIELDS}"
            )
        if rule not in MERGE_RULES:
            raise ValidationError("rules", rule, f"expected one of {MERGE_RULES}")
    changes: dict[str, Any] = {
        field: _pick(rules.get(field, default_rule), survivor, other, field)
        for field in SCALAR_FIELDS
    }
    handles, extra_handles = combine_handles(survivor, other)
    changes.update(
        emails=tuple(dict.fromkeys((*survivor.emails, *other.emails))),
        phones=tuple(dict.fromkeys((*survivor.phones, *other.phones))),
        handles=handles,
        extra_handles=extra_handles,
        external_ids=tuple(dict.fromkeys((*survivor.external_ids, *other.external_ids))),
        tags=survivor.tags | other.tags,
        custom={**other.custom, **survivor.custom},
        shared_identities=survivor.shared_identities | other.shared_identities,
        created_at=min(survivor.created_at, other.created_at),
        updated_at=at,
        version=survivor.version + 1,
    )
    merged = attrs.evolve(survivor, **changes)
    if overrides:
        # Overrides go through the contact's own validation, like any user edit.
        merged = merged.changed(now=at, **overrides)
        merged = attrs.evolve(merged, version=survivor.version + 1)
    return merged


def survivorship(
    *,
    rules: Mapping[str, str] | None = None,
    default_rule: str = "survivor",
    overrides: Mapping[str, Any] | None = None,
) -> Callable[[Contact, Contact, datetime], Contact]:
    """A ``(survivor, other, now) -> Contact`` function for :meth:`crmkit.CRM.merge`.

    >>> merge = survivorship(rules={"city": "most_recent"})
    >>> callable(merge)
    True
    """

    def merge(survivor: Contact, other: Contact, now: datetime) -> Contact:
        return plan_merge(
            survivor, other, rules=rules, default_rule=default_rule, overrides=overrides, now=now
        )

    return merge
