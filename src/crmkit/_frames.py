"""Optional pandas DataFrames from report rows, with the dtypes a notebook expects.

pandas is an optional extra (``pip install 'crmkit[pandas]'``): it is imported only when a
frame is asked for, and its absence is a :class:`crmkit.errors.ConfigurationError` saying
how to install it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crmkit._types import Money
from crmkit.errors import ConfigurationError

__all__ = ["require_pandas", "to_dataframe"]


def require_pandas() -> Any:
    """The ``pandas`` module; ``ConfigurationError`` naming the extra when it is missing."""
    try:
        import pandas
    except ImportError as exc:
        raise ConfigurationError(
            "to_dataframe() needs pandas, which is optional: pip install 'crmkit[pandas]'"
        ) from exc
    return pandas


def _number(value: Any) -> Any:
    # A frame is for looking and plotting: amounts become floats there (the ledger and
    # to_rows() keep them exact), and their currency gets a column of its own.
    if isinstance(value, Money):
        return float(value.amount)
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_dataframe(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> Any:
    """*rows* as a ``pandas.DataFrame`` with proper dtypes: ``Money`` and ``Decimal`` as
    float64 (a row holding ``Money`` gains a ``currency`` column when it has none), aware
    datetimes as ``datetime64[ns, UTC]``, dates as ``datetime64``, durations as
    ``timedelta64``, missing values as NaN / NaT. *columns* fixes the columns and their
    order (an empty result still has them).

    >>> from datetime import UTC, datetime
    >>> df = to_dataframe([{"at": datetime(2026, 1, 2, tzinfo=UTC), "paid": Money("9.90", "EUR")},
    ...                    {"at": None, "paid": None}])
    >>> [str(t) for t in df.dtypes], float(df["paid"].sum()), df["currency"][0]
    (['datetime64[ns, UTC]', 'float64', 'object'], 9.9, 'EUR')
    >>> df["at"].isna().tolist(), df["paid"].isna().tolist()
    ([False, True], [False, True])
    """
    pd = require_pandas()
    materialised = list(rows)
    stamps: set[str] = set()
    days: set[str] = set()
    cleaned = []
    for row in materialised:
        out = {}
        for key, value in row.items():
            if isinstance(value, datetime):
                stamps.add(key)
            elif isinstance(value, date):
                days.add(key)
            out[key] = _number(value)
        if "currency" not in out:
            money = next((v for v in row.values() if isinstance(v, Money)), None)
            if money is not None:
                out["currency"] = money.currency
        cleaned.append(out)
    if columns is not None and cleaned and "currency" in cleaned[0] and "currency" not in columns:
        columns = [*columns, "currency"]
    frame = pd.DataFrame(cleaned, columns=None if columns is None else list(columns))
    for key in frame.columns:
        if key in stamps:
            frame[key] = pd.to_datetime(frame[key], utc=True)
        elif key in days:
            frame[key] = pd.to_datetime(frame[key])
        elif frame[key].dtype == object and _all_numbers(frame[key]):
            # None among numbers leaves an object column; NaN makes it numeric.
            frame[key] = pd.to_numeric(frame[key])
    return frame


def _all_numbers(column: Any) -> bool:
    values = [v for v in column if v is not None]
    return bool(values) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )
