"""RFM: recency, frequency and monetary quintile scores, and the named groups built on them.

Each buyer (at least one purchase up to ``now``) gets three scores from 1 to 5. A score is
``1 + 5 * (buyers with a strictly worse value) // buyers``: ties always share a score, the
result does not depend on input order, and it is one ``RANK()`` window away in SQL. Worse means
an older last purchase, fewer purchases, a smaller total.

The group comes from the recency and frequency scores (the widely used R x F grid):

=====  =====================  ==============================================
R      F                      group
=====  =====================  ==============================================
5      4-5                    champions
3-4    4-5                    loyal
4-5    2-3                    potential_loyalists
5      1                      new_customers
4      1                      promising
3      3                      need_attention
3      1-2                    about_to_sleep
1-2    5                      cant_lose
1-2    3-4                    at_risk
1-2    1-2                    hibernating
=====  =====================  ==============================================
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from crmkit._types import Money, ensure_aware
from crmkit.errors import CurrencyMismatchError
from crmkit.value.rates import RatesTable

__all__ = ["RFM_GROUPS", "RFMScores", "group_counts", "rfm_group_of", "rfm_scores"]

RFM_GROUPS = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new_customers",
    "promising",
    "need_attention",
    "about_to_sleep",
    "cant_lose",
    "at_risk",
    "hibernating",
)


def rfm_group_of(recency: int, frequency: int) -> str:
    """The named group of a recency and frequency score.

    >>> rfm_group_of(5, 5), rfm_group_of(2, 5), rfm_group_of(1, 1)
    ('champions', 'cant_lose', 'hibernating')
    """
    r, f = recency, frequency
    if r <= 2:
        return "hibernating" if f <= 2 else "at_risk" if f <= 4 else "cant_lose"
    if r == 3:
        return "about_to_sleep" if f <= 2 else "need_attention" if f == 3 else "loyal"
    if f >= 4:
        return "champions" if r == 5 else "loyal"
    if f >= 2:
        return "potential_loyalists"
    return "new_customers" if r == 5 else "promising"


@attrs.frozen
class RFMScores:
    """One buyer's RFM figures and scores."""

    contact_id: str
    last_purchase_at: datetime
    purchases: int
    total: Money
    recency: int
    frequency: int
    monetary: int

    @property
    def group(self) -> str:
        return rfm_group_of(self.recency, self.frequency)


def _scorer(values: Iterable[Any]) -> tuple[list[Any], int]:
    ordered = sorted(values)
    return ordered, len(ordered)


def _score(ordered: list[Any], n: int, value: Any) -> int:
    worse = bisect.bisect_left(ordered, value)
    return 1 + (5 * worse) // n


def rfm_scores(
    purchases: Iterable[tuple[str, datetime, Money]],
    *,
    now: datetime,
    rates: RatesTable | None = None,
) -> dict[str, RFMScores]:
    """Scores for every contact with a purchase at or before *now*.

    Purchases in several currencies need *rates* (totals are then in its base currency,
    each purchase converted at its own date); otherwise :class:`CurrencyMismatchError`.

    >>> from datetime import UTC, datetime
    >>> d = lambda day: datetime(2026, 1, day, tzinfo=UTC)
    >>> rows = [("a", d(1), Money("10", "EUR")), ("a", d(20), Money("90", "EUR")),
    ...         ("b", d(2), Money("5", "EUR"))]
    >>> s = rfm_scores(rows, now=d(31))
    >>> (s["a"].recency, s["a"].frequency, s["a"].monetary, s["a"].group)
    (3, 3, 3, 'need_attention')
    >>> (s["b"].recency, s["b"].frequency, s["b"].monetary, s["b"].group)
    (1, 1, 1, 'hibernating')
    """
    at = ensure_aware(now, "now")
    last: dict[str, datetime] = {}
    count: dict[str, int] = {}
    total: dict[str, Decimal] = {}
    currency: str | None = rates.base if rates is not None else None
    for contact_id, when, amount in purchases:
        if when > at:
            continue
        if rates is not None:
            value = rates.convert(amount, when).amount
        else:
            if currency is None:
                currency = amount.currency
            elif amount.currency != currency:
                raise CurrencyMismatchError(
                    "currency", amount.currency, f"RFM over {currency} needs a rates table"
                )
            value = amount.amount
        if contact_id not in last or when > last[contact_id]:
            last[contact_id] = when
        count[contact_id] = count.get(contact_id, 0) + 1
        total[contact_id] = total.get(contact_id, Decimal(0)) + value
    if not last:
        return {}
    assert currency is not None
    r_sorted, n = _scorer(last.values())
    f_sorted, _ = _scorer(count.values())
    m_sorted, _ = _scorer(total.values())
    return {
        cid: RFMScores(
            contact_id=cid,
            last_purchase_at=last[cid],
            purchases=count[cid],
            total=Money(total[cid], currency),
            recency=_score(r_sorted, n, last[cid]),
            frequency=_score(f_sorted, n, count[cid]),
            monetary=_score(m_sorted, n, total[cid]),
        )
        for cid in last
    }


def group_counts(scores: Mapping[str, RFMScores]) -> dict[str, int]:
    """How many buyers fall in each group (every group listed, zeros included)."""
    out = dict.fromkeys(RFM_GROUPS, 0)
    for s in scores.values():
        out[s.group] += 1
    return out
