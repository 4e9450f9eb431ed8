"""External ids as identities, and importing the same rows twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from crmkit.crm import CRM
from crmkit.errors import DuplicateContactError, InvalidExternalIdError
from crmkit.testing.contract._base import ContractBase

__all__ = ["ExternalIdContract"]

ROWS = [
    {"full_name": "Besa Kola", "external_id": "1042", "external_system": "shopify"},
    {"full_name": "Arta Hoxha", "city": "Tiranë"},
    {"full_name": "Arta Hoxha", "city": "Tiranë"},  # a namesake: same cells, another person
    {"full_name": "Drita Leka", "email": "drita@example.al", "tags": "vip"},
]


class ExternalIdContract(ContractBase):
    """External ids are identities on every backend; a re-import writes nothing."""

    def test_an_external_id_is_stored_and_resolves_to_its_contact(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Besa", external_ids=[("Shopify", 1042), "crm-7"])
        assert crm.contacts.get(c.id).external_ids == (("shopify", "1042"), (None, "crm-7"))
        assert crm.resolve(external_id=("shopify", "1042")).contact == c
        assert crm.contacts.find(external_id="crm-7") == c
        assert crm.contacts.find(external_id="1042") is None  # another system's id space

    def test_an_external_id_is_unique_per_workspace(self, crm: CRM) -> None:
        owner = crm.contacts.create(name="Besa", external_ids=[("shopify", "1042")])
        with pytest.raises(DuplicateContactError) as info:
            crm.contacts.create(name="Other", external_ids=[("shopify", "1042")])
        assert info.value.contact_id == owner.id
        assert crm.contacts.count() == 1

    @pytest.mark.parametrize("bad", [1042.0, "  ", "10\x0042", True, ["a", "b", "c"]])
    def test_a_bad_external_id_is_refused_naming_field_and_value(self, crm: CRM, bad: Any) -> None:
        with pytest.raises(InvalidExternalIdError) as info:
            crm.contacts.create(name="Besa", external_ids=[bad])
        assert info.value.field == "external_id"
        assert crm.contacts.count() == 0

    def test_a_bad_external_id_in_an_all_or_nothing_import_writes_nothing(self, crm: CRM) -> None:
        rows: list[Mapping[str, object]] = [ROWS[0], {"full_name": "X", "external_id": 7.5}]
        with pytest.raises(InvalidExternalIdError) as info:
            crm.import_contacts(rows, all_or_nothing=True)
        assert info.value.field == "rows[1]"
        cause = info.value.__cause__
        assert isinstance(cause, InvalidExternalIdError)
        assert (cause.field, cause.value) == ("external_id", 7.5)
        assert crm.contacts.count() == 0

    def test_import_upserts_on_the_external_id(self, crm: CRM) -> None:
        crm.import_contacts([ROWS[0]])
        row = {
            "full_name": "B. Kola",
            "external_id": 1042,
            "external_system": "shopify",
            "city": "Tiranë",
            "email": "besa@example.al",
        }
        report = crm.import_contacts([row], match_on=("external_id",))
        assert report.summary() == {"updated": 1}
        besa = crm.contacts.find(external_id=("shopify", "1042"))
        assert besa is not None
        assert (besa.name, besa.city, besa.emails) == ("Besa Kola", "Tiranë", ("besa@example.al",))

    def test_merge_keeps_both_external_ids_and_unmerge_moves_them_back(self, crm: CRM) -> None:
        a = crm.contacts.create(name="Besa", external_ids=[("shopify", "1")])
        b = crm.contacts.create(name="Besa K", external_ids=[("shopify", "2")])
        result = crm.merge(a.id, b.id)
        assert crm.contacts.get(a.id).external_ids == (("shopify", "1"), ("shopify", "2"))
        assert crm.resolve(external_id=("shopify", "2")).contact.id == a.id  # type: ignore[union-attr]
        assert result.merge_id is not None
        crm.unmerge(result.merge_id)
        assert crm.contacts.get(a.id).external_ids == (("shopify", "1"),)
        assert crm.contacts.find(external_id=("shopify", "2")) == crm.contacts.get(b.id)

    def test_erasure_frees_and_suppresses_the_external_id(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Besa", external_ids=[("shopify", "1042")])
        crm.contacts.erase(c.id)
        assert crm.contacts.find(external_id=("shopify", "1042")) is None
        assert crm.erasures.is_suppressed(external_id=("shopify", "1042"))
        again = crm.import_contacts([ROWS[0]])
        assert [r.action for r in again.rows] == ["suppressed"]

    def test_the_card_shows_external_ids(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Besa", external_ids=[("shopify", "1042"), "7"])
        text = crm.contact_card(c.id).render()
        assert "shopify #1042" in text
        assert "id #7" in text

    # -- re-import -------------------------------------------------------------------------

    def test_reimporting_the_same_rows_writes_nothing(self, crm: CRM) -> None:
        first = crm.import_contacts(ROWS)
        assert first.summary() == {"created": 4}
        before = sorted(crm.contacts.all(), key=lambda c: c.id)
        again = crm.import_contacts(ROWS)
        assert again.summary() == {"unchanged": 4}
        assert [r.contact_id for r in again.rows] == [r.contact_id for r in first.rows]
        assert sorted(crm.contacts.all(), key=lambda c: c.id) == before

    def test_a_reimported_row_follows_its_contact_through_merge_and_unmerge(self, crm: CRM) -> None:
        first = crm.import_contacts(ROWS)
        arta1, arta2 = first.rows[1].contact_id, first.rows[2].contact_id
        assert arta1 is not None
        assert arta2 is not None
        result = crm.merge(arta1, arta2)
        assert crm.import_contacts(ROWS).summary() == {"unchanged": 4}
        assert crm.contacts.count() == 3
        assert result.merge_id is not None
        crm.unmerge(result.merge_id)
        again = crm.import_contacts(ROWS)
        assert [r.contact_id for r in again.rows] == [r.contact_id for r in first.rows]

    def test_an_erased_contact_leaves_no_fingerprint_behind(self, crm: CRM) -> None:
        first = crm.import_contacts([ROWS[1]])
        contact_id = first.rows[0].contact_id
        assert contact_id is not None
        record = crm.contacts.erase(contact_id)
        assert record.removed["import_rows"] == 1
        again = crm.import_contacts([ROWS[1]])
        assert again.summary() == {"created": 1}
        assert again.rows[0].contact_id != contact_id
