"""Small real datasets shipped with crmkit, with loaders.

CDNOW sample
    The 2,357 customers (a 1/10th systematic sample) who made their first purchase at the
    online music store CDNOW in the first quarter of 1997, followed to the end of June 1998.
    It is the dataset of Fader, Hardie and Lee (2005), "Counting your customers the easy way:
    an alternative to the Pareto/NBD model", *Marketing Science* 24(2), and of the companion
    notes on Bruce Hardie's website (brucehardie.com), where it is published for research and
    teaching. The files here are the copies distributed with the MIT-licensed ``lifetimes``
    package: the raw transactions (``CDNOW_sample.txt``: customer id, date, number of CDs,
    dollar value) and the published 39-week calibration summary (``x``, ``t_x``, ``T`` in
    weeks; ``zbar``, the mean spend of repeat purchases).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources

import attrs

from crmkit._types import Money

__all__ = [
    "CDNOWSummary",
    "CDNOWTransaction",
    "DonationsSummary",
    "load_cdnow",
    "load_cdnow_transactions",
    "load_donations",
]


@attrs.frozen
class CDNOWSummary:
    """The published calibration-period summary, one entry per customer (time in weeks)."""

    customer_id: tuple[str, ...]
    frequency: tuple[float, ...]
    recency: tuple[float, ...]
    T: tuple[float, ...]
    monetary_value: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.customer_id)


@attrs.frozen
class CDNOWTransaction:
    customer_id: str
    occurred_at: datetime
    quantity: int
    amount: Money


def load_cdnow() -> CDNOWSummary:
    """The CDNOW calibration summary (2,357 customers, 39 weeks).

    >>> cdnow = load_cdnow()
    >>> len(cdnow), cdnow.frequency[0], cdnow.recency[0], cdnow.T[0]
    (2357, 2.0, 30.43, 38.86)
    """
    text = resources.files(__package__).joinpath(
        "data/cdnow_customers_summary_with_transactions.csv"
    )
    rows = list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))
    return CDNOWSummary(
        tuple(r["ID"] for r in rows),
        tuple(float(r["x"]) for r in rows),
        tuple(float(r["t_x"]) for r in rows),
        tuple(float(r["T"]) for r in rows),
        tuple(float(r["zbar"]) for r in rows),
    )


def load_cdnow_transactions() -> list[CDNOWTransaction]:
    """The raw CDNOW sample transactions (6,919 rows, 1997-01-01 to 1998-06-30), in USD.

    Dates carry no time of day; they are returned as midnight UTC.

    >>> tx = load_cdnow_transactions()
    >>> len(tx), tx[0].customer_id, tx[0].amount
    (6919, '1', Money('29.33', 'USD'))
    """
    text = resources.files(__package__).joinpath("data/CDNOW_sample.txt")
    out = []
    with text.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) != 5:
                continue
            _master, sample_id, day, quantity, amount = parts
            when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
            out.append(
                CDNOWTransaction(
                    str(int(sample_id)),
                    datetime(when.year, when.month, when.day, tzinfo=UTC),
                    int(quantity),
                    Money(Decimal(amount), "USD"),
                )
            )
    return out


@attrs.frozen
class DonationsSummary:
    """The BG/BB example: 11,104 first-time supporters of a non-profit in 1995, their repeat
    donations over the next six annual opportunities (1996-2001), grouped by pattern. From
    Fader, Hardie and Shang (2010); copy distributed with ``lifetimes``."""

    frequency: tuple[int, ...]
    recency: tuple[int, ...]
    n_periods: tuple[int, ...]
    weights: tuple[int, ...]


def load_donations() -> DonationsSummary:
    """The donations summary used to illustrate BG/BB.

    >>> sum(load_donations().weights)
    11104
    """
    text = resources.files(__package__).joinpath("data/donations.csv")
    rows = list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))
    return DonationsSummary(
        tuple(int(r["frequency"]) for r in rows),
        tuple(int(r["recency"]) for r in rows),
        tuple(int(r["periods"]) for r in rows),
        tuple(int(r["weights"]) for r in rows),
    )
