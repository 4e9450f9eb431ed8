"""``crm.find_duplicates``: the identity engine run over the CRM's own contacts."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from crmkit._api._base import Context
from crmkit.identity.contact_match import contact_record
from crmkit.identity.matcher import DEDUPE_THRESHOLD, Matcher

__all__ = ["DuplicateGroup", "contact_record", "find_duplicates"]


@attrs.frozen
class DuplicateGroup:
    """Contacts the engine judges to be one person, with the weakest link's score and the
    evidence (``"phone equal +14.2"``, ``"first name similar +3.1"``, ...)."""

    contact_ids: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]


def find_duplicates(
    ctx: Context,
    *,
    threshold: float = DEDUPE_THRESHOLD,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[DuplicateGroup]:
    with ctx.read() as uow:
        contacts = list(uow.contacts.iter_all())
    matcher = Matcher(threshold=threshold, default_region=ctx.default_region)
    records = [contact_record(c) for c in contacts]
    if progress is None:
        clusters = matcher.dedupe(records, id_field="id")
    else:
        clusters = matcher.dedupe(records, id_field="id", progress=progress)
    groups = [
        DuplicateGroup(tuple(str(i) for i in cluster.ids), cluster.score, cluster.reasons)
        for cluster in clusters
        if len(cluster.ids) > 1
    ]
    return sorted(groups, key=lambda g: (-g.score, g.contact_ids))
