from __future__ import annotations

from crmkit.identity import IdentityIndex


def _index() -> IdentityIndex:
    index = IdentityIndex()
    index.add("c1", {"full_name": "Besa Kola", "phone": "+355691234567", "instagram": "besa.kola"})
    index.add("c2", {"full_name": "Arben Hoxha", "email": "arben@example.al"})
    index.add("c3", {"full_name": "Besa Kola", "email": "besa.kola@example.al"})
    return index


def test_candidates_are_best_first_with_reasons() -> None:
    found = _index().candidates({"first_name": "Besa", "phone": "069 123 4567", "region": "AL"})
    assert found[0][0] == "c1"
    assert [s for _, s, _ in found] == sorted((s for _, s, _ in found), reverse=True)
    assert any(r.startswith("phone equal") for r in found[0][2])


def test_removed_records_are_no_longer_candidates() -> None:
    index = _index()
    index.remove("c1")
    assert "c1" not in index
    assert all(cid != "c1" for cid, _, _ in index.candidates({"phone": "+355691234567"}))


def test_update_replaces_the_old_keys() -> None:
    index = _index()
    index.update("c2", {"full_name": "Arben Hoxha", "email": "hoxha.a@new.al"})
    old = index.candidates({"first_name": "Arben", "email": "arben@example.al"})
    assert not any("email equal" in r for _, _, reasons in old for r in reasons)
    new = index.candidates({"first_name": "Arben", "email": "hoxha.a@new.al"})
    assert new[0][0] == "c2"
    assert "email equal" in new[0][2][0]


def test_a_different_first_name_on_a_shared_phone_is_not_a_candidate() -> None:
    found = _index().candidates({"first_name": "Dritan", "phone": "+355691234567"})
    assert found == []


def test_empty_query_finds_nothing() -> None:
    assert _index().candidates({}) == []
    assert len(_index()) == 3
