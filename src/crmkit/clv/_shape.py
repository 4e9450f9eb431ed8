"""Scalars in, scalars out; sequences in, lists out — for every model's predictions."""

from __future__ import annotations

from collections.abc import Sequence

from crmkit.clv._data import as_floats, check_customer
from crmkit.errors import ModelError

__all__ = ["Scalars", "as_list", "customers", "shape"]

Scalars = float | list[float]


def as_list(values: Scalars) -> list[float]:
    return values if isinstance(values, list) else [values]


def customers(
    frequency: Scalars | Sequence[float],
    recency: Scalars | Sequence[float],
    T: Scalars | Sequence[float],
) -> list[tuple[float, float, float]]:
    """Validated (frequency, recency, T) per customer."""
    xs, rs, ts = as_floats("frequency", frequency), as_floats("recency", recency), as_floats("T", T)
    if len(ts) == 1 and len(xs) > 1:
        ts = ts * len(xs)
    if not len(xs) == len(rs) == len(ts):
        raise ModelError("frequency, recency and T differ in length")
    for x, r, t in zip(xs, rs, ts, strict=True):
        check_customer(x, r, t)
    return list(zip(xs, rs, ts, strict=True))


def shape(values: list[float], like: object) -> Scalars:
    """A scalar in, a scalar out; a sequence in, a list out."""
    return values[0] if isinstance(like, int | float) else values
