"""``dedupe``, ``review``, ``merges`` and ``unmerge``: full ids, reasons, merge ids, undo."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from crmkit import CRM
from crmkit.testing.people import script_twins

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def twins(db: str) -> tuple[str, str]:
    """Two contacts that are one person, the older first, and a third who is not."""
    with CRM.open(db, default_region="BG") as crm:
        a, b = script_twins(crm, "0888 123 456")
    return a.id, b.id


@pytest.fixture
def review_item(db: str) -> tuple[str, str, str]:
    """An open review item: (item id, new contact id, candidate id)."""
    with CRM.open(db) as crm:
        old = crm.contacts.create(name="Besa Kola", emails=["besa.kola@gmail.com"])
        new = crm.record(channel="phone", phone="+355691234567", name="Besa Kola")
        (item,) = crm.review_queue()
    return item.id, new.contact_id, old.id


def test_dedupe_prints_full_ids_oldest_first_and_reasons(
    run: Run, db: str, twins: tuple[str, str]
) -> None:
    status, out, _ = run("dedupe", "--db", db, "--region", "BG")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "1 groups of likely duplicates"
    assert lines[2:4] == [f"  {twins[0]}  Христо Стоянов", f"  {twins[1]}  Hristo Stoyanov"]
    assert lines[4].startswith("  reasons: ")
    assert "birthday equal" in lines[4]


def test_dedupe_merge_prints_the_merge_ids_and_merges_lists_them(
    run: Run, db: str, twins: tuple[str, str]
) -> None:
    out = run("dedupe", "--db", db, "--region", "BG", "--merge")[1]
    (merge_id,) = [line.split()[-1] for line in out.splitlines() if "merged:" in line]
    assert "merged 1 contacts" in out
    status, out, _ = run("merges", "--db", db)
    assert status == 0
    assert out.splitlines()[:4] == [
        "1 merges",
        out.splitlines()[1],
        f"  kept    {twins[0]}  Христо Стоянов",
        f"  merged  {twins[1]}  Hristo Stoyanov",
    ]
    assert out.splitlines()[1].startswith(f"{merge_id}  ")
    assert "by crmkit dedupe  (can be undone)" in out


def test_unmerge_brings_both_contacts_back(run: Run, db: str, twins: tuple[str, str]) -> None:
    out = run("dedupe", "--db", db, "--region", "BG", "--merge", "--json")[1]
    [group] = json.loads(out)
    [merge_id] = group["merge_ids"]
    status, out, _ = run("unmerge", merge_id, "--db", db)
    assert status == 0
    assert out.startswith(f"undid merge {merge_id}: {twins[0]} (Христо Стоянов) and")
    with CRM.open(db) as crm:
        assert crm.contacts.count() == 3
    [row] = json.loads(run("merges", "--db", db, "--json")[1])
    assert row["id"] == merge_id
    assert row["undone_at"] is not None
    status, _, err = run("unmerge", merge_id, "--db", db)
    assert status == 1
    assert err.startswith("crmkit unmerge: ")


def test_unmerge_of_an_unknown_id_is_one_line(run: Run, db: str, twins: tuple[str, str]) -> None:
    status, _, err = run("unmerge", "no-such-merge", "--db", db)
    assert status == 1
    assert err.count("\n") == 1
    assert "no-such-merge" in err


def test_dedupe_json_names_each_contact(run: Run, db: str, twins: tuple[str, str]) -> None:
    [group] = json.loads(run("dedupe", "--db", db, "--region", "BG", "--json")[1])
    assert [c["id"] for c in group["contacts"]] == list(twins)
    assert group["merge_ids"] == []
    assert any("birthday equal" in r for r in group["reasons"])


def test_review_lists_open_items_with_full_ids_and_reasons(
    run: Run, db: str, review_item: tuple[str, str, str]
) -> None:
    item, new, old = review_item
    status, out, _ = run("review", "--db", db)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "1 open review items"
    assert lines[1].startswith(f"{item}  score ")
    assert lines[2:4] == [f"  new        {new}  Besa Kola", f"  candidate  {old}  Besa Kola"]
    assert lines[4].startswith("  reasons: ")
    [row] = json.loads(run("review", "--db", db, "--json")[1])
    assert (row["id"], row["contact_id"], row["candidate_ids"]) == (item, new, [old])
    assert row["names"] == {new: "Besa Kola", old: "Besa Kola"}


def test_review_merge_merges_and_prints_the_merge_id(
    run: Run, db: str, review_item: tuple[str, str, str]
) -> None:
    item, new, old = review_item
    status, out, _ = run("review", "merge", item, "--db", db)
    assert status == 0
    merge_id = out.split("merge ")[1].split()[0]
    assert out.startswith(f"merged {new} into {old}: merge {merge_id}\n")
    assert run("review", "--db", db)[1] == "0 open review items\n"
    assert "1 merged review items" in run("review", "--db", db, "--status", "merged")[1]
    assert json.loads(run("merges", "--db", db, "--json")[1])[0]["id"] == merge_id


def test_review_merge_into_a_named_candidate(run: Run, db: str) -> None:
    with CRM.open(db) as crm:
        one = crm.contacts.create(name="Besa Kola", emails=["besa.kola@gmail.com"])
        two = crm.contacts.create(name="Besa Kola", emails=["besa.k@yahoo.com"])
        new = crm.record(channel="phone", phone="+355691234567", name="Besa Kola")
        (item,) = crm.review_queue()
    other = next(c for c in item.candidate_ids if c != item.candidate_ids[0])
    assert {one.id, two.id} == set(item.candidate_ids)
    out = run("review", "merge", item.id, "--db", db, "--candidate", other)[1]
    assert out.startswith(f"merged {new.contact_id} into {other}: merge ")


def test_review_dismiss_keeps_them_apart(
    run: Run, db: str, review_item: tuple[str, str, str]
) -> None:
    item, new, _ = review_item
    assert run("review", "dismiss", item, "--db", db)[1] == f"dismissed {item}: {new} stays apart\n"
    status, _, err = run("review", "dismiss", item, "--db", db)
    assert status == 1
    assert "already dismissed" in err


def test_review_merge_without_an_id_is_refused(run: Run, db: str, review_item: object) -> None:
    status, _, err = run("review", "merge", "--db", db)
    assert status == 2
    assert "needs the id of a review item" in err


@pytest.mark.parametrize("argv", [["review"], ["merges"], ["unmerge", "x"]])
def test_ledger_commands_refuse_a_database_that_does_not_exist(
    run: Run, db: str, argv: list[str]
) -> None:
    status, _, err = run(*argv, "--db", db)
    assert status == 2
    assert "no such database" in err
