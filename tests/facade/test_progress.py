"""One progress convention: ``progress=callback(stage, done, total)`` or ``progress=True``
(a tqdm bar when tqdm is installed, a line per stage on stderr otherwise)."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from crmkit import CRM, Money
from crmkit.errors import ValidationError

T0 = datetime(2026, 1, 5, tzinfo=UTC)
Call = tuple[str, int, int]


@pytest.fixture
def shop() -> CRM:
    crm = CRM.open("memory://")
    for n in range(30):
        c = crm.contacts.create(name=f"Buyer {n}", emails=[f"b{n}@example.al"])
        for k in range(n % 5 + 1):
            crm.transactions.add(
                c.id,
                kind="purchase",
                amount=Money(Decimal(10 + n + k), "EUR"),
                occurred_at=T0 + timedelta(days=5 * n + 17 * k),
            )
    return crm


def _stages(calls: list[Call]) -> list[str]:
    return [s for i, (s, _, _) in enumerate(calls) if i == 0 or calls[i - 1][0] != s]


@pytest.mark.filterwarnings("ignore::crmkit.errors.ConvergenceWarning")
def test_clv_reports_its_stages_and_ends_with_done(shop: CRM) -> None:
    calls: list[Call] = []
    report = shop.clv(as_of=datetime(2026, 12, 1, tzinfo=UTC), progress=lambda *c: calls.append(c))
    assert _stages(calls) == ["load", "fit_purchases", "fit_spend", "value", "done"]
    entries = len(shop.transactions.all())
    assert ("load", entries, entries) in calls
    assert (
        calls[-2:]
        == [("value", 30, 30), ("done", 30, 30)]
        == [
            ("value", len(report), len(report)),
            ("done", len(report), len(report)),
        ]
    )


def test_find_duplicates_and_import_follow_the_same_convention(shop: CRM) -> None:
    calls: list[Call] = []
    shop.find_duplicates(progress=lambda *c: calls.append(c))
    assert calls[-1][0] == "done"
    assert {"prepare", "cluster"} <= set(_stages(calls))
    calls.clear()
    shop.import_contacts(
        [{"email": f"n{i}@x.al"} for i in range(5)],
        batch_size=2,
        progress=lambda *c: calls.append(c),
    )
    assert calls == [("import", 2, 5), ("import", 4, 5), ("import", 5, 5), ("done", 5, 5)]


def test_progress_true_without_tqdm_names_each_stage_on_stderr(
    shop: CRM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes importing tqdm fail
    shop.import_contacts([{"email": "new@x.al"}], progress=True)
    shop.find_duplicates(progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "  importing",
        "  reading contacts",
        "  comparing likely pairs",
        "  fitting the match model",
        "  grouping",
    ]


class _FakeBar:
    made: ClassVar[list[_FakeBar]] = []

    def __init__(self, **options: Any) -> None:
        self.options, self.n, self.total, self.closed = options, 0, options["total"], False
        _FakeBar.made.append(self)

    def update(self, step: int) -> None:
        self.n += step

    def close(self) -> None:
        self.closed = True


def test_progress_true_with_tqdm_draws_one_bar_per_stage(
    shop: CRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace())
    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=_FakeBar))
    _FakeBar.made.clear()
    shop.import_contacts([{"email": f"t{i}@x.al"} for i in range(7)], batch_size=3, progress=True)
    (bar,) = _FakeBar.made
    assert (bar.options["desc"], bar.options["unit"], bar.options["file"]) == (
        "importing",
        "rows",
        sys.stderr,
    )
    assert (bar.n, bar.total, bar.closed) == (7, 7, True)


def test_progress_false_and_none_are_silent(shop: CRM, capsys: pytest.CaptureFixture[str]) -> None:
    shop.import_contacts([{"email": "q@x.al"}], progress=False)
    shop.find_duplicates(progress=None)
    assert capsys.readouterr().err == ""


def test_anything_else_is_refused_before_work_starts(shop: CRM) -> None:
    before = shop.contacts.count()
    with pytest.raises(ValidationError, match="progress"):
        shop.import_contacts([{"email": "r@x.al"}], progress="yes")  # type: ignore[arg-type]
    assert shop.contacts.count() == before


def test_the_matcher_takes_progress_true_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from crmkit.identity import Matcher

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # the plain line, tqdm or not

    records = [{"id": 1, "email": "a@x.al"}, {"id": 2, "email": "a@x.al"}]
    clusters = Matcher().dedupe(records, progress=True)
    assert [sorted(c.ids) for c in clusters if len(c.ids) > 1] == [[1, 2]]
    assert "  reading contacts" in capsys.readouterr().err


def test_automation_counts_the_actions_it_meets(shop: CRM) -> None:
    from datetime import date

    from crmkit.tasks.automation import BirthdayGreeting

    for n in range(3):
        shop.contacts.create(name=f"Born {n}", emails=[f"born{n}@x.al"], birthday=date(1990, 5, 1))
    calls: list[Call] = []
    shop.automation.run(
        date(2026, 5, 1),
        rules=[BirthdayGreeting()],
        batch_size=2,
        progress=lambda *c: calls.append(c),
    )
    assert calls == [("actions", 2, 0), ("actions", 3, 0), ("done", 3, 3)]
