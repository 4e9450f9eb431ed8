"""Contract: the customer file (``crm.products``, ``crm.quotes``, ``crm.contracts``,
``crm.assets``) on the generic record store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit._types import Money
from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.customer_file import Contract, FreeTextLine, Quote
from crmkit.errors import (
    ContactNotFoundError,
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidMoneyError,
    InvalidTransitionError,
    RecordNotFoundError,
    UniqueKeyError,
    UnknownSkuError,
    ValidationError,
)
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["CustomerFileContract"]

DAY = timedelta(days=1)
EUR = "EUR"


class CustomerFileContract(ContractBase):
    def _catalogue(self, crm: CRM) -> Contact:
        crm.products.create(
            sku="GOLD-12",
            name="Gold package, 12 months",
            category="Packages",
            price=Money("600.00", EUR),
            vat_rate=Decimal("0.20"),
        )
        crm.products.create(
            sku="SETUP",
            name="Installation",
            category="services",
            price=Money("99.99", EUR),
            vat_rate=Decimal("0.08"),
        )
        return crm.contacts.create(name="Besa Kola", emails=["besa@example.al"])

    def _quote(self, crm: CRM, contact: Contact, **fields: Any) -> Quote:
        fields.setdefault("lines", [("GOLD-12", 2), ("SETUP", 1, Decimal("0.10"))])
        fields.setdefault("valid_until", date(2026, 5, 31))
        return crm.quotes.create(contact.id, **fields)

    def _contract(self, crm: CRM, contact: Contact, **fields: Any) -> Contract:
        fields.setdefault("title", "Support 2027")
        fields.setdefault("starts_on", date(2027, 1, 1))
        fields.setdefault("ends_on", date(2027, 12, 31))
        fields.setdefault("value", Money("1200.00", EUR))
        fields.setdefault("renewal", "auto")
        fields.setdefault("notice", timedelta(days=30))
        return crm.contracts.create(contact.id, **fields)

    def _signed(self, crm: CRM, contact: Contact, **fields: Any) -> Contract:
        return crm.contracts.sign(self._contract(crm, contact, **fields).id, signed_by="Besa")

    # products

    def test_a_product_is_found_by_sku_ignoring_case_or_by_id(self, crm: CRM) -> None:
        self._catalogue(crm)
        gold = crm.products.get(" gold-12 ")
        assert (gold.sku, gold.price, gold.vat_rate) == (
            "GOLD-12",
            Money("600.00", EUR),
            Decimal("0.20"),
        )
        assert crm.products.get(gold.id) == gold
        with pytest.raises(RecordNotFoundError):
            crm.products.get("PLATINUM")

    def test_a_sku_is_taken_once_whatever_its_case(self, crm: CRM) -> None:
        self._catalogue(crm)
        with pytest.raises(UniqueKeyError, match="Gold-12"):
            crm.products.create(
                sku="Gold-12", name="Twin", price=Money("1", EUR), vat_rate=Decimal(0)
            )
        assert len(crm.products.all()) == 2

    def test_products_are_listed_by_category_ignoring_case(self, crm: CRM) -> None:
        self._catalogue(crm)
        assert [p.sku for p in crm.products.all()] == ["GOLD-12", "SETUP"]
        assert [p.sku for p in crm.products.all(category="packages")] == ["GOLD-12"]

    def test_an_update_changes_what_is_given_and_keeps_old_quotes(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        quote = self._quote(crm, besa, lines=[("GOLD-12", 1)])
        gold = crm.products.update("GOLD-12", price=Money("650.00", EUR), category=None)
        assert (gold.price, gold.category, gold.name) == (
            Money("650.00", EUR),
            None,
            "Gold package, 12 months",
        )
        assert crm.quotes.get(quote.id).net == Money("600.00", EUR)

    def test_a_vat_rate_outside_zero_to_one_or_float_money_is_refused(self, crm: CRM) -> None:
        for rate in (Decimal("1.01"), Decimal("-0.1"), 0.2):
            with pytest.raises(ValidationError, match="vat_rate"):
                crm.products.create(sku="X", name="X", price=Money("1", EUR), vat_rate=rate)  # type: ignore[arg-type]
        with pytest.raises(InvalidMoneyError):
            crm.products.create(sku="X", name="X", price=Money(1.5, EUR), vat_rate=Decimal(0))  # type: ignore[arg-type]
        assert crm.products.all() == []

    # quotes

    def test_a_quote_prices_its_lines_from_the_catalogue(self, crm: CRM) -> None:
        quote = self._quote(crm, self._catalogue(crm))
        # 2 × 600.00 at 20 %; 99.99 less 10 % = 89.991 → 89.99 at 8 % = 7.1992 → 7.20
        assert [(line.net, line.vat) for line in quote.lines] == [
            (Money("1200.00", EUR), Money("240.00", EUR)),
            (Money("89.99", EUR), Money("7.20", EUR)),
        ]
        assert (quote.net, quote.vat, quote.gross) == (
            Money("1289.99", EUR),
            Money("247.20", EUR),
            Money("1537.19", EUR),
        )
        assert quote.vat_by_rate() == {
            Decimal("0.20"): Money("240.00", EUR),
            Decimal("0.08"): Money("7.20", EUR),
        }
        assert crm.quotes.get(quote.id) == quote
        assert crm.quotes.for_contact(quote.contact_id or "") == [quote]

    def test_bad_lines_are_refused_and_nothing_is_written(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        bad: list[tuple[list[Any], type[Exception], str]] = [
            ([("PLATINUM", 1)], UnknownSkuError, "PLATINUM"),
            ([("GOLD-12", 0)], ValidationError, "quantity"),
            ([("GOLD-12", -2)], ValidationError, "quantity"),
            ([("GOLD-12", 1.5)], ValidationError, "quantity"),
            ([("GOLD-12", 1, Decimal(1))], ValidationError, "discount"),
            ([], ValidationError, "lines"),
        ]
        for lines, error, word in bad:
            with pytest.raises(error, match=word):
                self._quote(crm, besa, lines=lines)
        with pytest.raises(CurrencyMismatchError):
            self._quote(
                crm,
                besa,
                lines=[("GOLD-12", 1), FreeTextLine("Cable", Money("5", "USD"), Decimal(0))],
            )
        with pytest.raises(ContactNotFoundError):
            crm.quotes.create("nobody", lines=[("GOLD-12", 1)], valid_until=date(2026, 6, 1))
        assert crm.quotes.for_contact(besa.id) == []

    def test_a_free_text_line_is_taken_only_when_explicit(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        cable = FreeTextLine("Extra cable, 10 m", Money("12.50", EUR), Decimal("0.20"), quantity=2)
        quote = self._quote(crm, besa, lines=[cable])
        assert (quote.lines[0].sku, quote.gross) == (None, Money("30.00", EUR))

    def test_an_inactive_product_cannot_be_quoted(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        crm.products.update("SETUP", active=False)
        with pytest.raises(ValidationError, match="inactive"):
            self._quote(crm, besa)

    def test_a_sent_quote_is_accepted_and_wins_its_deal(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        pipeline = crm.pipelines.create("Sales", stages=["lead", "offer"])
        deal = crm.deals.create(
            pipeline_id=pipeline.id, title="Gold", value=Money("1200", EUR), contact_id=besa.id
        )
        quote = self._quote(crm, besa, deal_id=deal.id)
        with pytest.raises(InvalidTransitionError):
            crm.quotes.accept(quote.id, at=T0 + DAY)  # a draft must be sent first
        crm.quotes.send(quote.id, at=T0 + DAY)
        accepted = crm.quotes.accept(quote.id, at=T0 + 2 * DAY)
        assert (accepted.status.value, accepted.decided_at) == ("accepted", T0 + 2 * DAY)
        assert crm.deals.get(deal.id).status.value == "won"
        with pytest.raises(InvalidTransitionError):
            crm.quotes.decline(quote.id, at=T0 + 3 * DAY)

    def test_a_quote_expires_after_valid_until(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        quote = crm.quotes.send(self._quote(crm, besa).id, at=T0)
        assert quote.status_on(date(2026, 6, 1)).value == "expired"
        late = datetime(2026, 6, 1, 0, 30, tzinfo=UTC)
        with pytest.raises(InvalidTransitionError, match="expired"):
            crm.quotes.accept(quote.id, at=late)
        assert crm.quotes.decline(quote.id, at=late - DAY).status.value == "declined"

    def test_naive_datetimes_are_refused(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        quote = self._quote(crm, besa)
        with pytest.raises(InvalidDatetimeError):
            crm.quotes.send(quote.id, at=datetime(2026, 5, 2))
        contract = self._contract(crm, besa)
        with pytest.raises(InvalidDatetimeError):
            crm.contracts.sign(contract.id, at=datetime(2026, 5, 2), signed_by="Besa")
        assert crm.quotes.get(quote.id).status.value == "draft"

    # contracts

    def test_a_signed_contract_is_active_by_its_dates(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        contract = self._signed(crm, besa)
        assert (contract.status.value, contract.signed_by, contract.signed_at) == (
            "signed",
            "Besa",
            T0,
        )
        statuses = [
            contract.status_on(d).value
            for d in (date(2026, 12, 31), date(2027, 1, 1), date(2028, 1, 1))
        ]
        assert statuses == ["signed", "active", "ended"]
        assert crm.contracts.get(contract.id) == contract

    def test_a_contract_cannot_end_before_it_starts(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        with pytest.raises(InvalidDatetimeError, match="ends_on"):
            self._contract(crm, besa, ends_on=date(2026, 12, 31))
        with pytest.raises(ValidationError, match="renewal"):
            self._contract(crm, besa, renewal="sometimes")
        assert crm.contracts.for_contact(besa.id) == []

    def test_a_terminated_contract_cannot_be_signed(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        contract = self._contract(crm, besa)
        ended = crm.contracts.terminate(contract.id, at=T0 + DAY, reason="Moved abroad")
        assert (ended.status.value, ended.termination_reason) == ("terminated", "Moved abroad")
        with pytest.raises(InvalidTransitionError, match="terminated"):
            crm.contracts.sign(contract.id, at=T0 + 2 * DAY, signed_by="Besa")
        with pytest.raises(ValidationError, match="reason"):
            crm.contracts.terminate(self._contract(crm, besa).id, reason=" ")

    def test_expiring_finds_ends_and_notice_days_in_the_window(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        year = self._signed(crm, besa)  # ends 2027-12-31, notice from 2027-12-01
        long_notice = self._signed(
            crm, besa, title="Fibre", ends_on=date(2028, 6, 30), notice=timedelta(days=240)
        )
        self._contract(crm, besa, title="Draft")  # unsigned: never expiring
        found = crm.contracts.expiring(within=timedelta(days=60), as_of=date(2027, 11, 1))
        assert [k.id for k in found] == [year.id, long_notice.id]  # Fibre: notice by 2027-11-03
        assert crm.contracts.expiring(within=timedelta(days=20), as_of=date(2027, 11, 10)) == []
        crm.contracts.terminate(year.id, reason="Switched provider", at=T0 + DAY)
        found = crm.contracts.expiring(within=timedelta(days=60), as_of=date(2027, 11, 1))
        assert [k.id for k in found] == [long_notice.id]

    def test_a_renewal_extends_the_term_and_keeps_the_old_end(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        contract = self._signed(crm, besa)
        renewed = crm.contracts.renew(contract.id, ends_on=date(2028, 12, 31), at=T0 + DAY)
        assert renewed.ends_on == date(2028, 12, 31)
        assert [(r.previous_ends_on, r.ends_on) for r in renewed.renewals] == [
            (date(2027, 12, 31), date(2028, 12, 31))
        ]
        assert renewed.status_on(date(2028, 6, 1)).value == "active"
        assert crm.contracts.expiring(within=timedelta(days=60), as_of=date(2027, 11, 1)) == []
        with pytest.raises(InvalidDatetimeError):
            crm.contracts.renew(contract.id, ends_on=date(2028, 1, 1), at=T0 + 2 * DAY)

    def test_a_contract_names_a_quote_of_its_contact(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        quote = self._quote(crm, besa)
        assert self._contract(crm, besa, quote_id=quote.id).quote_id == quote.id
        other = crm.contacts.create(name="Arben Hoxha")
        with pytest.raises(ValidationError, match="quote_id"):
            self._contract(crm, other, quote_id=quote.id)
        with pytest.raises(RecordNotFoundError):
            self._contract(crm, besa, quote_id="no-such-quote")

    # assets

    def test_an_asset_is_found_by_serial_and_contact(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        contract = self._signed(crm, besa)
        asset = crm.assets.add(
            besa.id,
            sku="ROUTER-X",
            serial="SN-0001",
            installed_on=date(2027, 1, 5),
            warranty_until=date(2029, 1, 4),
            contract_id=contract.id,
        )
        assert crm.assets.by_serial("sn-0001") == asset
        assert crm.assets.for_contact(besa.id) == [asset]
        assert (asset.contract_id, asset.product_id) == (contract.id, None)
        setup = crm.assets.add(besa.id, sku="setup", serial="SN-0002")
        assert setup.product_id == crm.products.get("SETUP").id
        with pytest.raises(RecordNotFoundError):
            crm.assets.by_serial("SN-9999")

    def test_a_serial_is_taken_once_and_links_are_checked(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        crm.assets.add(besa.id, sku="ROUTER-X", serial="SN-0001")
        with pytest.raises(UniqueKeyError, match="sn-0001"):
            crm.assets.add(besa.id, sku="ROUTER-X", serial="sn-0001")
        with pytest.raises(RecordNotFoundError):
            crm.assets.add(besa.id, sku="ROUTER-X", serial="SN-0002", contract_id="nope")
        with pytest.raises(InvalidDatetimeError, match="warranty_until"):
            crm.assets.add(
                besa.id,
                sku="R",
                serial="SN-3",
                installed_on=date(2027, 1, 5),
                warranty_until=date(2026, 1, 1),
            )
        assert len(crm.assets.for_contact(besa.id)) == 1

    # the person's file: merge, unmerge, export, erasure, finished tasks

    def _file(self, crm: CRM, contact: Contact) -> tuple[Quote, Contract, str]:
        quote = self._quote(crm, contact)
        contract = self._signed(crm, contact, quote_id=quote.id)
        asset = crm.assets.add(
            contact.id, sku="ROUTER-X", serial="SN-0001", contract_id=contract.id
        )
        return quote, contract, asset.id

    def test_the_file_follows_merge_and_unmerge(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        twin = crm.contacts.create(name="B. Kola", phones=["069 123 4567"])
        quote, contract, asset_id = self._file(crm, twin)
        merged = crm.merge(besa.id, twin.id)
        assert (merged.moved["quotes"], merged.moved["contracts"], merged.moved["assets"]) == (
            1,
            1,
            1,
        )
        assert crm.contracts.get(contract.id).contact_id == besa.id
        assert [a.id for a in crm.assets.for_contact(besa.id)] == [asset_id]
        crm.unmerge(merged.merge_id or "")
        assert [q.id for q in crm.quotes.for_contact(twin.id)] == [quote.id]
        assert [k.id for k in crm.contracts.for_contact(twin.id)] == [contract.id]
        assert [a.id for a in crm.assets.for_contact(twin.id)] == [asset_id]

    def test_the_file_is_exported(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        self._file(crm, besa)
        exported: Any = crm.contacts.export(besa.id)
        assert exported["quotes"][0]["gross"] == {"amount": "1537.19", "currency": EUR}
        assert (exported["contracts"][0]["title"], exported["contracts"][0]["notice"]) == (
            "Support 2027",
            30,
        )
        assert exported["assets"][0]["serial"] == "SN-0001"

    def test_erasure_keeps_quotes_and_contracts_anonymised_and_deletes_assets(
        self, crm: CRM
    ) -> None:
        besa = self._catalogue(crm)
        quote, contract, asset_id = self._file(crm, besa)
        crm.contracts.terminate(contract.id, at=T0 + DAY, reason="Besa moved to Tirana")
        removed = crm.contacts.erase(besa.id).removed
        assert (removed["quotes"], removed["contracts"], removed["assets"]) == (0, 0, 1)
        kept = crm.contracts.get(contract.id)
        assert (kept.contact_id, kept.title, kept.signed_by, kept.termination_reason) == (
            None,
            "(erased)",
            None,
            None,
        )
        assert (kept.value, kept.starts_on, kept.ends_on) == (
            contract.value,
            contract.starts_on,
            contract.ends_on,
        )
        assert crm.quotes.get(quote.id).gross == quote.gross
        assert crm.quotes.get(quote.id).contact_id is None
        with pytest.raises(RecordNotFoundError):
            crm.assets.get(asset_id)

    def test_a_contacts_tasks_include_finished_ones_when_asked(self, crm: CRM) -> None:
        besa = self._catalogue(crm)
        done = crm.tasks.create("Install router", contact_id=besa.id, at=T0, assignee="ewa")
        crm.tasks.complete(done.id, at=T0 + DAY)
        open_ = crm.tasks.create("Check signal", contact_id=besa.id, at=T0 + DAY, assignee="ewa")
        assert [t.id for t in crm.tasks.for_contact(besa.id)] == [open_.id]
        assert [t.id for t in crm.tasks.for_contact(besa.id, include_done=True)] == [
            done.id,
            open_.id,
        ]
        with pytest.raises(ContactNotFoundError):
            crm.tasks.for_contact("nobody")
