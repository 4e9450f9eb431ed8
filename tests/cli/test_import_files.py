"""``crmkit import`` on files as people export them: other separators, code pages, headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crmkit import CRM

Run = Callable[..., tuple[int, str, str]]
Write = Callable[..., str]

POLISH = (
    "Imię;Nazwisko;E-mail;Telefon\nŁukasz;Wiśniewski;lukasz@wp.pl;601 234 567\n"
    "Zażółć;Gęślą;jazn@wp.pl;\n"
)
POLISH_MAP = (
    "--map",
    "Imię=first_name",
    "--map",
    "Nazwisko=last_name",
    "--map",
    "E-mail=email",
    "--map",
    "Telefon=phone",
)


def _names(db: str) -> list[str]:
    with CRM.open(db) as crm:
        return sorted(c.name or "" for c in crm.contacts.all())


def test_a_semicolon_file_is_sniffed(run: Run, write: Write, db: str) -> None:
    csv = write("c.csv", "first_name;last_name;email\nBesa;Kola;besa@x.al\nArta;Hoxha;a@x.al\n")
    status, out, _ = run("import", csv, "--db", db)
    assert (status, out) == (0, "2 rows were imported: 2 created\n")
    assert _names(db) == ["Arta Hoxha", "Besa Kola"]


def test_a_tab_separated_file_is_sniffed(run: Run, write: Write, db: str) -> None:
    csv = write("c.tsv", "first_name\temail\tcity\nBesa\tbesa@x.al\tTiranë, Shqipëri\n")
    assert run("import", csv, "--db", db)[0] == 0
    with CRM.open(db) as crm:
        assert [c.city for c in crm.contacts.all()] == ["Tiranë, Shqipëri"]


def test_the_delimiter_can_be_named(run: Run, write: Write, db: str) -> None:
    # The header alone would look comma-separated.
    csv = write("c.csv", "first_name|note, kept\nBesa|a, b\n")
    status, _, err = run("import", csv, "--db", db, "--delimiter", "|")
    assert status == 0
    assert "kept as custom fields: note, kept" in err


def test_a_cp1250_semicolon_file_with_polish_headers_imports(
    run: Run, write: Write, db: str
) -> None:
    csv = write("polish.csv", POLISH, "cp1250")
    status, _, err = run("import", csv, "--db", db)
    assert status == 2
    assert "--encoding cp1250" in err
    status, out, err = run(
        "import", csv, "--db", db, "--region", "PL", "--encoding", "cp1250", *POLISH_MAP
    )
    assert (status, out) == (0, "2 rows were imported: 2 created\n")
    assert "custom fields" not in err
    assert _names(db) == ["Zażółć Gęślą", "Łukasz Wiśniewski"]
    with CRM.open(db) as crm:
        assert crm.resolve(phone="+48601234567").contact is not None


def test_a_cp1251_file_imports_with_its_encoding(run: Run, write: Write, db: str) -> None:
    csv = write("bg.csv", "first_name,last_name,phone\nХристо,Стоянов,0888 123 456\n", "cp1251")
    assert run("import", csv, "--db", db, "--region", "BG", "--encoding", "cp1251")[0] == 0
    assert _names(db) == ["Христо Стоянов"]


def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_column(
    run: Run, write: Write, db: str
) -> None:
    csv = write("c.csv", "\ufefffirst_name,email\nBesa,besa@x.al\n")
    assert run("import", csv, "--db", db)[1] == "1 rows were imported: 1 created\n"


def test_a_map_naming_a_missing_column_is_refused(run: Run, write: Write, db: str) -> None:
    csv = write("c.csv", "first_name,email\nBesa,besa@x.al\n")
    status, _, err = run("import", csv, "--db", db, "--map", "Imię=first_name")
    assert status == 2
    assert "--map Imię=first_name: " in err
    assert "has no column 'Imię' (its columns: first_name, email)" in err


def test_a_map_onto_a_column_already_there_is_refused(run: Run, write: Write, db: str) -> None:
    csv = write("c.csv", "first_name,Imię\nBesa,Besa\n")
    status, _, err = run("import", csv, "--db", db, "--map", "Imię=first_name")
    assert status == 2
    assert "the column 'first_name' appears twice" in err


@pytest.mark.parametrize("bad", ["Imię", "=first_name", "Imię="])
def test_a_malformed_map_is_a_usage_error(
    run: Run, write: Write, db: str, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run("import", write("c.csv", "email\na@x.al\n"), "--db", db, "--map", bad)
    assert exit_.value.code == 2
    assert "expected COLUMN=FIELD" in capsys.readouterr().err


def test_an_unknown_encoding_is_refused(run: Run, write: Write, db: str) -> None:
    status, _, err = run("import", write("c.csv", "email\n"), "--db", db, "--encoding", "klingon")
    assert status == 2
    assert "unknown encoding 'klingon'" in err


def test_an_interrupted_import_says_how_far_it_got(
    run: Run, write: Write, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmkit.errors import ImportInterruptedError, StorageError
    from crmkit.importing import ImportReport, RowOutcome

    def interrupted(self: CRM, rows: object, **options: object) -> ImportReport:
        done = ImportReport((RowOutcome(0, "created", "c-1"),), dry_run=False)
        raise ImportInterruptedError(done, 2, "disk full") from StorageError("disk full")

    monkeypatch.setattr(CRM, "import_contacts", interrupted)
    csv = write("c.csv", "first_name,email\nBesa,besa@x.al\nArta,a@x.al\n")
    status, out, _ = run("import", csv, "--db", db)
    assert status == 1
    assert out.startswith("import stopped at rows[1] (disk full): rows[0] was committed")
    assert out.endswith("(rows[1] is line 3 of " + csv + ")\n")


def test_the_batch_size_is_checked(run: Run, write: Write, db: str) -> None:
    csv = write("c.csv", "first_name,email\nBesa,besa@x.al\n")
    status, out, _ = run("import", csv, "--db", db, "--batch-size", "0")
    assert status == 1
    assert out.startswith("nothing imported: invalid batch_size 0")
    assert run("import", csv, "--db", db, "--batch-size", "1")[:2] == (
        0,
        "1 rows were imported: 1 created\n",
    )
