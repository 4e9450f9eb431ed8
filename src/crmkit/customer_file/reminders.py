"""Automation rules for the customer file: contracts reaching their last day for notice and
warranties running out. Like the birthday rule, each action carries an idempotency key
(``rule:subject:date``), so a rerun of the same day, or of the next days, acts once.

Each rule sees ``(record, contact)`` pairs, the contact giving the owner who gets the task
and the name for its title; ``crm.automation.run`` reads them from storage.

>>> from datetime import UTC, date, datetime, timedelta
>>> from crmkit._types import Money
>>> from crmkit.contacts import Contact
>>> from crmkit.customer_file.contracts import Contract, sign
>>> from crmkit.tasks.actions import AutomationContext
>>> at = datetime(2026, 11, 2, tzinfo=UTC)
>>> besa = Contact.new(name="Besa Kola", owner="arta", now=at)
>>> k = sign(Contract.new(besa.id, title="Support 2027", starts_on=date(2027, 1, 1),
...                       ends_on=date(2027, 12, 31), value=Money("1200", "EUR"),
...                       renewal="auto", notice=timedelta(days=30), at=at),
...          at=at, signed_by="Besa Kola")
>>> ctx = AutomationContext.for_day(date(2027, 12, 1))
>>> (task,) = ContractExpiring().evaluate(ctx, [(k, besa)])
>>> task.task.title, task.task.assignee, task.key == f"contract_expiring:{k.id}:2027-12-01"
("Last day to give notice on 'Support 2027' (Besa Kola)", 'arta', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import attrs

from crmkit._types import LONGEST_DAYS
from crmkit.contacts import Contact
from crmkit.customer_file.assets import Asset
from crmkit.customer_file.contracts import Contract, ContractStatus
from crmkit.errors import ValidationError
from crmkit.tasks.actions import Action, AutomationContext, MakeTask, Then, automation_key

__all__ = ["ContractExpiring", "WarrantyExpiring"]


def _days(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, value, "expected a whole number of days >= 0")
    if value > LONGEST_DAYS:
        raise ValidationError(field, value, f"at most {LONGEST_DAYS} days (a hundred years)")
    return value


def _catch_up_days(value: Any) -> int:
    return _days("catch_up_days", value)


def _days_before(value: Any) -> int:
    return _days("days_before", value)


def _act(
    rule: str,
    then: Then,
    ctx: AutomationContext,
    subject: str,
    on: date,
    contact: Contact,
    fields: dict[str, Any],
) -> Action:
    key = automation_key(rule, subject, on)
    fields.update(name=contact.name or "", contact_id=contact.id)
    return then.build(
        ctx, rule=rule, key=key, contact_id=contact.id, owner=contact.owner, fields=fields
    )


def _due(day: date, ctx: AutomationContext, catch_up_days: int) -> bool:
    # Due on the day, and on the next catch_up_days in case a daily run was missed.
    return day <= ctx.on <= day + timedelta(days=catch_up_days)


@attrs.frozen
class ContractExpiring:
    """A task for the contact's owner on a signed contract's last day to give notice
    (``ends_on - notice``). Keyed by the contract and that day: once per term, and again
    after a renewal moves the end. Fields: ``title``, ``name``, ``notice_on``, ``ends_on``,
    ``renewal``."""

    then: Then = MakeTask("Last day to give notice on '{title}' ({name})")
    name: str = "contract_expiring"
    catch_up_days: int = attrs.field(default=7, converter=_catch_up_days)

    def window(self, on: date) -> tuple[date, date]:
        """The notice days this rule acts on when run *on* a day."""
        return on - timedelta(days=self.catch_up_days), on

    def evaluate(
        self, ctx: AutomationContext, items: Iterable[tuple[Contract, Contact]]
    ) -> Iterator[Action]:
        for k, contact in items:
            if k.status is not ContractStatus.SIGNED or not _due(
                k.notice_on, ctx, self.catch_up_days
            ):
                continue
            fields = {
                "title": k.title,
                "notice_on": k.notice_on.isoformat(),
                "ends_on": k.ends_on.isoformat(),
                "renewal": k.renewal.value,
            }
            yield _act(self.name, self.then, ctx, k.id, k.notice_on, contact, fields)


@attrs.frozen
class WarrantyExpiring:
    """A task for the contact's owner ``days_before`` days before an asset's warranty ends
    (``warranty_until``). Keyed by the asset and its warranty's end: once per warranty, and
    again if the warranty is extended. Fields: ``sku``, ``serial``, ``warranty_until``,
    ``name``."""

    then: Then = MakeTask("Warranty of {sku} {serial} ({name}) ends {warranty_until}")
    days_before: int = attrs.field(default=30, converter=_days_before)
    name: str = "warranty_expiring"
    catch_up_days: int = attrs.field(default=7, converter=_catch_up_days)

    def evaluate(
        self, ctx: AutomationContext, items: Iterable[tuple[Asset, Contact]]
    ) -> Iterator[Action]:
        for asset, contact in items:
            ends = asset.warranty_until
            if ends is None or not _due(
                ends - timedelta(days=self.days_before), ctx, self.catch_up_days
            ):
                continue
            fields = {"sku": asset.sku, "serial": asset.serial, "warranty_until": ends.isoformat()}
            yield _act(self.name, self.then, ctx, asset.id, ends, contact, fields)
