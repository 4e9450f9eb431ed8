"""The progress line names its stages; the demo leaves nothing behind and plays once per file."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit import CRM
from crmkit.cli._output import Progress

Run = Callable[..., tuple[int, str, str]]
Write = Callable[..., str]

# What CRM.find_duplicates reports on a small run.
DEDUPE = [
    ("prepare", 0, 0),
    ("prepare", 500, 0),
    ("compare", 120, 0),
    ("fit", 0, 0),
    ("cluster", 0, 3),
    ("done", 3, 3),
]


def test_a_terminal_sees_each_stage_named_and_counted() -> None:
    screen = io.StringIO()
    progress = Progress(screen, live=True)
    for call in DEDUPE:
        progress(*call)
    assert screen.getvalue().split("\n") == [
        "\r  reading contacts: 0 contacts\r  reading contacts: 500 contacts",
        "\r  comparing likely pairs: 120 pairs",
        "\r  fitting the match model",
        "\r  grouping: 0/3 links",
        "",
    ]


def test_a_log_file_gets_one_line_per_stage() -> None:
    log = io.StringIO()
    progress = Progress(log, live=False)
    for call in DEDUPE:
        progress(*call)
    assert log.getvalue() == (
        "  reading contacts\n  comparing likely pairs\n  fitting the match model\n  grouping\n"
    )


def test_import_progress_counts_rows_and_ends_its_line() -> None:
    screen = io.StringIO()
    Progress(screen, live=True).rows(1000, 1500)
    Progress(screen, live=True).rows(1500, 1500)
    assert screen.getvalue() == "\r  importing: 1,000/1,500 rows\r  importing: 1,500/1,500 rows\n"


def test_dedupe_names_its_stages_on_stderr(run: Run, db: str) -> None:
    with CRM.open(db) as crm:
        crm.contacts.create(name="Besa Kola", emails=["besa@x.al"])
    _, _, err = run("dedupe", "--db", db)
    assert "0 rows" not in err
    assert "  grouping\n" in err


def test_the_demo_leaves_no_temporary_folder(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    status, out, _ = run("demo")
    assert status == 0
    assert "Besa Kola" in out
    assert list(tmp_path.iterdir()) == []


def test_the_demo_plays_once_per_file(run: Run, db: str) -> None:
    first = run("demo", "--db", db)[1]
    status, again, _ = run("demo", "--db", db)
    assert status == 0
    assert again.startswith(f"crmkit demo already played on {db}; nothing was added.")
    # The card as it stands after the story, shown again.
    assert again.split("Besa's card:")[1] in first
    with CRM.open(db, workspace="demo") as crm:
        (besa,) = crm.contacts.all()
        assert len(crm.timeline(besa.id)) == 3
