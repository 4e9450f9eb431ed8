"""Case facts on the generic record store: the reference a SQL backend's sums must equal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from crmkit.service.facts import CaseFacts, ServiceFigures, figures_of, microseconds
from crmkit.storage.generic._table import upsert
from crmkit.storage.records import RecordStore, StoredRecord

__all__ = ["GenericCaseFactRepository"]

CASE_FACT = "_case_fact"
# Microseconds since 1970 shifted to be positive for any datetime, zero-padded, so the key
# sorts as text in time order.
_SHIFT = 10**17


def _opened_key(us: int) -> str:
    return f"{us + _SHIFT:018d}"


class GenericCaseFactRepository:
    def __init__(self, store: RecordStore) -> None:
        self._store = store

    def put(self, facts: CaseFacts) -> None:
        body: dict[str, Any] = attrs.asdict(facts)
        keys = {"opened": _opened_key(facts.opened_us)}
        upsert(self._store, StoredRecord(CASE_FACT, facts.case_id, None, 1, body, keys))

    def figures(self, *, since: datetime, until: datetime, at: datetime) -> ServiceFigures:
        lo, hi = microseconds(since), microseconds(until)
        found = self._store.select(
            CASE_FACT,
            "opened",
            at_least=_opened_key(lo - (hi - lo)),
            at_most=_opened_key(hi),
        )
        facts = (CaseFacts(**r.body) for r in found)
        return figures_of(facts, since=since, until=until, at=at)
