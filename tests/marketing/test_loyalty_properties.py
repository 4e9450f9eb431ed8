"""The points ledger against a brute-force model that tracks every single point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import CRM, Money
from crmkit.errors import InsufficientPointsError

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EXPIRY = timedelta(days=30)

steps = st.lists(
    st.tuples(
        st.sampled_from(["earn", "redeem", "refund"]),
        st.integers(1, 120),  # points (one per euro)
        st.integers(0, 20),  # days since the previous step
    ),
    max_size=25,
)


class PointByPoint:
    """Every point an expiry date in a queue, oldest first: first in, first out by hand."""

    def __init__(self) -> None:
        self.points: list[datetime] = []

    def alive(self, at: datetime) -> list[datetime]:
        return [p for p in self.points if p > at]

    def earn(self, n: int, at: datetime) -> None:
        self.points += [at + EXPIRY] * n

    def take(self, n: int, at: datetime) -> None:
        self.points = self.alive(at)[n:]


@settings(max_examples=60, deadline=None)
@given(steps)
def test_the_balance_is_never_negative_and_matches_a_point_by_point_model(
    plan: list[tuple[str, int, int]],
) -> None:
    crm = CRM(clock=lambda: T0)
    crm.loyalty.create_program(
        "Club", points_per_unit=Decimal("1"), currency="EUR", expire_after=EXPIRY
    )
    ana = crm.contacts.create(name="Ana").id
    model, at = PointByPoint(), T0
    for kind, points, days in plan:
        at += timedelta(days=days)
        if kind == "earn":
            crm.loyalty.earn(ana, amount=Money(points, "EUR"), at=at)
            model.earn(points, at)
        elif kind == "refund":
            crm.loyalty.refund(ana, amount=Money(points, "EUR"), at=at)
            model.take(points, at)
        elif points > len(model.alive(at)):
            try:
                crm.loyalty.redeem(ana, points=points, at=at)
            except InsufficientPointsError:
                pass
            else:
                raise AssertionError("redeemed more than the model holds")
        else:
            crm.loyalty.redeem(ana, points=points, at=at)
            model.take(points, at)
        for probe in (at, at + timedelta(days=15), at + EXPIRY):
            held = crm.loyalty.balance(ana, as_of=probe)
            assert held == len(model.alive(probe)) >= 0
