"""``crm.sla`` and ``crm.cases``: the service desk, stored on the generic record store.

Cases, SLA policies and contact reasons are kinds declared in
:mod:`crmkit._api.service.kinds`; no backend knows them. Beside each case the facts the
service report sums are written (``uow.case_facts``, :mod:`crmkit.service.facts`), which
the SQL backends keep in a table of their own so the report is one grouped query. The
moves are the pure functions of :mod:`crmkit.service.transitions`; this module loads,
checks links and stores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from crmkit._api._base import Context
from crmkit._api._records import load, of_known_contact
from crmkit._api.service.kinds import ASSIGNEE_SEPARATOR, CASE_REASONS, CASES
from crmkit._api.service.sla import policy_for
from crmkit._api.tasks.routing import Router, directory_of
from crmkit._text_limits import clean_text
from crmkit._types import check_duration, ensure_aware
from crmkit.contacts import Contact
from crmkit.errors import (
    AlreadyExistsError,
    InvalidTransitionError,
    ValidationError,
)
from crmkit.interactions import Direction, Interaction
from crmkit.service import transitions as moves
from crmkit.service.case import Case
from crmkit.service.clocks import Clock, running_dues
from crmkit.service.facts import case_facts
from crmkit.service.reasons import DEFAULT_REASONS, ContactReason
from crmkit.service.report import ServiceReport, check_period, report_of
from crmkit.storage.codec import sortable_time
from crmkit.storage.protocols import UnitOfWork
from crmkit.tasks.routing import Policy
from crmkit.tasks.task import Priority

__all__ = ["CasesAPI", "breaches", "build_service_report"]


def _store(uow: UnitOfWork, case: Case, *, new: bool = False) -> None:
    """Write the case and, beside it, the facts the service report sums."""
    if new:
        CASES.on(uow).add(case)
    else:
        CASES.on(uow).update(case)
    uow.case_facts.put(case_facts(case))


def _routed(router: Router, uow: UnitOfWork, team: str | None, contact: Contact) -> str | None:
    try:
        return router.choose(uow, team, contact).assignee
    except ValidationError:  # nobody to choose: the case waits, unassigned
        return None


def _reasons(uow: UnitOfWork) -> list[str]:
    return [*DEFAULT_REASONS, *(r.name for r in CASE_REASONS.on(uow).select())]


class CasesAPI:
    """Service cases: opened for a contact, answered, paused, resolved, rated.

    A case opened without ``assignee=`` is routed by :attr:`routing` (empty at first: the
    case stays unassigned until :meth:`assign`), with the policies of ``crm.tasks``.

    >>> from datetime import UTC, datetime, time, timedelta
    >>> from crmkit import CRM
    >>> from crmkit.service import WorkingHours
    >>> crm = CRM()
    >>> _ = crm.sla.create("24x7", first_response=timedelta(hours=1),
    ...                    resolution=timedelta(hours=8), hours=WorkingHours.always(),
    ...                    timezone="UTC")
    >>> c = crm.contacts.create(name="Besa Kola")
    >>> t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
    >>> case = crm.cases.open(c.id, subject="No signal", reason="equipment_fault", opened_at=t0)
    >>> case.status.value, case.first_response_due.isoformat()
    ('new', '2026-11-02T10:00:00+00:00')
    >>> [clock for _, clock, _ in crm.cases.breaching(at=t0 + timedelta(hours=2))]
    ['first_response']
    >>> case = crm.cases.respond(case.id, by="ewa", at=t0 + timedelta(minutes=30))
    >>> case.status.value, crm.cases.breaching(at=t0 + timedelta(hours=2))
    ('open', [])
    >>> for agent in ("ewa", "jan"):
    ...     _ = crm.cases.open(c.id, subject="No signal", reason="equipment_fault",
    ...                        opened_at=t0, assignee=agent)
    >>> [case.assignee for case, _, _ in crm.cases.breaching(at=t0 + timedelta(hours=2),
    ...                                                      assignee="jan")]
    ['jan']
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        #: The routing policies :meth:`open` asks when no assignee is given, as
        #: ``crm.tasks.routing`` (e.g. ``(ContactOwnerFirst(), RoundRobin())`` with
        #: ``team="desk"``). Empty: cases stay unassigned.
        self.routing: tuple[Policy, ...] = ()

    def _at(self, at: Any) -> Any:
        return self._ctx.clock() if at is None else at

    def _load(self, uow: UnitOfWork, case_id: Any) -> Case:
        return load(CASES.on(uow), case_id, field="case_id", what="case")

    def _apply(self, case_id: str, step: Callable[[Case], Case]) -> Case:
        with self._ctx.write() as uow:
            case = step(self._load(uow, case_id))
            _store(uow, case)
            uow.commit()
        return case

    def open(
        self,
        contact_id: str,
        *,
        subject: str,
        reason: str,
        priority: str | Priority = Priority.NORMAL,
        channel: str = "other",
        opened_at: datetime | None = None,
        sla: str | None = None,
        assignee: str | None = None,
        by: str | None = None,
        deal_id: str | None = None,
        asset_id: str | None = None,
        contract_id: str | None = None,
        team: str | None = None,
        policies: Sequence[Policy] | None = None,
    ) -> Case:
        """Open a ``new`` case for an existing contact. The SLA policy is the one of the
        case's priority, else the default one (``sla=`` names one instead); without any,
        the case has no due times. The deal, asset and contract ids are kept as given.

        Without ``assignee`` the routing *policies* choose (default: :attr:`routing`)
        among the active members of ``team=`` in the users directory, as for tasks (their
        load is their open tasks; round robin turns are stored with the case). When none
        chooses anyone the case opens unassigned: a customer's request is never refused
        for want of an agent."""
        when = ensure_aware(self._at(opened_at), "opened_at")
        clean_text("team", team)
        with self._ctx.write() as uow:
            contact = uow.contacts.get(contact_id)
            router = None
            chosen = policies if policies is not None else self.routing
            if assignee is None and chosen:
                router = Router.load(uow, chosen)
                assignee = _routed(router, uow, team, contact)
            case = moves.open_case(
                contact_id,
                subject=subject,
                reason=reason,
                reasons=_reasons(uow),
                at=when,
                sla=policy_for(uow, priority, sla),
                priority=priority,
                channel=channel,
                by=by,
                assignee=self._who(uow, assignee),
                deal_id=deal_id,
                asset_id=asset_id,
                contract_id=contract_id,
            )
            _store(uow, case, new=True)
            if router is not None:
                router.save(uow)
            uow.commit()
        return case

    def _who(self, uow: UnitOfWork, user: Any, field: str = "assignee") -> str | None:
        who = clean_text(field, user)
        directory = directory_of(uow)
        if who is not None and directory is not None:
            directory.require(who, field)
        return who

    def respond(
        self,
        case_id: str,
        *,
        by: str,
        at: datetime | None = None,
        summary: str | None = None,
        channel: str | None = None,
    ) -> Case:
        """Log a reply as an outbound interaction on the contact (on the case's channel
        unless *channel* is given, handled by *by*). The first reply stops the first-response
        clock and moves a ``new`` case to ``open``; later ones only log."""
        when = ensure_aware(self._at(at), "at")
        with self._ctx.write() as uow:
            case = self._load(uow, case_id)
            if case.contact_id is None:
                raise InvalidTransitionError("contact_id", None, "the case's contact was erased")
            answered = moves.respond(case, at=when, by=by)
            reply = Interaction.new(
                contact_id=case.contact_id,
                channel=channel or case.channel,
                direction=Direction.OUTBOUND,
                occurred_at=when,
                summary=summary,
                handled_by=by,
                now=self._ctx.clock(),
            )
            uow.interactions.add(reply)
            if answered is not case:
                _store(uow, answered)
            uow.commit()
        return answered

    def set_status(
        self,
        case_id: str,
        status: str,
        *,
        at: datetime | None = None,
        by: str | None = None,
        note: str | None = None,
    ) -> Case:
        """Move to *status*: ``"waiting_on_customer"`` pauses both clocks, ``"open"``
        resumes them (see :func:`crmkit.service.transitions.set_status`)."""
        when = self._at(at)
        return self._apply(
            case_id, lambda c: moves.set_status(c, status, at=when, by=by, note=note)
        )

    def resolve(
        self,
        case_id: str,
        *,
        at: datetime | None = None,
        by: str | None = None,
        resolution: str | None = None,
    ) -> Case:
        when = self._at(at)
        return self._apply(
            case_id, lambda c: moves.resolve(c, at=when, by=by, resolution=resolution)
        )

    def reopen(
        self,
        case_id: str,
        *,
        at: datetime | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> Case:
        when = self._at(at)
        return self._apply(case_id, lambda c: moves.reopen(c, at=when, by=by, reason=reason))

    def close(self, case_id: str, *, at: datetime | None = None, by: str | None = None) -> Case:
        when = self._at(at)
        return self._apply(case_id, lambda c: moves.close(c, at=when, by=by))

    def rate(
        self, case_id: str, *, score: int, at: datetime | None = None, comment: str | None = None
    ) -> Case:
        """The customer's satisfaction score, 1 to 5, of a resolved or closed case."""
        when = self._at(at)
        return self._apply(case_id, lambda c: moves.rate(c, score=score, at=when, comment=comment))

    def assign(self, case_id: str, *, to: str, at: datetime | None = None) -> Case:
        """Hand the case to *to* (a known, active user once the workspace keeps a users
        directory)."""
        when = self._at(at)
        with self._ctx.write() as uow:
            case = moves.assign(self._load(uow, case_id), to=self._who(uow, to, "to"), at=when)
            _store(uow, case)
            uow.commit()
        return case

    def get(self, case_id: str) -> Case:
        with self._ctx.read() as uow:
            return self._load(uow, case_id)

    def for_contact(self, contact_id: str) -> list[Case]:
        """The contact's cases, oldest first."""
        with self._ctx.read() as uow:
            return of_known_contact(uow, contact_id, CASES.on(uow).for_contact(contact_id))

    def breaching(
        self,
        *,
        at: datetime | None = None,
        within: timedelta = timedelta(0),
        limit: int | None = None,
        assignee: str | None = None,
    ) -> list[tuple[Case, Clock, datetime]]:
        """``(case, clock, due)`` for every running clock due by ``at + within`` (breached
        already, or about to), soonest first: what to escalate. Paused clocks (waiting on
        the customer) and stopped ones are not listed. ``limit`` caps the cases read (the
        soonest due); ``assignee`` keeps the cases of one agent (a name, as assigned).
        """
        last = ensure_aware(self._at(at), "at") + check_duration(within, "within")
        with self._ctx.read() as uow:
            return breaches(uow, by=last, assignee=assignee, limit=limit)

    def add_reason(self, name: str) -> ContactReason:
        """A contact reason beyond :data:`crmkit.service.DEFAULT_REASONS` for this
        workspace; :class:`crmkit.errors.AlreadyExistsError` if it is known already."""
        reason = ContactReason.new(name, at=self._ctx.clock())
        if reason.name in DEFAULT_REASONS:
            raise AlreadyExistsError("contact reason", reason.name)
        with self._ctx.write() as uow:
            CASE_REASONS.on(uow).add(reason)
            uow.commit()
        return reason

    def reasons(self) -> list[str]:
        """The workspace's contact reasons: the defaults, then those added."""
        with self._ctx.read() as uow:
            return _reasons(uow)


def breaches(
    uow: UnitOfWork, *, by: datetime, assignee: Any = None, limit: int | None = None
) -> list[tuple[Case, Clock, datetime]]:
    """What :meth:`CasesAPI.breaching` lists: running clocks due by *by*, soonest first."""
    horizon = sortable_time(by)
    who = clean_text("assignee", assignee)
    cases = CASES.on(uow)
    if who is None:
        found = cases.select("next_due", at_most=horizon, limit=limit)
    else:
        mine = who + ASSIGNEE_SEPARATOR
        found = cases.select("assignee_due", at_least=mine, at_most=mine + horizon)
        found = [c for c in found if c.assignee == who][:limit]
    rows = [(c, clock, due) for c in found for clock, due in running_dues(c) if due <= by]
    return sorted(rows, key=lambda row: (row[2], row[0].id))


def build_service_report(
    ctx: Context, *, since: datetime, until: datetime, at: datetime | None = None
) -> ServiceReport:
    lo, hi, now = check_period(since, until, ctx.clock() if at is None else at)
    with ctx.read() as uow:
        figures = uow.case_facts.figures(since=lo, until=hi, at=now)
    return report_of(figures, since=lo, until=hi, at=now)
