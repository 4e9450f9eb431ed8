"""The service desk's records, each declared once on the generic record store.

Cases hang off a contact, so merges move them, unmerges bring them back, the export shows
them and erasure keeps an anonymised copy (see :func:`crmkit.service.transitions.anonymised`)
without an edit to any of that code: :data:`crmkit._api._kinds.DEFAULT_RECORD_KINDS` lists
:data:`CASES`. SLA policies and contact reasons belong to the workspace, not to a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from crmkit.service.case import Case
from crmkit.service.clocks import next_due
from crmkit.service.policy import SlaPolicy
from crmkit.service.reasons import ContactReason
from crmkit.service.transitions import anonymised
from crmkit.storage.codec import AttrsCodec, sortable_time
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.typed import StoredKind

__all__ = ["CASES", "CASES_KIND", "CASE_REASONS", "SLA_POLICIES"]


def _case_keys(case: Case) -> Mapping[str, str | None]:
    due = next_due(case)
    return {
        # The earliest due time of a running clock: what breaching() ranges over.
        "next_due": None if due is None else sortable_time(due),
        "opened": sortable_time(case.opened_at),
        "status": case.status.value,
    }


def _policy_keys(policy: SlaPolicy) -> Mapping[str, str | None]:
    # One policy per priority, and one default (no priority): otherwise the choice for a
    # case would depend on the order policies are read in.
    return {"name": policy.key, "priority": policy.priority.value if policy.priority else "default"}


CASES: StoredKind[Case] = StoredKind(
    "cases", AttrsCodec(Case, keys=_case_keys), on_erasure=anonymised
)
SLA_POLICIES: StoredKind[SlaPolicy] = StoredKind(
    "sla_policies",
    AttrsCodec(SlaPolicy, keys=_policy_keys, unique={"name", "priority"}, contact=None),
)
CASE_REASONS: StoredKind[ContactReason] = StoredKind(
    "case_reasons",
    AttrsCodec(ContactReason, keys=lambda r: {"name": r.name}, unique={"name"}, contact=None),
)


def _exported(case: Case) -> dict[str, Any]:
    # The policy is the workspace's, not the person's: the export names it.
    fields = {a.name: getattr(case, a.name) for a in attrs.fields(Case)}
    return fields | {"sla": None if case.sla is None else case.sla.name}


def _export_cases(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    return [_exported(c) for c in CASES.on(uow).for_contact(contact_id)]


#: What merges, unmerges, erasures and exports do with cases: the declaration of
#: :data:`CASES`, exporting each case with its policy's name.
CASES_KIND: RecordKind = attrs.evolve(CASES.kind, export=_export_cases)
