"""``crmkit lookup``, run as a real process: who is this, and what did they last say to us."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crmkit import CRM
from crmkit.testing.people import besa_on_instagram

T0 = datetime(2026, 11, 16, 9, 12, tzinfo=UTC)


def crmkit(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("lookup") / "crm.sqlite")
    with CRM.open(path, default_region="AL") as crm:
        dm = besa_on_instagram(crm, T0)
        crm.contacts.add_identity(dm.contact_id, phone="069 123 4567", email="besa@example.al")
        crm.record(
            channel="phone",
            phone="069 123 4567",
            handled_by="ivan",
            summary="Confirmed the order",
            occurred_at=T0 + timedelta(days=2),
        )
        crm.contacts.create(name="Arta Kola", emails=["arta@example.al"])
    return path


@pytest.fixture(scope="module")
def besa(db: str) -> str:
    with CRM.open(db) as crm:
        (found,) = [c for c in crm.contacts.all() if c.name == "Besa Kola"]
    return found.id


def test_a_phone_shows_who_it_is_and_the_last_interactions(db: str, besa: str) -> None:
    done = crmkit("lookup", "--db", db, "--phone", "+355 69 123 45 67")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"Besa Kola  {besa}",
        "  phones:       +355691234567",
        "  emails:       besa@example.al",
        "  handles:      instagram:besa.kola",
        "  matched:      phone equal (1.000)",
        "  last 2 interactions, newest first:",
        "    2026-11-18 09:12 UTC  phone      inbound   ivan       Confirmed the order",
        "    2026-11-16 09:12 UTC  instagram  inbound   -          Asked about the Gold package",
    ]


def test_json_for_scripts_with_the_last_n_interactions(db: str, besa: str) -> None:
    done = crmkit("lookup", "--db", db, "--email", "Besa@Example.AL", "--last", "1", "--json")
    assert done.returncode == 0
    answer = json.loads(done.stdout)
    assert answer["query"] == {"email": "Besa@Example.AL"}
    [person] = answer["people"]
    assert (person["id"], person["name"], person["sure"]) == (besa, "Besa Kola", True)
    assert person["handles"] == ["instagram:besa.kola"]
    assert [i["summary"] for i in person["interactions"]] == ["Confirmed the order"]
    assert person["interactions"][0]["occurred_at"] == "2026-11-18T09:12:00+00:00"


def test_a_handle_finds_the_same_person(db: str, besa: str) -> None:
    done = crmkit("lookup", "--db", db, "--handle", "Instagram:@Besa.Kola", "--json")
    assert [p["id"] for p in json.loads(done.stdout)["people"]] == [besa]


def test_a_name_lists_the_possible_people_best_first(db: str, besa: str) -> None:
    done = crmkit("lookup", "--db", db, "--name", "besa kola", "--last", "0")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("not sure who this is; ")
    assert lines[2] == f"Besa Kola  {besa}"
    assert "interactions" not in done.stdout


def test_nobody_found_is_one_line_and_status_1(db: str) -> None:
    done = crmkit("lookup", "--db", db, "--email", "nobody@example.al")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "crmkit lookup: nobody found for --email 'nobody@example.al' in workspace 'default'"
        " (another workspace? pass --workspace, e.g. --workspace demo for the demo)\n"
    )
    done = crmkit("lookup", "--db", db, "--email", "nobody@example.al", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"query": {"email": "nobody@example.al"}, "people": []}


def test_a_database_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    typo = str(tmp_path / "typo.sqlite")
    done = crmkit("lookup", "--db", typo, "--phone", "+355691234567")
    assert (done.returncode, done.stdout) == (2, "")
    reason = f"{typo}: no such database (crmkit import --db creates one)"
    assert done.stderr == f"crmkit lookup: {reason}\n"
    assert not os.path.exists(typo)


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (
            ["--phone", "069 123 4567"],
            "--phone '069 123 4567': no country code; write it with "
            "one (+355 69 ...) or give --region, e.g. --region AL",
        ),
        (
            ["--phone", "12", "--region", "AL"],
            "invalid phone '12': not a possible number for its country",
        ),
        (["--email", "besa@"], "invalid email 'besa@': There must be something after the @-sign."),
        ([], "give --phone, --email, --handle CHANNEL:HANDLE or --name"),
    ],
)
def test_bad_input_is_one_line_and_status_2(db: str, argv: list[str], reason: str) -> None:
    done = crmkit("lookup", "--db", db, *argv)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"crmkit lookup: {reason}\n")


def test_a_national_number_reads_in_the_region_given(db: str, besa: str) -> None:
    done = crmkit("lookup", "--db", db, "--phone", "069 123 4567", "--region", "AL", "--json")
    assert [p["id"] for p in json.loads(done.stdout)["people"]] == [besa]
