"""``crm.sla``: the workspace's service-level policies, stored on the generic record store,
and the choice of a policy for a new case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from crmkit._api._base import Context
from crmkit._api.service.kinds import SLA_POLICIES
from crmkit._text_limits import clean_text
from crmkit.errors import RecordNotFoundError, ValidationError
from crmkit.service.hours import WorkingHours
from crmkit.service.policy import SlaPolicy, name_key
from crmkit.storage.protocols import UnitOfWork
from crmkit.tasks.task import Priority

__all__ = ["SlaAPI", "policy_for"]


class SlaAPI:
    """Service-level policies of the workspace (see :class:`crmkit.service.SlaPolicy`).

    >>> from datetime import time, timedelta
    >>> from crmkit import CRM
    >>> from crmkit.service import WorkingHours
    >>> crm = CRM()
    >>> _ = crm.sla.create("Standard", first_response=timedelta(hours=4),
    ...                    resolution=timedelta(hours=16), hours=WorkingHours(time(9), time(17)),
    ...                    timezone="Europe/Warsaw")
    >>> crm.sla.get("standard").first_response
    datetime.timedelta(seconds=14400)
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self,
        name: str,
        *,
        first_response: timedelta,
        resolution: timedelta,
        hours: WorkingHours,
        timezone: str,
        holidays: Iterable[date] = (),
        priority: str | Priority | None = None,
    ) -> SlaPolicy:
        """A new policy for cases of *priority* (``None``: the default for the others).
        A name or a priority another policy has is refused with
        :class:`crmkit.errors.UniqueKeyError`. Cases keep the policy as it was when they
        opened."""
        policy = SlaPolicy.new(
            name,
            first_response=first_response,
            resolution=resolution,
            hours=hours,
            timezone=timezone,
            holidays=holidays,
            priority=priority,
            at=self._ctx.clock(),
        )
        with self._ctx.write() as uow:
            SLA_POLICIES.on(uow).add(policy)
            uow.commit()
        return policy

    def get(self, name: str) -> SlaPolicy:
        """The policy of that name (case ignored), or :class:`RecordNotFoundError`."""
        with self._ctx.read() as uow:
            return _policy_named(uow, name)

    def all(self) -> list[SlaPolicy]:
        with self._ctx.read() as uow:
            return sorted(SLA_POLICIES.on(uow).select(), key=lambda p: p.key)


def _policy_named(uow: UnitOfWork, name: Any, field: str = "name") -> SlaPolicy:
    text = clean_text(field, name, required=True) or ""
    found = SLA_POLICIES.on(uow).select("name", equals=name_key(text))
    if not found:
        raise RecordNotFoundError("SLA policy", name)
    return found[0]


def policy_for(uow: UnitOfWork, priority: Any, sla: Any) -> SlaPolicy | None:
    """The policy named *sla*, else that of *priority*, else the default, else ``None``."""
    if sla is not None:
        try:
            return _policy_named(uow, sla, "sla")
        except RecordNotFoundError:
            raise ValidationError("sla", sla, "no SLA policy of that name") from None
    policies = SLA_POLICIES.on(uow)
    for key in (Priority.parse(priority).value, "default"):
        found = policies.select("priority", equals=key)
        if found:
            return found[0]
    return None
