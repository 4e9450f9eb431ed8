"""``crmkit export`` and ``crmkit report``, run as real processes on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from crmkit import CRM, Money

Proc = Callable[..., subprocess.CompletedProcess[str]]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AS_OF = "2026-12-01"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Ten buyers with purchase histories, their messages, and a sales pipeline."""
    path = str(tmp_path_factory.mktemp("shop") / "crm.sqlite")
    with CRM.open(path, default_region="AL") as crm:
        sales = crm.pipelines.create("Sales", stages=["New", "Proposal", "Negotiation"])
        crm.pipelines.create("Renewals", stages=["Due", "Renewed"])
        for n in range(10):
            c = crm.contacts.create(
                name=f"Klient {n}", emails=[f"k{n}@example.al"], tags={"vip"} if n < 2 else set()
            )
            for k in range(n % 4 + 1):
                crm.transactions.add(
                    c.id,
                    kind="purchase",
                    amount=Money(Decimal(20 + 7 * n + k), "EUR"),
                    occurred_at=T0 + timedelta(days=11 * n + 29 * k),
                    order_id=f"O-{n}-{k}",
                )
            crm.interactions.log(
                c.id,
                channel="phone",
                summary=f"Pyeti për çmimin, thirrja {n}",
                occurred_at=T0 + timedelta(days=n),
            )
            deal = crm.deals.create(
                pipeline_id=sales.id,
                title=f"Gold {n}",
                value=Money("1200.00", "EUR"),
                contact_id=c.id,
                created_at=T0 + timedelta(days=n),
                expected_close="2027-01-15",
            )
            if n < 6:
                crm.deals.move(deal.id, "Proposal", at=T0 + timedelta(days=n + 3))
            if n < 3:
                crm.deals.win(deal.id, at=T0 + timedelta(days=n + 9))
            elif n < 5:
                crm.deals.lose(deal.id, reason="price", at=T0 + timedelta(days=n + 9))
    return path


def test_export_contacts_as_csv_to_stdout(crmkit: Proc, shop: str) -> None:
    done = crmkit("export", "contacts", "--db", shop)
    assert (done.returncode, done.stderr) == (0, "")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 10
    first = next(r for r in rows if r["name"] == "Klient 0")
    assert (first["emails"], first["tags"], first["birthday"]) == ("k0@example.al", "vip", "")
    assert datetime.fromisoformat(first["created_at"]).tzinfo is not None


def test_export_the_ledger_as_json_lines_keeps_amounts_exact(crmkit: Proc, shop: str) -> None:
    done = crmkit("export", "ledger", "--db", shop, "--json")
    assert done.returncode == 0
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == sum(n % 4 + 1 for n in range(10))
    o = next(r for r in rows if r["order_id"] == "O-9-1")
    assert (o["kind"], o["amount"], o["currency"]) == ("purchase", "84", "EUR")
    assert o["occurred_at"] == (T0 + timedelta(days=99 + 29)).isoformat()


def test_export_interactions_to_a_file(crmkit: Proc, shop: str, tmp_path: Path) -> None:
    target = tmp_path / "calls.csv"
    done = crmkit("export", "interactions", "--db", shop, "--out", str(target))
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == f"crmkit export: 10 interactions rows written to {target}\n"
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {r["summary"] for r in rows} >= {"Pyeti për çmimin, thirrja 0"}
    assert {r["channel"] for r in rows} == {"phone"}
    assert os.listdir(tmp_path) == ["calls.csv"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["export", "contacts", "--db", "{missing}"], "no such database"),
        (["report", "rfm", "--db", "{missing}"], "no such database"),
        (["export", "ledger", "--db", "{db}", "--out", "{tmp}/no/x.csv"], "no such folder"),
        (["export", "ledger", "--db", "{db}", "--out", "{tmp}"], "a folder; give a file name"),
        (["report", "clv", "--db", "{db}", "--as-of", "2026-13-01"], "--as-of '2026-13-01'"),
        (["report", "funnel", "--db", "{db}", "--since", "yesterday"], "--since 'yesterday'"),
        (["report", "funnel", "--db", "{db}"], "which pipeline? give --pipeline"),
        (["report", "forecast", "--db", "{db}", "--pipeline", "Sale"], "no such pipeline"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    crmkit: Proc, shop: str, tmp_path: Path, argv: list[str], reason: str
) -> None:
    missing = str(tmp_path / "typo.sqlite")
    args = [a.format(db=shop, missing=missing, tmp=tmp_path) for a in argv]
    done = crmkit(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"crmkit {args[0]}: ")
    assert reason in line
    assert not os.path.exists(missing)
    assert os.listdir(tmp_path) == []


def test_report_rfm_as_a_table_csv_and_json(crmkit: Proc, shop: str) -> None:
    table = crmkit("report", "rfm", "--db", shop, "--as-of", AS_OF)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0] == "RFM as of 2026-12-01 00:00 UTC: 10 buyers"
    assert lines[1].split()[:3] == ["contact_id", "name", "group"]
    as_csv = list(
        csv.DictReader(io.StringIO(crmkit("report", "rfm", "--db", shop, "--csv").stdout))
    )
    as_json = json.loads(crmkit("report", "rfm", "--db", shop, "--json", "--as-of", AS_OF).stdout)
    assert [r["contact_id"] for r in as_csv] == [r["contact_id"] for r in as_json]
    best = next(r for r in as_json if r["name"] == "Klient 7")
    # Klient 7: four purchases of 69..72 EUR, the last on day 77 + 87.
    assert (best["purchases"], best["total"], best["currency"]) == (4, "282", "EUR")
    assert best["last_purchase_at"] == (T0 + timedelta(days=164)).isoformat()
    assert best["group"] in {"champions", "loyal"}


def test_report_clv_as_json_and_csv(crmkit: Proc, shop: str) -> None:
    done = crmkit("report", "clv", "--db", shop, "--as-of", AS_OF, "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 10
    assert {r["currency"] for r in rows} == {"EUR"}
    k3 = next(r for r in rows if r["name"] == "Klient 3")
    assert (k3["frequency"], k3["historical"]) == (3.0, str(Decimal(41 * 4 + 6)))
    assert all(0 <= r["p_alive"] <= 1 for r in rows)
    as_csv = crmkit("report", "clv", "--db", shop, "--as-of", AS_OF, "--csv", "--model", "mbgnbd")
    header = as_csv.stdout.splitlines()[0].split(",")
    assert header[:3] == ["contact_id", "name", "frequency"]
    assert "clv" in header


def test_report_funnel_and_forecast_by_pipeline_name(crmkit: Proc, shop: str) -> None:
    table = crmkit("report", "funnel", "--db", shop, "--pipeline", "sales")
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("FunnelReport 'Sales': won 3, lost 2, open 5")
    rows = json.loads(
        crmkit("report", "funnel", "--db", shop, "--pipeline", "Sales", "--json").stdout
    )
    proposal = next(r for r in rows if r["stage"] == "Proposal")
    assert (proposal["entered"], proposal["lost_here"]) == (6, 2)
    assert proposal["lost_reasons"] == {"price": 2}
    assert proposal["median_time_in_stage"] == timedelta(days=6).total_seconds()
    late = crmkit("report", "funnel", "--db", shop, "--pipeline", "Sales", "--since", "2026-01-10")
    assert "won 0, lost 0, open 5" in late.stdout.splitlines()[0]
    fc = crmkit("report", "forecast", "--db", shop, "--pipeline", "Sales", "--csv")
    (row,) = list(csv.DictReader(io.StringIO(fc.stdout)))
    assert (row["month"], row["deals"], row["pipeline_value"]) == ("2027-01", "5", "6000.00")


def test_report_on_a_workspace_without_pipelines_says_so(crmkit: Proc, shop: str) -> None:
    done = crmkit("report", "funnel", "--db", shop, "--workspace", "empty")
    assert done.returncode == 1
    assert done.stderr == "crmkit report: workspace 'empty' has no pipeline to report on\n"


def test_report_clv_without_purchases_is_refused_by_the_crm(crmkit: Proc, shop: str) -> None:
    done = crmkit("report", "clv", "--db", shop, "--as-of", "2025-01-01")
    assert done.returncode == 1
    assert done.stderr.startswith("crmkit report: no purchases in the ledger up to as_of")


def test_report_funnel_until_and_another_workspace(crmkit: Proc, shop: str) -> None:
    early = crmkit("report", "funnel", "--db", shop, "--pipeline", "Sales", "--until", "2026-01-08")
    # Deals 0, 1 and 2 were created before the 8th: all three won.
    assert early.stdout.splitlines()[0].startswith("FunnelReport 'Sales': won 3, lost 0, open 0")
    other = crmkit("export", "contacts", "--db", shop, "--workspace", "elsewhere")
    assert other.returncode == 0
    (header,) = other.stdout.splitlines()  # nobody in that workspace: the header alone
    assert header.split(",")[:4] == ["id", "name", "given_name", "family_name"]
    assert header.endswith(",created_at,updated_at,version")


def test_export_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    db = str(tmp_path / "big.sqlite")
    with CRM.open(db) as crm:
        c = crm.contacts.create(name="Big Buyer", emails=["big@example.al"])
        crm.transactions.add_many(
            {
                "contact_id": c.id,
                "kind": "purchase",
                "amount": Money("9.99", "EUR"),
                "occurred_at": T0 + timedelta(minutes=n),
                "note": "x" * 100,
            }
            for n in range(3000)
        )
    with subprocess.Popen(
        [sys.executable, "-m", "crmkit", "export", "ledger", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        assert child.stdout.readline().startswith("id,contact_id,occurred_at")
        child.stdout.close()  # as `| head -1` does, long before the 500 kB are written
        err = child.stderr.read()
        status = child.wait(timeout=60)
    assert (status, err) == (1, "")
