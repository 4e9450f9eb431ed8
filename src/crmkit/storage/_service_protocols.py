"""The protocol of the service report's case facts (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from crmkit.service.facts import CaseFacts, ServiceFigures

__all__ = ["CaseFactRepository"]


class CaseFactRepository(Protocol):
    """One row of :class:`crmkit.service.facts.CaseFacts` per case, written beside the case
    by ``crm.cases`` on every change, so ``crm.service_report`` sums rows instead of reading
    every case. The facts hold no personal data and no contact: merges and erasures leave
    them as they are.
    """

    def put(self, facts: CaseFacts) -> None:
        """Insert the facts of a case, or replace those stored for ``facts.case_id``."""
        ...

    def figures(self, *, since: datetime, until: datetime, at: datetime) -> ServiceFigures:
        """:func:`crmkit.service.facts.figures_of` over the stored facts."""
        ...
