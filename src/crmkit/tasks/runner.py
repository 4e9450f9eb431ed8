"""Run automation rules for a day, exactly once per action.

Each action is committed together with its idempotency key by a :class:`KeyStore` (one
transaction in a database). The runner asks which keys are already done, in batches, and
commits the rest batch by batch, so running the same day again, or again after a crash
between two actions, neither repeats nor loses work.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, Protocol

import attrs

from crmkit._progress import ProgressCallback, quiet
from crmkit.errors import ValidationError
from crmkit.funnel.deal import Deal
from crmkit.privacy.consent import DEFAULT_PURPOSES, ConsentRecord, check_purpose, may_contact
from crmkit.tasks.automation import (
    Action,
    AutomationContext,
    Committable,
    ContactDates,
    ContactRule,
    CreateTask,
    DealRotting,
    Grant,
    OverdueEscalation,
    QueueMessage,
    SendMessage,
    Unassigned,
)
from crmkit.tasks.outbox import InMemoryOutbox, Outbox
from crmkit.tasks.task import Task

__all__ = ["AutomationReport", "InMemoryKeyStore", "KeyStore", "SubjectRule", "run_automation"]


_BATCH = 2000

# ``lookup(contact_ids)``: the consent records of these contacts (any purpose or channel).
_ConsentLookup = Callable[[Collection[str]], Iterable[ConsentRecord]]


class KeyStore(Protocol):
    """Remembers which automation actions are done, and does them.

    ``commit`` must apply the action (store the new task, or put the message in the outbox)
    and record its key in one atomic unit, and do nothing and return ``False`` if the key is
    already recorded. ``seen`` says which of the given keys are recorded.
    """

    def seen(self, keys: Collection[str]) -> set[str]: ...

    def commit(self, action: Committable) -> bool: ...

    def commit_many(self, actions: Sequence[Committable]) -> list[bool]:
        """Like :meth:`commit` for each action, in order; a database does the whole batch in
        one transaction (all or nothing), so a crash loses the batch together with its keys
        and a rerun simply does it again."""
        ...


class InMemoryKeyStore:
    """A :class:`KeyStore` in memory: created tasks in ``tasks``, messages in ``outbox``.

    >>> store = InMemoryKeyStore()
    >>> store.seen(["birthday:c1:2026-05-01"])
    set()
    """

    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox: Outbox = outbox if outbox is not None else InMemoryOutbox()
        self.tasks: list[Task] = []
        self.grants: list[Grant] = []
        self.keys: set[str] = set()

    def seen(self, keys: Collection[str]) -> set[str]:
        return {k for k in keys if k in self.keys}

    def commit(self, action: Committable) -> bool:
        if action.key in self.keys:
            return False
        # Apply first, record last: an exception while applying leaves the key unrecorded.
        if isinstance(action, CreateTask):
            self.tasks.append(action.task)
        elif isinstance(action, Grant):
            self.grants.append(action)
        else:
            self.outbox.put(action.message)
        self.keys.add(action.key)
        return True

    def commit_many(self, actions: Sequence[Committable]) -> list[bool]:
        return [self.commit(a) for a in actions]


@attrs.frozen
class AutomationReport:
    """What one pass did: the actions committed now, how many were already done, the keys of
    task actions nobody could be assigned to, and the keys of messages not queued because
    the contact had no consent for the message's purpose on its channel (``len`` counts
    them; their keys stay unrecorded, so a later run may still queue them)."""

    committed: tuple[Committable, ...]
    skipped: int
    unassigned: tuple[str, ...]
    no_consent: tuple[str, ...] = ()

    @property
    def tasks(self) -> list[Task]:
        return [a.task for a in self.committed if isinstance(a, CreateTask)]

    @property
    def grants(self) -> list[Grant]:
        """The rewards given (points, coupons: :class:`crmkit.tasks.Grant`)."""
        return [a for a in self.committed if isinstance(a, Grant)]

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.committed:
            out[a.rule] = out.get(a.rule, 0) + 1
        return dict(sorted(out.items()))


class SubjectRule(Protocol):
    """A rule over subjects the caller reads for it (deals, tasks, SLA breaches, contracts
    reaching their notice day, expiring warranties), as :class:`crmkit.tasks.DealRotting`
    is; ``name`` keys its actions."""

    @property
    def name(self) -> str: ...

    def evaluate(self, ctx: AutomationContext, subjects: Iterable[Any]) -> Iterable[Action]: ...


def _candidates(
    ctx: AutomationContext,
    contact_rules: Sequence[ContactRule],
    contacts: Iterable[ContactDates],
    deal_rule: DealRotting | None,
    deals: Iterable[Deal],
    overdue_rule: OverdueEscalation | None,
    tasks: Iterable[Task],
    subject_rules: Sequence[tuple[SubjectRule, Iterable[Any]]] = (),
) -> Iterator[Action]:
    checks = [rule.prepare(ctx) for rule in contact_rules]
    if len(checks) == 1:
        (check,) = checks
        for c in contacts:
            action = check(c)
            if action is not None:
                yield action
    elif checks:
        for c in contacts:
            for check in checks:
                action = check(c)
                if action is not None:
                    yield action
    if deal_rule is not None:
        yield from deal_rule.evaluate(ctx, deals)
    if overdue_rule is not None:
        yield from overdue_rule.evaluate(ctx, tasks)
    for rule, subjects in subject_rules:
        yield from rule.evaluate(ctx, subjects)


def _lookup(consents: Iterable[ConsentRecord] | _ConsentLookup) -> _ConsentLookup:
    if callable(consents):
        return consents
    by_contact: dict[str, list[ConsentRecord]] = {}
    for r in consents:
        by_contact.setdefault(r.contact_id, []).append(r)
    return lambda ids: [r for i in ids for r in by_contact.get(i, ())]


def _refused(
    ctx: AutomationContext,
    messages: Sequence[QueueMessage],
    lookup: _ConsentLookup,
    purposes: Collection[str],
) -> set[str]:
    """The keys of *messages* whose contact lacks consent at ``ctx.now`` (or withdrew since)."""
    if not messages:
        return set()
    records: dict[str, list[ConsentRecord]] = {}
    for r in lookup({m.message.contact_id for m in messages}):
        records.setdefault(r.contact_id, []).append(r)
    return {
        m.key
        for m in messages
        if m.message.channel is None
        or not may_contact(
            records.get(m.message.contact_id, []),
            m.purpose,
            m.message.channel,
            ctx.now,
            purposes=purposes,
            later_withdrawals=True,
        )
    }


def _check_names_and_purposes(
    contact_rules: Sequence[ContactRule],
    others: Sequence[SubjectRule | None],
    purposes: Collection[str],
) -> None:
    names = [r.name for r in contact_rules] + [r.name for r in others if r is not None]
    if len(set(names)) != len(names):
        raise ValidationError("rules", names, "rule names must differ (they key the actions)")
    for rule in (*contact_rules, *others):  # before any work, not at the first message
        then = getattr(rule, "then", None)
        if isinstance(then, SendMessage):
            check_purpose(then.purpose, purposes)


def run_automation(
    ctx: AutomationContext,
    store: KeyStore,
    *,
    contact_rules: Sequence[ContactRule] = (),
    contacts: Iterable[ContactDates] = (),
    deal_rule: DealRotting | None = None,
    deals: Iterable[Deal] = (),
    overdue_rule: OverdueEscalation | None = None,
    tasks: Iterable[Task] = (),
    consents: Iterable[ConsentRecord] | _ConsentLookup = (),
    purposes: Collection[str] = DEFAULT_PURPOSES,
    batch_size: int = _BATCH,
    progress: ProgressCallback = quiet,
    subject_rules: Sequence[tuple[SubjectRule, Iterable[Any]]] = (),
) -> AutomationReport:
    """Evaluate the rules for ``ctx.on`` in one streaming pass over *contacts* and commit
    every action whose key is not yet done, *batch_size* actions per
    :meth:`KeyStore.commit_many`; ``progress("actions", met, 0)`` after each batch (the
    total is unknown while streaming), then ``("done", met, met)``.

    A message is queued only if its contact consents to the message's purpose on its
    channel at ``ctx.now`` and has not withdrawn since (:func:`crmkit.privacy.consent.may_contact`
    with ``later_withdrawals=True``);
    *consents* are the records, or a function ``lookup(contact_ids)`` returning the records
    of those contacts, called once per batch; *purposes* are the purposes they may name.
    Messages refused are reported in ``no_consent``. *subject_rules* pairs further rules
    (:class:`SubjectRule`, such as :class:`crmkit.service.escalation.CaseEscalation`) with
    the subjects read for each.

    >>> from datetime import UTC, date, datetime
    >>> from crmkit.privacy.consent import ConsentRecord
    >>> from crmkit.tasks.automation import BirthdayGreeting
    >>> store = InMemoryKeyStore()
    >>> ctx = AutomationContext.for_day(date(2026, 5, 1))
    >>> people = [ContactDates("c1", birthday=date(1990, 5, 1)),
    ...           ContactDates("c2", birthday=date(1992, 5, 1))]
    >>> yes = [ConsentRecord.new(contact_id="c1", purpose="marketing_email", granted=True,
    ...                          at=datetime(2026, 1, 1, tzinfo=UTC))]
    >>> first = run_automation(ctx, store, contact_rules=[BirthdayGreeting()], contacts=people,
    ...                        consents=yes)
    >>> [a.key for a in first.committed], first.no_consent
    (['birthday:c1:2026-05-01'], ('birthday:c2:2026-05-01',))
    >>> again = run_automation(ctx, store, contact_rules=[BirthdayGreeting()], contacts=people,
    ...                        consents=yes)
    >>> again.committed, again.skipped, len(again.no_consent)
    ((), 1, 1)
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError("batch_size", batch_size, "a positive integer")
    others = (deal_rule, overdue_rule, *(rule for rule, _ in subject_rules))
    _check_names_and_purposes(contact_rules, others, purposes)
    lookup = _lookup(consents)
    committed: list[Committable] = []
    unassigned: list[str] = []
    no_consent: list[str] = []
    skipped = 0
    stream = _candidates(
        ctx, contact_rules, contacts, deal_rule, deals, overdue_rule, tasks, subject_rules
    )
    met = 0
    while batch := list(islice(stream, batch_size)):
        done = store.seen([a.key for a in batch])
        new: list[Action] = []
        for candidate in batch:
            if candidate.key in done:
                skipped += 1
                continue
            done.add(candidate.key)  # one rule may meet the same subject twice in a batch
            new.append(candidate)
        # Consent before routing: a refused message spends no key and no round robin turn.
        messages = [a for a in new if isinstance(a, QueueMessage)]
        refused = _refused(ctx, messages, lookup, purposes)
        todo: list[Committable] = []
        for candidate in new:
            if candidate.key in refused:
                no_consent.append(candidate.key)
                continue
            action = candidate.route(ctx) if isinstance(candidate, Unassigned) else candidate
            if action is None:
                unassigned.append(candidate.key)
            else:
                todo.append(action)
        for action, fresh in zip(todo, store.commit_many(todo), strict=True):
            if fresh:
                committed.append(action)
            else:  # another run committed it since we asked
                skipped += 1
        met += len(batch)
        progress("actions", met, 0)
    progress("done", met, met)
    return AutomationReport(tuple(committed), skipped, tuple(unassigned), tuple(no_consent))
