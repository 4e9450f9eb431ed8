"""``crm.loyalty``: loyalty programs and their points ledgers.

The kinds are declared in :mod:`crmkit._api.marketing.loyalty_kinds`; balances, expiry and tiers are
the pure functions of :mod:`crmkit.marketing.loyalty`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit._api._base import Context
from crmkit._api._races import retry_lost_races
from crmkit._api.marketing.loyalty_kinds import LOYALTY_PROGRAMS, POINTS_ENTRIES
from crmkit._text_limits import clean_text
from crmkit._types import Money, ensure_aware, new_id
from crmkit.errors import (
    CurrencyMismatchError,
    InsufficientPointsError,
    InvalidDatetimeError,
    RecordNotFoundError,
    ValidationError,
)
from crmkit.marketing import loyalty as rules
from crmkit.marketing.loyalty import EntryKind, LoyaltyProgram, PointsEntry
from crmkit.storage.protocols import UnitOfWork
from crmkit.value.rates import RatesTable

__all__ = ["LoyaltyAPI", "add_entry", "find_program"]


def find_program(uow: UnitOfWork, name: str | None) -> LoyaltyProgram:
    """The program named *name* (``None``: the workspace's only one)."""
    programs = LOYALTY_PROGRAMS.on(uow)
    if name is not None:
        clean_text("program", name, required=True)
        found = programs.select("name", equals=" ".join(name.split()).casefold())
        if not found:
            raise RecordNotFoundError("loyalty program", name)
        return found[0]
    every = programs.select()
    if len(every) != 1:
        names = ", ".join(sorted(p.name for p in every)) or "none yet"
        raise ValidationError("program", None, f"name one of the programs ({names})")
    return every[0]


def _ledger(uow: UnitOfWork, contact_id: str, program: LoyaltyProgram) -> list[PointsEntry]:
    uow.contacts.get(contact_id)
    entries = POINTS_ENTRIES.on(uow).for_contact(contact_id)
    return [e for e in entries if e.program_id == program.id]


class LoyaltyAPI:
    """Points earned on purchases, spent on rewards, expiring first in, first out.

    Every method takes ``program=`` (a program's name); without it, the workspace's only
    program is meant.

    >>> from datetime import UTC, datetime, timedelta
    >>> from decimal import Decimal
    >>> from crmkit import CRM, Money
    >>> crm = CRM()
    >>> club = crm.loyalty.create_program("Club", points_per_unit=Decimal("1"), currency="EUR",
    ...                                   tiers={"Silver": 0, "Gold": 1000},
    ...                                   expire_after=timedelta(days=365))
    >>> ana = crm.contacts.create(name="Ana Popa")
    >>> t = datetime(2026, 3, 1, tzinfo=UTC)
    >>> crm.loyalty.earn(ana.id, amount=Money("1200.50", "EUR"), at=t).points
    1200
    >>> _ = crm.loyalty.redeem(ana.id, points=200, at=t + timedelta(days=1))
    >>> crm.loyalty.balance(ana.id, as_of=t + timedelta(days=2)), crm.loyalty.tier(ana.id, as_of=t)
    (1000, 'Gold')
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create_program(
        self,
        name: str,
        *,
        points_per_unit: Decimal,
        currency: str,
        tiers: Mapping[str, int] | None = None,
        expire_after: timedelta | None = None,
    ) -> LoyaltyProgram:
        """A program whose purchases in *currency* earn *points_per_unit* per unit (rounded
        down); *tiers* maps tier names to the points earned in the last 365 days that reach
        them; points expire *expire_after* after they were earned (never, if ``None``). A
        name is used once per workspace (:class:`crmkit.errors.UniqueKeyError`)."""
        program = LoyaltyProgram.new(
            name,
            points_per_unit=points_per_unit,
            currency=currency,
            tiers={} if tiers is None else tiers,
            expire_after=expire_after,
            now=self._ctx.clock(),
        )
        with self._ctx.write() as uow:
            LOYALTY_PROGRAMS.on(uow).add(program)
            uow.commit()
        return program

    def program(self, name: str | None = None) -> LoyaltyProgram:
        with self._ctx.read() as uow:
            return find_program(uow, name)

    def earn(
        self,
        contact_id: str,
        *,
        amount: Money,
        at: datetime | None = None,
        transaction_id: str | None = None,
        rates: RatesTable | None = None,
        program: str | None = None,
    ) -> PointsEntry:
        """Points for a purchase of *amount*, expiring ``expire_after`` from *at*. An amount
        in another currency than the program's needs *rates*
        (:class:`crmkit.errors.CurrencyMismatchError` otherwise)."""
        return self._write(contact_id, "earn", amount, at, transaction_id, rates, program)

    def refund(
        self,
        contact_id: str,
        *,
        amount: Money,
        at: datetime | None = None,
        transaction_id: str | None = None,
        rates: RatesTable | None = None,
        program: str | None = None,
    ) -> PointsEntry:
        """Take back the points a refund of *amount* had earned, oldest first; no more than
        the contact holds then (the balance never goes below zero)."""
        return self._write(contact_id, "refund", amount, at, transaction_id, rates, program)

    def redeem(
        self,
        contact_id: str,
        *,
        points: int,
        at: datetime | None = None,
        program: str | None = None,
    ) -> PointsEntry:
        """Spend *points*, oldest first; more than the balance at *at* raises
        :class:`crmkit.errors.InsufficientPointsError` and writes nothing."""
        return self._write(
            contact_id, "redeem", rules.check_points(points), at, None, None, program
        )

    def balance(
        self, contact_id: str, *, as_of: datetime | None = None, program: str | None = None
    ) -> int:
        """The points held at *as_of* (default: now), replayed from the ledger: earned, less
        spent and taken back, less expired lots."""
        when = ensure_aware(self._ctx.clock() if as_of is None else as_of, "as_of")
        with self._ctx.read() as uow:
            return rules.balance(_ledger(uow, contact_id, find_program(uow, program)), as_of=when)

    def tier(
        self, contact_id: str, *, as_of: datetime | None = None, program: str | None = None
    ) -> str | None:
        """The tier the points earned in the 365 days up to *as_of* reach (``None``: below
        every threshold)."""
        when = ensure_aware(self._ctx.clock() if as_of is None else as_of, "as_of")
        with self._ctx.read() as uow:
            found = find_program(uow, program)
            return rules.tier_of(found, _ledger(uow, contact_id, found), as_of=when)

    def entries(self, contact_id: str, *, program: str | None = None) -> list[PointsEntry]:
        """The contact's ledger, oldest first."""
        with self._ctx.read() as uow:
            found = _ledger(uow, contact_id, find_program(uow, program))
        return sorted(found, key=lambda e: (e.at, e.seq))

    def _write(
        self,
        contact_id: str,
        kind: EntryKind,
        value: Money | int,
        at: datetime | None,
        transaction_id: str | None,
        rates: RatesTable | None,
        program: str | None,
    ) -> PointsEntry:
        when = ensure_aware(self._ctx.clock() if at is None else at, "at")
        transaction = clean_text("transaction_id", transaction_id)
        return retry_lost_races(
            lambda: self._write_once(contact_id, kind, value, when, transaction, rates, program)
        )

    def _write_once(
        self,
        contact_id: str,
        kind: EntryKind,
        value: Money | int,
        at: datetime,
        transaction_id: str | None,
        rates: RatesTable | None,
        program: str | None,
    ) -> PointsEntry:
        with self._ctx.write() as uow:
            found = find_program(uow, program)
            uow.contacts.get(contact_id)
            if transaction_id is not None:
                uow.transactions.get(transaction_id)
            points = value if isinstance(value, int) else self._points(found, value, at, rates)
            entry = add_entry(uow, contact_id, found, kind, points, at, transaction_id)
            uow.commit()
        return entry

    @staticmethod
    def _points(
        program: LoyaltyProgram, amount: Any, at: datetime, rates: RatesTable | None
    ) -> int:
        if not isinstance(amount, Money) or amount.amount <= 0:
            raise ValidationError("amount", amount, "a crmkit.Money above zero")
        if amount.currency != program.currency:
            if rates is None:
                raise CurrencyMismatchError(
                    "amount", amount, f"the program counts {program.currency}; pass rates="
                )
            amount = rates.convert(amount, at.date(), program.currency)
        return rules.points_for(amount.amount, program.points_per_unit)


def add_entry(
    uow: UnitOfWork,
    contact_id: str,
    program: LoyaltyProgram,
    kind: EntryKind,
    points: int,
    at: datetime,
    transaction_id: str | None = None,
) -> PointsEntry:
    """Write one entry of the contact's ledger in *uow* (not committed): a spend is checked
    against the balance, points earned or given expire ``expire_after`` from *at*. The
    entry takes the ledger's next ``seq``: a concurrent writer makes the store refuse one."""
    ledger = _ledger(uow, contact_id, program)
    if kind in ("redeem", "refund"):
        _check_spend(ledger, kind, points, at)
    expires = None
    if kind in ("earn", "bonus") and program.expire_after is not None:
        expires = at + program.expire_after
    entry = PointsEntry(
        new_id(),
        contact_id,
        program.id,
        kind,
        points,
        at,
        rules.next_seq(ledger),
        expires_at=expires,
        transaction_id=transaction_id,
    )
    POINTS_ENTRIES.on(uow).add(entry)
    return entry


def _check_spend(ledger: list[PointsEntry], kind: EntryKind, points: int, at: datetime) -> None:
    latest = max((e.at for e in ledger), default=None)
    if latest is not None and at < latest:
        # An earlier spend would change what the later ones took.
        raise InvalidDatetimeError("at", at, f"before the ledger's latest entry ({latest})")
    held = rules.balance(ledger, as_of=at)
    if kind == "redeem" and points > held:
        raise InsufficientPointsError("points", points, f"the balance at {at} is {held}")
