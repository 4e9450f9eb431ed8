"""From a transactions ledger to the per-customer summary the models read.

For every customer: ``frequency`` (repeat purchase days), ``recency`` (first to last
purchase), ``T`` (first purchase to the end of observation), all in a stated ``unit``, and
``monetary_value`` (mean value of the repeat purchase days). Purchases on the same day count
once, with their values added, as in the CDNOW summaries of Fader, Hardie and Lee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import Money, ensure_aware
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidMoneyError,
    ValidationError,
)

__all__ = ["RFMSummary", "rfm_summary"]


@attrs.frozen
class RFMSummary:
    """Per-customer summary; every sequence is aligned with ``customer_id``.

    ``frequency_holdout`` and ``duration_holdout`` are filled when a calibration split was
    asked for. Times are floats in ``unit``; ``monetary_value`` is a float in ``currency``
    (model input, not bookkeeping: the ledger keeps exact amounts).
    """

    customer_id: tuple[str, ...]
    frequency: tuple[float, ...]
    recency: tuple[float, ...]
    T: tuple[float, ...]
    monetary_value: tuple[float, ...]
    unit: timedelta
    currency: str | None
    frequency_holdout: tuple[float, ...] | None = None
    duration_holdout: float | None = None

    def __len__(self) -> int:
        return len(self.customer_id)


def _row(tx: Any) -> tuple[str, datetime, Decimal | None, str | None]:
    if hasattr(tx, "occurred_at"):  # a crmkit.value.ledger.Transaction or similar
        kind = getattr(tx, "kind", "purchase")
        if kind != "purchase":
            return "", tx.occurred_at, None, None
        customer = getattr(tx, "contact_id", None) or tx.customer_id
        amount = tx.amount
    else:
        customer, occurred_at, amount = tx
        tx = None
    when = ensure_aware(tx.occurred_at if tx is not None else occurred_at, "occurred_at")
    if amount is None:
        return str(customer), when, None, None
    if isinstance(amount, Money):
        value, code = amount.amount, amount.currency
    elif isinstance(amount, Decimal | int) and not isinstance(amount, bool):
        value, code = Decimal(amount), None
    else:
        raise InvalidMoneyError("amount", amount, "pass Money or Decimal (floats lose cents)")
    if value < 0:
        raise InvalidMoneyError("amount", amount, "purchases are never negative; refunds are")
    return str(customer), when, value, code


def rfm_summary(
    transactions: Iterable[Any],
    *,
    observation_end: datetime,
    unit: timedelta = timedelta(days=7),
    calibration_end: datetime | None = None,
) -> RFMSummary:
    """Summarise purchases per customer.

    *transactions* are ``(customer_id, occurred_at, amount)`` tuples (amount a ``Money``, a
    ``Decimal`` or ``None``) or ``crmkit.value.ledger.Transaction`` values (only purchases count).
    Purchases after ``observation_end`` are ignored. With ``calibration_end``, the summary
    describes the calibration period and ``frequency_holdout`` counts each customer's
    purchase days after it, up to ``observation_end``.

    >>> from datetime import UTC
    >>> d = lambda day: datetime(2026, 1, day, tzinfo=UTC)
    >>> s = rfm_summary([("a", d(1), Money("10", "EUR")), ("a", d(8), Money("30", "EUR")),
    ...                  ("a", d(8), Money("2", "EUR")), ("b", d(3), Money("5", "EUR"))],
    ...                 observation_end=d(15), unit=timedelta(days=1))
    >>> s.customer_id, s.frequency, s.recency, s.T, s.monetary_value
    (('a', 'b'), (1.0, 0.0), (7.0, 0.0), (14.0, 12.0), (32.0, 0.0))
    """
    end = ensure_aware(observation_end, "observation_end")
    cut = end if calibration_end is None else ensure_aware(calibration_end, "calibration_end")
    if cut > end:
        raise InvalidDatetimeError("calibration_end", calibration_end, "after observation_end")
    if unit <= timedelta(0):
        raise ValidationError("unit", unit, "a positive timedelta, e.g. timedelta(days=7)")
    days: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    holdout: dict[str, set[date]] = defaultdict(set)
    first_seen: dict[str, datetime] = {}
    currency: str | None = None
    for tx in transactions:
        customer, when, amount, code = _row(tx)
        if not customer or when > end:
            continue
        if code is not None:
            if currency is None:
                currency = code
            elif code != currency:
                raise CurrencyMismatchError("currency", code, f"summary is in {currency}")
        if when > cut:
            holdout[customer].add(when.date())
            continue
        days[customer][when.date()] += amount or Decimal(0)
        first_seen[customer] = min(first_seen.get(customer, when), when)
    ids = sorted(days)
    freq, rec, age, money = [], [], [], []
    for cid in ids:
        by_day = days[cid]
        ordered = sorted(by_day)
        first, last = ordered[0], ordered[-1]
        freq.append(float(len(ordered) - 1))
        rec.append((last - first) / unit)
        age.append((cut.date() - first) / unit)
        repeat = [by_day[dd] for dd in ordered[1:]]
        money.append(float(sum(repeat) / len(repeat)) if repeat else 0.0)
    if calibration_end is None:
        return RFMSummary(
            tuple(ids), tuple(freq), tuple(rec), tuple(age), tuple(money), unit, currency
        )
    return RFMSummary(
        tuple(ids),
        tuple(freq),
        tuple(rec),
        tuple(age),
        tuple(money),
        unit,
        currency,
        tuple(float(len(holdout[c])) for c in ids),
        (end.date() - cut.date()) / unit,
    )
