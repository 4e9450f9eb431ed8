from __future__ import annotations

from crmkit import CRM
from crmkit.testing.people import script_twins


def test_same_person_in_two_scripts_is_one_group_with_reasons(crm: CRM) -> None:
    a, b = script_twins(crm, "+359 888 123 456")
    (group,) = crm.find_duplicates()
    assert set(group.contact_ids) == {a.id, b.id}
    assert any("birthday" in r for r in group.reasons)


def test_household_sharing_a_landline_is_not_glued(crm: CRM) -> None:
    mother = crm.contacts.create(name="Drita Hoxha")
    son = crm.contacts.create(name="Erion Hoxha")
    crm.contacts.add_identity(mother.id, phone="+355 4 222 3333", shared=True)
    crm.contacts.add_identity(son.id, phone="+355 4 222 3333", shared=True)
    assert crm.find_duplicates() == []


def test_merge_accepts_named_survivorship_rules(crm: CRM) -> None:
    a = crm.contacts.create(name="B. Kola", city="Tiranë")
    b = crm.contacts.create(name="Besa Kola", city="Durrës")
    merged = crm.merge(a.id, b.id, rules={"name": "most_complete"})
    assert merged.contact.name == "Besa Kola"  # the fuller name
    assert merged.contact.city == "Tiranë"  # other fields: the survivor's
