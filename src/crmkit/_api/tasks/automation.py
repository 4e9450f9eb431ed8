"""``crm.automation`` and ``crm.outbox``: date-driven rules run on the CRM's own data, with
their idempotency keys, created tasks and queued messages kept in its storage."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from crmkit._api._base import Context
from crmkit._api.customer_file.kinds import ASSETS, CONTRACTS
from crmkit._api.marketing.referral_rewards import apply_grant, referral_purchases
from crmkit._api.service.cases import breaches
from crmkit._api.tasks.routing import Router, directory_of
from crmkit._progress import ProgressOption, progress_callback
from crmkit.contacts import Contact
from crmkit.customer_file.assets import Asset
from crmkit.customer_file.contracts import Contract
from crmkit.customer_file.reminders import ContractExpiring, WarrantyExpiring
from crmkit.errors import ValidationError
from crmkit.funnel.board import rotting_deals
from crmkit.funnel.deal import Deal
from crmkit.marketing.referral_rewards import RewardReferrer
from crmkit.privacy.consent import ConsentRecord
from crmkit.service.escalation import CaseEscalation
from crmkit.tasks.automation import (
    AutomationContext,
    Committable,
    ContactDates,
    ContactRule,
    CreateTask,
    DealRotting,
    Grant,
    OverdueEscalation,
)
from crmkit.tasks.outbox import Outbox, QueuedMessage
from crmkit.tasks.routing import Policy
from crmkit.tasks.runner import AutomationReport, run_automation
from crmkit.tasks.task import Task

__all__ = ["AutomationAPI", "OutboxAPI", "StorageKeyStore"]

Rule = (
    ContactRule
    | DealRotting
    | OverdueEscalation
    | CaseEscalation
    | ContractExpiring
    | WarrantyExpiring
    | RewardReferrer
)


class StorageKeyStore:
    """A :class:`~crmkit.tasks.KeyStore` in the CRM's storage.

    Each batch of actions is one transaction: the keys, the created tasks, the queued
    messages (in the CRM's outbox) and the round robin turns taken for them are written
    together or not at all, so the work of an action exists exactly when its key does.

    An application-owned *outbox* cannot join that transaction. Its messages are put there
    before the keys commit, so a crash in between queues them again on the rerun: at least
    once, each copy with the same ``key`` for the application to drop duplicates.
    """

    def __init__(
        self, ctx: Context, *, outbox: Outbox | None = None, router: Router | None = None
    ) -> None:
        self._ctx = ctx
        # The CRM's own outbox is written inside the transaction, not through its API (which
        # would open a second unit of work while this one is open).
        own = isinstance(outbox, OutboxAPI) and outbox._ctx == ctx
        self._outbox = None if own else outbox
        self._router = router

    def seen(self, keys: Collection[str]) -> set[str]:
        with self._ctx.read() as uow:
            return uow.automation.done_keys(keys)

    def commit(self, action: Committable) -> bool:
        return self.commit_many([action])[0]

    def commit_many(self, actions: Sequence[Committable]) -> list[bool]:
        if not actions:
            return []
        at = self._ctx.clock()
        fresh: list[bool] = []
        external: list[QueuedMessage] = []
        with self._ctx.write() as uow:
            for action in actions:
                if not uow.automation.record_key(action.key, action.rule, at):
                    fresh.append(False)
                    continue
                if isinstance(action, CreateTask):
                    uow.tasks.add(action.task)
                elif isinstance(action, Grant):
                    apply_grant(uow, action, at)
                elif self._outbox is None:
                    uow.outbox.put(action.message)
                else:
                    external.append(action.message)
                fresh.append(True)
            if self._router is not None:
                self._router.save(uow)
            for message in external:
                self._outbox.put(message)  # type: ignore[union-attr]
            uow.commit()
        return fresh


class AutomationAPI:
    """Run automation rules for a day over the contacts, deals and tasks in storage.

    >>> from datetime import UTC, date, datetime
    >>> from crmkit import CRM
    >>> from crmkit.tasks import BirthdayGreeting
    >>> crm = CRM()
    >>> c = crm.contacts.create(name="Leo", birthday=date(2000, 2, 29))
    >>> _ = crm.consent.record(c.id, purpose="marketing_email", granted=True,
    ...                        at=datetime(2027, 1, 1, tzinfo=UTC))
    >>> report = crm.automation.run(date(2027, 2, 28), rules=[BirthdayGreeting()])
    >>> [m.key for m in crm.outbox.pending()]
    ['birthday:...:2027-02-28']
    >>> crm.automation.run(date(2027, 2, 28), rules=[BirthdayGreeting()]).skipped
    1
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def key_store(self, *, outbox: Outbox | None = None) -> StorageKeyStore:
        """The storage-backed key store, for :func:`crmkit.tasks.run_automation` over inputs
        you build yourself."""
        return StorageKeyStore(self._ctx, outbox=outbox)

    def run(
        self,
        on: Any,
        *,
        rules: Iterable[Rule],
        now: Any = None,
        timezone: str = "UTC",
        outbox: Outbox | None = None,
        policies: Sequence[Policy] = (),
        page_size: int = 10_000,
        batch_size: int = 2000,
        progress: ProgressOption = None,
    ) -> AutomationReport:
        """Evaluate *rules* for the day *on* and commit every action not done before.

        Contact rules stream every contact with its birthday, owner, and the days (in
        *timezone*) of its first purchase and last interaction, computed by the database;
        :class:`~crmkit.tasks.DealRotting` reads the open deals of every pipeline and
        :class:`~crmkit.tasks.OverdueEscalation` the open tasks already late, each
        :class:`~crmkit.service.escalation.CaseEscalation` what ``crm.cases.breaching``
        lists at *now* plus its ``within``;
        :class:`~crmkit.customer_file.reminders.ContractExpiring` the signed contracts
        whose last day for notice is due and
        :class:`~crmkit.customer_file.reminders.WarrantyExpiring` the assets, each with
        its contact (whose owner gets the task), and
        :class:`~crmkit.marketing.RewardReferrer` each referral in force with the
        referred contact's first purchase (its grants, points or a coupon, are written
        with their keys: see the report's ``grants``). Messages go to
        the CRM's outbox (:attr:`CRM.outbox`) unless an *outbox* is given. Task actions
        without an assignee or owner are routed with *policies* within their rule's
        ``team``. *now* defaults to the start of *on* in *timezone*. Contacts are read
        *page_size* at a time and actions committed *batch_size* per transaction; ``progress``:
        ``callback(stage, done, total)`` (stage ``"actions"``, then ``"done"``) or ``True``.

        A message is queued only if the contact's consent records (:attr:`CRM.consent`)
        grant its purpose on its channel at *now* and none withdraws it since; the others
        are left out and their keys listed in the report's ``no_consent``. An erased
        contact is gone with its consent records and is not met at all.
        """
        if not isinstance(page_size, int) or page_size < 1:
            raise ValidationError("page_size", page_size, "a positive integer")
        report = progress_callback(progress)
        contact_rules: list[ContactRule] = []
        deal_rule: DealRotting | None = None
        overdue_rule: OverdueEscalation | None = None
        case_rules: list[CaseEscalation] = []
        file_rules: list[ContractExpiring | WarrantyExpiring] = []
        reward_rules: list[RewardReferrer] = []
        for rule in rules:
            if isinstance(rule, CaseEscalation):
                case_rules.append(rule)
            elif isinstance(rule, RewardReferrer):
                reward_rules.append(rule)
            elif isinstance(rule, ContractExpiring | WarrantyExpiring):
                if any(type(r) is type(rule) for r in file_rules):
                    raise ValidationError("rules", rule, "give each customer file rule once")
                file_rules.append(rule)
            elif isinstance(rule, DealRotting | OverdueEscalation):
                if (deal_rule if isinstance(rule, DealRotting) else overdue_rule) is not None:
                    raise ValidationError("rules", rule, "give each deal or task rule once")
                if isinstance(rule, DealRotting):
                    deal_rule = rule
                else:
                    overdue_rule = rule
            elif callable(getattr(rule, "prepare", None)):
                contact_rules.append(rule)
            else:
                raise ValidationError("rules", rule, "expected automation rules")
        with self._ctx.read() as uow:
            router = Router.load(uow, policies) if policies else None
            directory = directory_of(uow)
        ctx = AutomationContext.for_day(
            on,
            now=now,
            timezone=timezone,
            directory=directory,
            assign=None if router is None else self._assigner(router),
        )
        deals = self._rotting(ctx) if deal_rule is not None else []
        late = self._late(ctx, overdue_rule) if overdue_rule is not None else []
        with self._ctx.read() as uow:
            escalations = [(r, breaches(uow, by=ctx.now + r.within)) for r in case_rules]
            rewards = [(r, referral_purchases(uow, r)) for r in reward_rules]
        store = StorageKeyStore(self._ctx, outbox=outbox, router=router)
        contacts = self._contact_dates(ctx.timezone, page_size) if contact_rules else iter(())
        record_rules = [(r, self._held(ctx, r)) for r in file_rules]
        return run_automation(
            ctx,
            store,
            contact_rules=contact_rules,
            contacts=contacts,
            deal_rule=deal_rule,
            deals=deals,
            overdue_rule=overdue_rule,
            tasks=late,
            consents=self._consents,
            purposes=self._ctx.purposes,
            batch_size=batch_size,
            progress=report,
            subject_rules=[*escalations, *record_rules, *rewards],
        )

    def _consents(self, contact_ids: Collection[str]) -> list[ConsentRecord]:
        # One short read per batch of messages, like the contact pages.
        with self._ctx.read() as uow:
            return [r for cid in sorted(contact_ids) for r in uow.consents.for_contact(cid)]

    def _contact_dates(self, timezone: str, page_size: int) -> Iterator[ContactDates]:
        # One short read per page, never held while rules run or actions commit.
        after = None
        while True:
            with self._ctx.read() as uow:
                page = uow.automation.contact_dates(timezone, after=after, limit=page_size)
            yield from page
            if len(page) < page_size:
                return
            after = page[-1].contact_id

    def _rotting(self, ctx: AutomationContext) -> list[Deal]:
        with self._ctx.read() as uow:
            return [
                d
                for p in uow.pipelines.iter_all()
                for d in rotting_deals(p, uow.deals.for_pipeline(p.id, status="open"), ctx.now)
            ]

    def _late(self, ctx: AutomationContext, rule: OverdueEscalation) -> list[Task]:
        with self._ctx.read() as uow:
            return uow.tasks.open_due_before(ctx.now - max(rule.after, timedelta(0)))

    def _held(
        self, ctx: AutomationContext, rule: ContractExpiring | WarrantyExpiring
    ) -> list[tuple[Any, Contact]]:
        """The records the rule may act on today, each with its contact (for the owner)."""
        with self._ctx.read() as uow:
            found: list[Contract] | list[Asset]
            if isinstance(rule, ContractExpiring):
                lo, hi = rule.window(ctx.on)  # signed contracts only: the notice key
                found = CONTRACTS.on(uow).select(
                    "notice", at_least=lo.isoformat(), at_most=hi.isoformat()
                )
            else:
                found = ASSETS.on(uow).select()
            ids = {r.contact_id for r in found if r.contact_id is not None}
            people = {c.id: c for c in uow.contacts.find_many(ids)}
        return [(r, people[r.contact_id]) for r in found if r.contact_id in people]

    def _assigner(self, router: Router) -> Any:
        def assign(team: str | None, contact_id: str | None) -> str | None:
            with self._ctx.read() as uow:
                contact = None if contact_id is None else uow.contacts.find_by_id(contact_id)
                try:
                    return router.choose(uow, team, contact).assignee
                except ValidationError:
                    return None

        return assign


class OutboxAPI:
    """The messages automation queued, for the application to send (crmkit sends nothing).

    Delivery is at least once: take :meth:`pending`, send, then :meth:`ack`; a crash between
    sending and acknowledging sends again, so pass each message's ``key`` to your provider as
    its idempotency key where it takes one.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def put(self, message: QueuedMessage) -> None:
        with self._ctx.write() as uow:
            uow.outbox.put(message)
            uow.commit()

    def pending(self, *, limit: int | None = None) -> list[QueuedMessage]:
        """Oldest first."""
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValidationError("limit", limit, "a positive integer or None")
        with self._ctx.read() as uow:
            return uow.outbox.pending(limit=limit)

    def ack(self, message_ids: Iterable[str]) -> None:
        """Forget sent messages (ids no longer pending are ignored)."""
        with self._ctx.write() as uow:
            uow.outbox.ack(message_ids)
            uow.commit()
