"""Survivors of contract cohorts, as the sBG model reads them.

A signed contract is one customer relationship. Its first term is period 0, and each
renewal (:func:`crmkit.customer_file.contracts.renew`) carries it into the next period, so a
contract renewed *r* times was active in periods 0 to *r*. It churned after period *r* when
it was terminated or when its end has passed (``ends_on`` before ``as_of``) without a
renewal; otherwise it is still running and nobody knows yet whether it reaches period
*r* + 1.

A cohort (the contracts that started in one year, say) counts its contracts active in each
period. The counts stop at the last period every contract of the cohort has reached or
left: a later count would mix contracts that churned with contracts whose renewal is still
to come. A cohort whose contracts have all ended gets one more count, its survivors past the
last renewal (0). The result feeds
:meth:`crmkit.clv.ShiftedBetaGeoModel.fit_cohorts` as it is.

>>> from datetime import UTC, date, datetime, timedelta
>>> from crmkit._types import Money
>>> from crmkit.customer_file.contracts import Contract, renew, sign
>>> at = datetime(2020, 1, 1, tzinfo=UTC)
>>> def signed(starts_on, renewals):
...     k = Contract.new("c", title="Plan", starts_on=starts_on, value=Money("10", "EUR"),
...                      ends_on=starts_on + timedelta(days=364), renewal="auto",
...                      notice=timedelta(days=30), at=at)
...     k = sign(k, at=at, signed_by="Ana")
...     for n in range(renewals):
...         k = renew(k, ends_on=k.ends_on + timedelta(days=365), at=at)
...     return k
>>> book = [signed(date(2021, 3, 1), r) for r in (0, 1, 2, 2)]
>>> survivors(book, cohort="start_year", as_of=date(2026, 1, 1))
{'2021': [4, 3, 2, 0]}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from crmkit.customer_file.contracts import Contract, ContractStatus
from crmkit.errors import ValidationError

__all__ = ["COHORTS", "survivors"]

#: How contracts can be grouped into cohorts: by the year or month their first term starts.
COHORTS = ("start_year", "start_month")


def _cohort_of(contract: Contract, cohort: str) -> str:
    start = contract.starts_on
    return f"{start.year:04d}" if cohort == "start_year" else f"{start.year:04d}-{start.month:02d}"


def _counted(contract: Contract) -> bool:
    # Never signed (a draft, a sent offer, one terminated before signing): no customer yet.
    return contract.signed_at is not None and contract.status in (
        ContractStatus.SIGNED,
        ContractStatus.TERMINATED,
    )


def survivors(
    contracts: Iterable[Contract], *, cohort: str = "start_year", as_of: date
) -> dict[str, list[int]]:
    """For each cohort (in order), how many of its contracts were active in period 0, 1, ...
    as seen on *as_of*; contracts starting after *as_of* are left out."""
    if cohort not in COHORTS:
        raise ValidationError("cohort", cohort, f"expected one of {COHORTS}")
    # Per cohort: the renewals of each contract, and the fewest of a running one.
    reached: dict[str, list[int]] = {}
    open_at: dict[str, int] = {}
    for k in contracts:
        if not _counted(k) or k.starts_on > as_of:
            continue
        key = _cohort_of(k, cohort)
        renewals = len(k.renewals)
        reached.setdefault(key, []).append(renewals)
        running = k.status is ContractStatus.SIGNED and k.ends_on >= as_of
        if running:
            open_at[key] = min(open_at.get(key, renewals), renewals)
    out = {}
    for key in sorted(reached):
        counts = reached[key]
        last = open_at.get(key, max(counts) + 1)
        out[key] = [sum(1 for r in counts if r >= t) for t in range(last + 1)]
    return out
