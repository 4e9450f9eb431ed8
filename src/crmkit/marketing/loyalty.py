"""Loyalty points: a ledger of entries, never a stored balance.

Purchases *earn* points (``floor(amount × points_per_unit)``), each earning a lot that
expires ``expire_after`` later; *redeem* spends points and *refund* takes them back, both
from the oldest lots first (first in, first out). The balance at any time is replayed from
the entries (:func:`balance`), and a spend never takes more than is there, so it is never
below zero. The tier (:func:`tier_of`) is the highest whose threshold the points earned in
the last 365 days, minus those refunded, reach: tiers by spend, in points.

>>> from datetime import UTC, datetime, timedelta
>>> t = datetime(2026, 1, 1, tzinfo=UTC)
>>> day = timedelta(days=1)
>>> entries = [PointsEntry("e1", "c", "p", "earn", 100, t, 1, expires_at=t + 30 * day),
...            PointsEntry("e2", "c", "p", "earn", 50, t + day, 2, expires_at=t + 60 * day),
...            PointsEntry("e3", "c", "p", "redeem", 120, t + 2 * day, 3)]
>>> balance(entries, as_of=t + 2 * day), balance(entries, as_of=t + 90 * day)
(30, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Literal

import attrs

from crmkit._types import Money, check_duration, new_id
from crmkit.errors import ValidationError

__all__ = [
    "TIER_WINDOW",
    "LoyaltyProgram",
    "PointsEntry",
    "balance",
    "check_points",
    "next_seq",
    "points_for",
    "tier_of",
]

#: How far back the points that decide a tier reach.
TIER_WINDOW = timedelta(days=365)

#: ``bonus`` points are given, not bought (a referral reward): held and spent like earned
#: ones, but no spend, so they count for no tier.
EntryKind = Literal["earn", "bonus", "redeem", "refund"]


def check_points(value: Any, field: str = "points") -> int:
    """*value* as a whole number of points above zero, or :class:`ValidationError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(field, value, "a whole number of points above 0")
    return value


def _tiers(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ValidationError("tiers", value, "a mapping of tier name to points")
    out: dict[str, int] = {}
    for name, threshold in value.items():
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("tiers", name, "a tier needs a name")
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise ValidationError("tiers", {name: threshold}, "a whole number of points, >= 0")
        out[name.strip()] = threshold
    if len(set(out.values())) != len(out):
        raise ValidationError("tiers", value, "two tiers with the same threshold")
    return dict(sorted(out.items(), key=lambda kv: kv[1]))


@attrs.frozen
class LoyaltyProgram:
    """Points for spend in one ``currency``: ``points_per_unit`` per unit of it; ``tiers``
    maps each tier's name to the points (earned in the last 365 days) that reach it."""

    id: str
    name: str
    points_per_unit: Decimal
    currency: str
    tiers: Mapping[str, int]
    expire_after: timedelta | None
    created_at: datetime

    @classmethod
    def new(
        cls,
        name: Any,
        *,
        points_per_unit: Any,
        currency: Any,
        tiers: Any,
        expire_after: Any,
        now: datetime,
    ) -> LoyaltyProgram:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name", name, "a program needs a name")
        per = points_per_unit
        if not isinstance(per, Decimal) or not per.is_finite() or per <= 0:
            raise ValidationError("points_per_unit", per, "a Decimal above 0")
        code = Money(0, currency).currency  # InvalidMoneyError names a bad code
        expiry = None
        if expire_after is not None:
            expiry = check_duration(expire_after, "expire_after", allow_zero=False)
        return cls(new_id(), " ".join(name.split()), per, code, _tiers(tiers), expiry, now)


@attrs.frozen
class PointsEntry:
    """One line of a contact's points ledger; ``points`` is never negative, ``kind``
    says which way it goes. ``seq`` orders a contact's entries of one program (and, with
    them, is the unique key that makes two concurrent spends collide)."""

    id: str
    contact_id: str | None
    program_id: str
    kind: EntryKind
    points: int
    at: datetime
    seq: int
    expires_at: datetime | None = None
    transaction_id: str | None = None


def points_for(amount: Decimal, points_per_unit: Decimal) -> int:
    """Whole points for *amount*: rounded down, never negative.

    >>> points_for(Decimal("49.90"), Decimal("1")), points_for(Decimal("0.99"), Decimal("1"))
    (49, 0)
    """
    return max(0, int((amount * points_per_unit).to_integral_value(rounding=ROUND_FLOOR)))


def _ordered(entries: Iterable[PointsEntry]) -> list[PointsEntry]:
    return sorted(entries, key=lambda e: (e.at, e.seq))


def _lots(entries: Iterable[PointsEntry], as_of: datetime) -> list[list[Any]]:
    """The unexpired lots ``[expires_at, points left]`` at *as_of*, oldest first."""
    lots: list[list[Any]] = []
    for entry in _ordered(entries):
        if entry.at > as_of:
            break
        lots = [lot for lot in lots if lot[0] is None or lot[0] > entry.at]
        if entry.kind in ("earn", "bonus"):
            lots.append([entry.expires_at, entry.points])
            continue
        wanted = entry.points
        for lot in lots:
            taken = min(wanted, lot[1])
            lot[1] -= taken
            wanted -= taken
        lots = [lot for lot in lots if lot[1] > 0]
    return [lot for lot in lots if lot[0] is None or lot[0] > as_of]


def balance(entries: Iterable[PointsEntry], *, as_of: datetime) -> int:
    """The points held at *as_of*: earned, less spent and taken back, less expired."""
    return sum(lot[1] for lot in _lots(entries, as_of))


def tier_of(
    program: LoyaltyProgram, entries: Iterable[PointsEntry], *, as_of: datetime
) -> str | None:
    """The highest tier the points earned in ``(as_of - 365 days, as_of]``, less those
    refunded then, reach; ``None`` if the lowest threshold is above them."""
    since = as_of - TIER_WINDOW
    score = 0
    for entry in entries:
        if since < entry.at <= as_of:
            score += {"earn": entry.points, "refund": -entry.points}.get(entry.kind, 0)
    # By threshold: a stored mapping need not keep its order (PostgreSQL's jsonb does not).
    reached = sorted((need, name) for name, need in program.tiers.items() if need <= score)
    return reached[-1][1] if reached else None


def next_seq(entries: Iterable[PointsEntry]) -> int:
    """The ``seq`` of the next entry: one above the highest so far."""
    return max((e.seq for e in entries), default=0) + 1
