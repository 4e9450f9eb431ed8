"""``to_dataframe()`` on what a notebook user looks at: numbers as numbers with a currency
column, datetimes as datetimes, missing values as NaN / NaT, and pandas optional."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import CRM, Money
from crmkit.clv import rfm_summary
from crmkit.contacts import Contact
from crmkit.errors import ConfigurationError
from crmkit.segments import SegmentData, breakdown, rfm_scores

pd = pytest.importorskip("pandas")

T0 = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
def shop() -> CRM:
    crm = CRM.open("memory://")
    for n in range(12):
        c = crm.contacts.create(name=f"Buyer {n}", emails=[f"b{n}@example.al"], city="Tiranë")
        for k in range(n % 4 + 1):
            crm.transactions.add(
                c.id,
                kind="purchase",
                amount=Money(Decimal(f"{10 + n}.{k}5"), "EUR"),
                occurred_at=T0 + timedelta(days=9 * n + 23 * k),
            )
        crm.interactions.log(c.id, channel="phone", summary="called", occurred_at=T0)
    return crm


# The tiny ledger degenerates the fit; the frame, not the fit, is under test here.
@pytest.mark.filterwarnings("ignore::crmkit.errors.ConvergenceWarning")
def test_the_clv_report_has_float_money_and_a_currency(shop: CRM) -> None:
    report = shop.clv(as_of=datetime(2026, 12, 1, tzinfo=UTC))
    df = report.to_dataframe()
    assert len(df) == len(report) == 12
    assert df["historical"].dtype == "float64"
    assert df["clv"].dtype == "float64"
    assert set(df["currency"]) == {"EUR"}
    by_id = df.set_index("contact_id")
    for c in report:
        assert by_id.loc[c.contact_id, "historical"] == float(c.historical.amount)
        assert by_id.loc[c.contact_id, "p_alive"] == c.p_alive
    assert report.to_rows()[0]["historical"] == str(report.customers[0].historical.amount)


def test_rfm_scores_and_summary_frames(shop: CRM) -> None:
    buys = [(t.contact_id, t.occurred_at, t.amount) for t in shop.transactions.all()]
    scores = rfm_scores(buys, now=datetime(2026, 12, 1, tzinfo=UTC))
    df = scores.to_dataframe()
    assert list(df.columns) == [
        "contact_id",
        "group",
        "recency",
        "frequency",
        "monetary",
        "purchases",
        "total",
        "currency",
        "last_purchase_at",
    ]
    assert str(df["last_purchase_at"].dtype) == "datetime64[ns, UTC]"
    assert df["total"].dtype == "float64"
    assert df["total"].sum() == pytest.approx(
        float(sum(t.amount.amount for t in shop.transactions.all()))
    )
    assert scores == {s.contact_id: s for s in scores.values()}  # still the dict it was
    summary = rfm_summary(
        buys,
        observation_end=datetime(2026, 12, 1, tzinfo=UTC),
        calibration_end=datetime(2026, 6, 1, tzinfo=UTC),
    )
    sdf = summary.to_dataframe()
    assert list(sdf.columns) == [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "frequency_holdout",
        "duration_holdout",
        "currency",
    ]
    assert list(sdf["frequency"]) == list(summary.frequency)
    assert set(sdf["currency"]) == {"EUR"}


def test_empty_results_keep_their_columns() -> None:
    assert list(rfm_scores([], now=T0).to_dataframe().columns)[:3] == [
        "contact_id",
        "group",
        "recency",
    ]


def test_a_breakdown_frame_keeps_value_types() -> None:
    data = SegmentData([Contact.new(city=c) for c in ["Tiranë", "TIRANË", "Durrës", None]])
    df = breakdown(data, "city", now=T0).to_dataframe()
    rows = df.values.tolist()
    assert rows[:2] == [["Tiranë", 2, 0.5, False], ["Durrës", 1, 0.25, False]]
    # The missing city is pandas' missing value: None under pandas 2, NaN under pandas 3.
    assert pd.isna(rows[2][0])
    assert rows[2][1:] == [1, 0.25, False]


def test_the_import_report_frame_joins_back_onto_a_frame_with_nan_cells() -> None:
    crm = CRM.open("memory://")
    people = pd.DataFrame(
        {
            "first_name": ["Besa", "Arta", float("nan")],
            "email": ["besa@x.al", float("nan"), "not-an-email"],
            "phone": [float("nan"), "+355691234567", float("nan")],
        }
    )
    report = crm.import_contacts(people)
    df = report.to_dataframe()
    assert list(df.columns) == ["index", "action", "contact_id", "reason", "review_id"]
    assert list(df["action"]) == ["created", "created", "error"]
    joined = people.join(df.set_index("index"))
    assert "email" in joined.loc[2, "reason"]


def test_records_lists_go_through_crmkit_to_dataframe(shop: CRM) -> None:
    contacts = crmkit.to_dataframe(shop.contacts.all())
    assert len(contacts) == 12
    assert str(contacts["created_at"].dtype) == "datetime64[ns, UTC]"
    assert contacts.loc[0, "emails"] == ("b0@example.al",)
    first = contacts.loc[0, "id"]
    timeline = crmkit.to_dataframe(shop.timeline(first))
    assert (timeline.loc[0, "channel"], timeline.loc[0, "direction"]) == ("phone", "inbound")
    ledger = crmkit.to_dataframe(shop.transactions.all())
    assert ledger["amount"].dtype == "float64"
    assert set(ledger["currency"]) == {"EUR"}
    assert ledger["kind"].tolist()[0] == "purchase"
    with pytest.raises(TypeError, match="not int"):
        crmkit.to_dataframe([1])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
        ),
        max_size=20,
    )
)
def test_amounts_become_floats_and_missing_becomes_nan(amounts: list[Decimal | None]) -> None:
    rows = [{"paid": None if a is None else Money(a, "ALL")} for a in amounts]
    df = crmkit.to_dataframe(rows, columns=["paid"], numbers=["paid"])
    assert len(df) == len(amounts)
    assert df["paid"].dtype == "float64"
    assert df["paid"].isna().tolist() == [a is None for a in amounts]
    assert df["paid"].fillna(0).tolist() == [0.0 if a is None else float(a) for a in amounts]


@pytest.mark.parametrize(
    "frame",
    [
        lambda: rfm_scores([], now=T0).to_dataframe(),
        lambda: crmkit.to_dataframe([]),
        lambda: breakdown(SegmentData([]), "city", now=T0).to_dataframe(),
    ],
)
def test_without_pandas_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, frame: Callable[[], Any]
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ConfigurationError, match=r"pip install 'crmkit\[pandas\]'"):
        frame()
