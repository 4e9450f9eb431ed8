"""Text conditions find what every write path wrote, however the value and query are spelled.

SQL backends may compare text through a copy folded when the row is written; each test here
writes through one path (update, import, merge, unmerge, erasure, organization update) and
then asks with a spelling other than the stored one, so a path that left a stale copy fails.
"""

from __future__ import annotations

from typing import Any

from crmkit.crm import CRM
from crmkit.segments import Segment, field
from crmkit.testing.contract._base import ContractBase

__all__ = ["FoldedTextContract"]

# (field, stored value, the same value spelled otherwise): case, diacritics, Cyrillic case,
# Arabic/Persian letter variants, Persian digits, spaces.
SPELLINGS = (
    ("name", "Христо Стоянов", "  христо   СТОЯНОВ"),
    ("given_name", "Ëndrit", "endrit"),
    ("family_name", "Çela", "CELA"),
    ("city", "Tiranë", "TIRANE"),
    ("address", "Rruga e Kavajës ۱۲", "rruga e kavajes 12"),
    ("postcode", "۱۰۰۱", "1001"),
    ("owner", "علي", "علی"),
    ("lifecycle_stage", "Customer", "CUSTOMER"),
)


def _ids(crm: CRM, seg: Segment) -> list[str]:
    return [c.id for c in crm.segments.members(seg)]


class FoldedTextContract(ContractBase):
    """Every write path keeps text comparable folded."""

    def test_updated_text_fields_are_found_by_another_spelling(self, crm: CRM) -> None:
        c = crm.contacts.create(
            name="Ana",
            given_name="Ana",
            family_name="Kola",
            city="Sofia",
            address="Vitosha 1",
            postcode="1000",
            owner="arta",
            lifecycle_stage="lead",
        )
        stored: dict[str, Any] = {name: value for name, value, _ in SPELLINGS}
        crm.contacts.update(c.id, **stored)
        for name, _, spelled in SPELLINGS:
            assert _ids(crm, field(name) == spelled) == [c.id], name
            assert crm.segments.count(field(name).startswith(spelled[:2])) == 1, name
        for name, old in (("name", "ana"), ("city", "sofia"), ("owner", "ARTA")):
            assert _ids(crm, field(name) == old) == [], name

    def test_update_to_no_value_leaves_nothing_to_match(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Ana", city="Tiranë")
        crm.contacts.update(c.id, city=None)
        assert _ids(crm, field("city") == "tirane") == []
        assert _ids(crm, field("city").is_null()) == [c.id]

    def test_imported_and_re_imported_rows_are_found_by_another_spelling(self, crm: CRM) -> None:
        crm.import_contacts(
            [
                {"name": "Besa", "email": "besa@example.al"},
                {"name": "Ana", "email": "ana@example.al", "city": "Łódź"},
            ]
        )
        besa = crm.contacts.find(email="besa@example.al")
        ana = crm.contacts.find(email="ana@example.al")
        assert besa is not None
        assert ana is not None
        assert _ids(crm, field("city") == "LODZ") == [ana.id]
        # A known person: the import fills in the city they lacked.
        crm.import_contacts([{"email": "besa@example.al", "city": "СОФИЯ"}])
        assert _ids(crm, field("city") == "софия") == [besa.id]

    def test_merge_and_unmerge_move_the_text_with_the_contact(self, crm: CRM) -> None:
        a = crm.contacts.create(name="Ana", emails=["ana@example.al"])
        b = crm.contacts.create(name="Ana K.", city="Tiranë", phones=["069 123 4567"])
        merge = crm.merge(a.id, b.id)
        assert merge.merge_id is not None
        assert _ids(crm, field("city") == "TIRANE") == [a.id]
        assert _ids(crm, field("name") == "ana k.") == []
        crm.unmerge(merge.merge_id)
        assert _ids(crm, field("city") == "TIRANE") == [b.id]
        assert _ids(crm, field("name") == "ANA K.") == [b.id]

    def test_erased_contacts_match_no_text_condition(self, crm: CRM) -> None:
        c = crm.contacts.create(name="Besa Kola", city="Tiranë", emails=["besa@example.al"])
        other = crm.contacts.create(name="Ana", city="Sofia")
        crm.contacts.erase(c.id, reason="asked to be forgotten")
        for seg in (
            field("city") == "tirane",
            field("name").contains("kola"),
            field("city").is_null(False),
        ):
            assert set(_ids(crm, seg)) <= {other.id}, seg

    def test_organization_updates_are_found_by_another_spelling(self, crm: CRM) -> None:
        org = crm.organizations.create(name="Alfa", industry="Retail", country="BG")
        c = crm.contacts.create(name="Ivan", organization_id=org.id)
        assert _ids(crm, field("organization.industry") == "RETAIL") == [c.id]
        crm.organizations.update(org.id, name="Алфа Трейд", industry="Ритейл")
        assert _ids(crm, field("organization.industry") == "РИТЕЙЛ") == [c.id]
        assert _ids(crm, field("organization.name").startswith("алфа")) == [c.id]
        assert _ids(crm, field("organization.industry") == "retail") == []
