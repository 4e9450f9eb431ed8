"""Bad input ends with exit status 2 and one line per problem on stderr, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit import CRM, __version__
from crmkit.cli import main

Run = Callable[..., tuple[int, str, str]]
Write = Callable[..., str]

HEADER = "first_name,last_name,email\n"


def test_a_missing_file_is_named(run: Run, db: str, tmp_path: Path) -> None:
    status, _, err = run("import", str(tmp_path / "nope.csv"), "--db", db)
    assert status == 2
    assert err == f"crmkit import: {tmp_path / 'nope.csv'}: no such file\n"


def test_a_folder_is_not_a_csv_file(run: Run, db: str, tmp_path: Path) -> None:
    status, _, err = run("import", str(tmp_path), "--db", db)
    assert (status, err.count("\n")) == (2, 1)
    assert "a folder, not a CSV file" in err


def test_ragged_rows_are_reported_per_line_and_nothing_is_imported(
    write: Write, run: Run, db: str
) -> None:
    csv = write("c.csv", HEADER + "Besa,Kola,besa@x.al,extra\nArta,Hoxha,a@x.al\nDua,Lipa\n")
    status, out, err = run("import", csv, "--db", db)
    assert status == 2
    assert out == ""
    assert err.splitlines() == [
        f"crmkit import: {csv} line 2: 4 fields where the header has 3",
        f"crmkit import: {csv} line 4: 2 fields where the header has 3",
        "crmkit import: nothing was imported",
    ]
    assert not os.path.exists(db)


def test_a_quote_swallowing_the_next_row_is_caught(write: Write, run: Run, db: str) -> None:
    csv = write("c.csv", HEADER + '"Besa,Kola,besa@x.al\nArta",Hoxha,a@x.al\n')
    status, _, err = run("import", csv, "--db", db)
    assert status == 2
    assert f"{csv} lines 2-3: a quoted field runs over 2 lines" in err
    assert "unclosed" in err


def test_a_quote_never_closed_is_caught(write: Write, run: Run, db: str) -> None:
    csv = write("c.csv", HEADER + 'Arta,Hoxha,a@x.al\n"Besa,Kola,besa@x.al\n')
    status, _, err = run("import", csv, "--db", db)
    assert status == 2
    assert f"{csv} line 3: broken quoting" in err


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # A line break inside a properly quoted field (a two-line address) is fine ...
        (
            'first_name,address\nBesa,"Rruga Durrësit 5\nTiranë"\nArta,Elbasan\n',
            "2 rows were imported: 2 created",
        ),
        # ... and a row error names the file line, past multi-line fields and blank lines.
        (
            'first_name,address,email\nBesa,"Rruga 5\nTiranë",b@x.al\n\nArta,Elbasan,x\n',
            "line 5: error: email",
        ),
    ],
)
def test_quoted_line_breaks_are_read_and_counted(
    write: Write, run: Run, db: str, text: str, said: str
) -> None:
    status, out, _ = run("import", write("c.csv", text), "--db", db)
    assert status == 0
    assert said in out


def test_undecodable_text_suggests_an_encoding(write: Write, run: Run, db: str) -> None:
    csv = write("c.csv", "first_name,last_name\nŁukasz,Wiśniewski\n", "cp1250")
    status, _, err = run("import", csv, "--db", db)
    assert status == 2
    assert err.startswith(f"crmkit import: {csv} line 2: not UTF-8 text (byte 0xa3); try ")
    assert "--encoding cp1250" in err
    assert err.count("\n") == 1


def test_cyrillic_bytes_suggest_cp1251_first(write: Write, run: Run, db: str) -> None:
    csv = write("c.csv", "first_name,last_name\nХристо,Стоянов\n", "cp1251")
    _, _, err = run("import", csv, "--db", db)
    assert "try --encoding cp1251 (Cyrillic) or --encoding cp1250" in err


def test_a_header_crmkit_cannot_read_gets_a_hint(write: Write, run: Run, db: str) -> None:
    csv = write("c.csv", "Imię|Nazwisko\nŁukasz|Wiśniewski\n")
    status, _, err = run("import", csv, "--db", db)
    assert status == 2
    assert "no column crmkit knows" in err


def test_unknown_columns_are_reported_and_kept(write: Write, run: Run, db: str) -> None:
    csv = write("c.csv", "first_name,email,company\nBesa,b@x.al,Kola Shpk\n")
    status, _, err = run("import", csv, "--db", db)
    assert status == 0
    assert err.startswith("crmkit import: kept as custom fields: company\n")
    with CRM.open(db) as crm:
        (besa,) = crm.contacts.all()
        assert besa.custom == {"company": "Kola Shpk"}


def test_an_empty_file_and_a_doubled_column_are_refused(write: Write, run: Run, db: str) -> None:
    assert run("import", write("e.csv", "\n"), "--db", db)[0] == 2
    status, _, err = run("import", write("d.csv", "email,email\na@x.al,b@x.al\n"), "--db", db)
    assert status == 2
    assert "the column 'email' appears twice" in err


@pytest.mark.parametrize("command", ["dedupe"])
def test_reading_commands_refuse_a_database_that_does_not_exist(
    run: Run, tmp_path: Path, command: str
) -> None:
    typo = str(tmp_path / "typo.sqlite")
    status, out, err = run(command, "--db", typo)
    assert (status, out) == (2, "")
    assert err == f"crmkit {command}: {typo}: no such database (crmkit import --db creates one)\n"
    assert not os.path.exists(typo)


def test_a_file_that_is_no_database_is_one_line(write: Write, run: Run) -> None:
    status, _, err = run("dedupe", "--db", write("notes.txt", "hello\n" * 100))
    assert status == 1
    assert err == "crmkit dedupe: SQLite failed: file is not a database\n"


def test_version(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"crmkit {__version__}\n"


class _ClosedPipe:
    def write(self, text: str) -> int:
        raise BrokenPipeError

    def flush(self) -> None:
        raise BrokenPipeError


def test_a_closed_pipe_ends_the_command_quietly(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db", db], out=_ClosedPipe()) == 1  # type: ignore[arg-type]
    assert capsys.readouterr().err == ""


def test_a_closed_pipe_leaves_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` once it has read enough
    try:
        done = subprocess.run(
            [sys.executable, "-m", "crmkit", "demo", "--db", str(tmp_path / "d.sqlite")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, "")


def test_ctrl_c_ends_with_status_130_and_one_line(
    run: Run, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmkit.cli import _contacts

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(_contacts, "dedupe", interrupted)
    assert run("dedupe", "--db", db)[0::2] == (130, "crmkit dedupe: interrupted\n")
