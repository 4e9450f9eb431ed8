from __future__ import annotations

import io
from pathlib import Path

import pytest

from crmkit import CRM
from crmkit.cli import main


def test_demo_prints_what_the_person_answering_sees(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["demo", "--db", str(tmp_path / "demo.sqlite")], out=out) == 0
    text = out.getvalue()
    assert "Besa Kola" in text
    assert "Sent Gold package price list" in text
    before, after = text.split("the next person to answer sees:")
    assert "promised: Call Besa about the Gold package · arta" in before
    assert "open deal: Gold package · 1,200.00 EUR · Proposal" in before
    assert "promised:" not in after
    assert "bought: 1 purchase(s), 1,200.00 EUR" in after
    with CRM.open(str(tmp_path / "demo.sqlite"), workspace="demo") as crm:
        (besa,) = list(crm.contacts.all())
        assert [i.channel for i in crm.timeline(besa.id)] == ["phone", "instagram", "instagram"]


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "first_name,last_name,email,phone,region\n"
        "Besa,Kola,besa@example.al,069 123 4567,AL\n"
        "Bad,Row,not-an-email,,AL\n"
        "Христо,Стоянов,hristo@abv.bg,0888 123 456,BG\n",
        encoding="utf-8",
    )
    return path


def test_import_command_reports_rows_and_writes(csv_file: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "crm.sqlite")
    out = io.StringIO()
    assert main(["import", str(csv_file), "--db", db], out=out) == 0
    assert "3 rows were imported: 2 created, 1 error" in out.getvalue()
    assert "line 3: error: email" in out.getvalue()
    with CRM.open(db) as crm:
        assert crm.contacts.count() == 2


def test_import_dry_run_writes_nothing(csv_file: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "crm.sqlite")
    out = io.StringIO()
    assert main(["import", str(csv_file), "--db", db, "--dry-run"], out=out) == 0
    assert "would be imported" in out.getvalue()
    with CRM.open(db) as crm:
        assert crm.contacts.count() == 0


def test_import_all_or_nothing_fails_without_writing(csv_file: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "crm.sqlite")
    out = io.StringIO()
    assert main(["import", str(csv_file), "--db", db, "--all-or-nothing"], out=out) == 1
    assert "nothing imported" in out.getvalue()
    with CRM.open(db) as crm:
        assert crm.contacts.count() == 0


def test_dedupe_command_lists_groups_with_reasons_and_merges(tmp_path: Path) -> None:
    from datetime import date

    db = str(tmp_path / "crm.sqlite")
    with CRM.open(db, default_region="BG") as crm:
        crm.contacts.create(
            name="Христо Стоянов", phones=["0888 123 456"], city="София", birthday=date(1985, 3, 4)
        )
        crm.contacts.create(
            name="Hristo Stoyanov",
            emails=["hristo.stoyanov@abv.bg"],
            city="Sofia",
            birthday=date(1985, 3, 4),
        )
        crm.contacts.create(name="Maria Petrova", emails=["maria@abv.bg"])
    out = io.StringIO()
    assert main(["dedupe", "--db", db, "--region", "BG"], out=out) == 0
    assert "1 groups of likely duplicates" in out.getvalue()
    assert "birthday equal" in out.getvalue()
    out = io.StringIO()
    assert main(["dedupe", "--db", db, "--region", "BG", "--merge"], out=out) == 0
    assert "merged 1 contacts" in out.getvalue()
    with CRM.open(db) as crm:
        assert crm.contacts.count() == 2
