"""``crm.contracts`` and ``crm.assets``: contracts and the equipment customers hold.

The kinds are declared in :mod:`crmkit._api.customer_file.kinds`; the moves are the pure
functions of :mod:`crmkit.customer_file.contracts`. ``expiring`` is two ranges of the
record store's key index (contract ends and last notice days, ISO dates that sort as
text); the contracts are read only when the caller asks for them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._api._records import load, move_time, of_known_contact
from crmkit._api.customer_file.kinds import ASSETS, CONTRACTS, QUOTES
from crmkit._api.customer_file.products import find_product
from crmkit._text_limits import clean_text
from crmkit._types import Money, check_duration, ensure_day
from crmkit.customer_file import contracts as moves
from crmkit.customer_file.assets import Asset, serial_key
from crmkit.customer_file.contracts import Contract
from crmkit.customer_file.expiring import ExpiringContracts
from crmkit.errors import RecordNotFoundError, UniqueKeyError, ValidationError
from crmkit.storage.generic import key_index
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.records import check_limit

__all__ = ["AssetsAPI", "ContractsAPI"]


def _load(uow: UnitOfWork, contract_id: Any) -> Contract:
    return load(CONTRACTS.on(uow), contract_id, field="contract_id", what="contract")


def _owned(contact_id: str, owner: str | None, field: str, value: str) -> None:
    if owner != contact_id:
        raise ValidationError(field, value, "it belongs to another contact")


class ContractsAPI:
    """Contracts: draft → sent → signed, active and ended by their dates, renewed or
    terminated (see :mod:`crmkit.customer_file.contracts`)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _at(self, at: Any) -> Any:
        return self._ctx.clock() if at is None else at

    def create(
        self,
        contact_id: str,
        *,
        title: str,
        starts_on: date,
        ends_on: date,
        value: Money,
        renewal: str = "manual",
        notice: timedelta = timedelta(0),
        quote_id: str | None = None,
        at: datetime | None = None,
    ) -> Contract:
        """A draft contract; ``quote_id`` must name a quote of the same contact."""
        contract = Contract.new(
            contact_id,
            title=title,
            starts_on=starts_on,
            ends_on=ends_on,
            value=value,
            renewal=renewal,
            notice=notice,
            at=self._at(at),
            quote_id=quote_id,
        )
        with self._ctx.write() as uow:
            uow.contacts.get(contact_id)
            if quote_id is not None:
                try:
                    quote = QUOTES.on(uow).get(quote_id)
                except RecordNotFoundError:
                    raise RecordNotFoundError("quote", quote_id) from None
                _owned(contact_id, quote.contact_id, "quote_id", quote_id)
            CONTRACTS.on(uow).add(contract)
            uow.commit()
        return contract

    def _apply(
        self, contract_id: str, at: Any, step: Callable[[Contract, Any], Contract]
    ) -> Contract:
        with self._ctx.write() as uow:
            contract = _load(uow, contract_id)
            contract = step(contract, move_time(self._ctx, contract.last_move, at))
            CONTRACTS.on(uow).update(contract)
            uow.commit()
        return contract

    def send(self, contract_id: str, *, at: datetime | None = None) -> Contract:
        return self._apply(contract_id, at, lambda k, when: moves.send(k, at=when))

    def sign(self, contract_id: str, *, signed_by: str, at: datetime | None = None) -> Contract:
        """Draft or sent → signed; the contract reads as active from ``starts_on``."""
        return self._apply(
            contract_id, at, lambda k, when: moves.sign(k, at=when, signed_by=signed_by)
        )

    def renew(self, contract_id: str, *, ends_on: date, at: datetime | None = None) -> Contract:
        """Extend a signed contract to *ends_on*; the previous end is kept in ``renewals``."""
        return self._apply(
            contract_id, at, lambda k, when: moves.renew(k, ends_on=ends_on, at=when)
        )

    def terminate(self, contract_id: str, *, reason: str, at: datetime | None = None) -> Contract:
        return self._apply(
            contract_id, at, lambda k, when: moves.terminate(k, at=when, reason=reason)
        )

    def get(self, contract_id: str) -> Contract:
        with self._ctx.read() as uow:
            return _load(uow, contract_id)

    def for_contact(self, contact_id: str) -> list[Contract]:
        """The contact's contracts, oldest first."""
        with self._ctx.read() as uow:
            return of_known_contact(uow, contact_id, CONTRACTS.on(uow).for_contact(contact_id))

    def expiring(
        self, *, within: timedelta, as_of: date | None = None, limit: int | None = None
    ) -> ExpiringContracts:
        """Signed contracts whose end, or last day for notice (``ends_on - notice``), falls
        in ``[as_of, as_of + within]``; by end date, then id; the first *limit* of them
        when given. ``as_of`` defaults to today (UTC).

        The answer comes from the record store's key index (two ranges, plus the end date
        of those found by their notice day), so its ``ids`` and ``ends_on`` cost no
        contract read; the contracts themselves are read a page at a time when first
        asked for (see :class:`crmkit.customer_file.expiring.ExpiringContracts`)."""
        day = self._ctx.clock().date() if as_of is None else ensure_day(as_of, "as_of")
        last = day + timedelta(days=check_duration(within, "within").days)
        check_limit(limit)
        lo, hi = day.isoformat(), last.isoformat()
        with self._ctx.read() as uow:
            ends = key_index(uow.records, CONTRACTS.name, "ends", at_least=lo, at_most=hi)
            notice = key_index(uow.records, CONTRACTS.name, "notice", at_least=lo, at_most=hi)
        in_window = {i for i, _ in ends}
        # Found by their notice day only, they end after the window, so after all the others;
        # their end dates are looked up when the order past the others is first needed.
        later = [i for i, _ in notice if i not in in_window]
        first = [(i, date.fromisoformat(d)) for i, d in ends]
        if limit is not None and limit <= len(first):
            return ExpiringContracts(first[:limit], self._read)
        found = ExpiringContracts(first, self._read, later=later, ends_of=self._ends_of)
        if limit is None or limit >= len(found):
            return found
        pairs = list(zip(found.ids, found.ends_on, strict=True))
        return ExpiringContracts(pairs[:limit], self._read)

    def _read(self, contract_ids: list[str]) -> list[Contract]:
        with self._ctx.read() as uow:
            return CONTRACTS.on(uow).get_many(contract_ids)

    def _ends_of(self, contract_ids: list[str]) -> list[tuple[str, date]]:
        with self._ctx.read() as uow:
            pairs = key_index(uow.records, CONTRACTS.name, "ends", record_ids=contract_ids)
        return [(i, date.fromisoformat(d)) for i, d in pairs]


class AssetsAPI:
    """Equipment at a contact; serials are unique in the workspace (case ignored)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(
        self,
        contact_id: str,
        *,
        sku: str,
        serial: str,
        installed_on: date | None = None,
        warranty_until: date | None = None,
        contract_id: str | None = None,
        at: datetime | None = None,
    ) -> Asset:
        """:class:`crmkit.errors.UniqueKeyError` if the serial is taken; ``contract_id``
        must name a contract of the same contact."""
        when = self._ctx.clock() if at is None else at
        asset = Asset.new(
            contact_id,
            sku=sku,
            serial=serial,
            at=when,
            installed_on=installed_on,
            warranty_until=warranty_until,
            contract_id=contract_id,
        )
        with self._ctx.write() as uow:
            uow.contacts.get(contact_id)
            if contract_id is not None:
                contract = _load(uow, contract_id)
                _owned(contact_id, contract.contact_id, "contract_id", contract_id)
            if ASSETS.on(uow).count("serial", equals=asset.key):
                raise UniqueKeyError("asset", "serial", asset.serial)
            product = find_product(uow, asset.sku)
            if product is not None:
                asset = attrs.evolve(asset, product_id=product.id)
            ASSETS.on(uow).add(asset)
            uow.commit()
        return asset

    def get(self, asset_id: str) -> Asset:
        with self._ctx.read() as uow:
            return load(ASSETS.on(uow), asset_id, field="asset_id", what="asset")

    def by_serial(self, serial: str) -> Asset:
        """The asset of this serial (case ignored); :class:`RecordNotFoundError` if none."""
        key = serial_key(clean_text("serial", serial, required=True) or "")
        with self._ctx.read() as uow:
            found = ASSETS.on(uow).select("serial", equals=key, limit=1)
        if not found:
            raise RecordNotFoundError("asset", serial)
        return found[0]

    def for_contact(self, contact_id: str) -> list[Asset]:
        """The contact's assets, oldest first."""
        with self._ctx.read() as uow:
            return of_known_contact(uow, contact_id, ASSETS.on(uow).for_contact(contact_id))
