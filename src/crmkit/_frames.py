"""Optional pandas DataFrames from report rows, with the dtypes a notebook expects.

pandas is an optional extra (``pip install 'crmkit[pandas]'``): it is imported only when a
frame is asked for, and its absence is a :class:`crmkit.errors.ConfigurationError` saying
how to install it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

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
    if isinstance(value, Enum):
        return value.value
    return value


def _row(item: Any) -> Mapping[str, Any]:
    if isinstance(item, Mapping):
        return item
    if attrs.has(type(item)):
        # Public fields only: a leading underscore marks a cache or an index, not data.
        return {
            f.name: getattr(item, f.name)
            for f in attrs.fields(type(item))
            if not f.name.startswith("_")
        }
    raise TypeError(f"to_dataframe() takes mappings or crmkit records, not {type(item).__name__}")


def to_dataframe(
    rows: Iterable[Any], columns: Sequence[str] | None = None, *, numbers: Sequence[str] = ()
) -> Any:
    """*rows* as a ``pandas.DataFrame``, one row per item: a mapping, or a crmkit record
    (contacts, a timeline's interactions, ledger entries, duplicate groups, ...) read field
    by field. Proper dtypes: ``Money`` and ``Decimal`` as
    float64 (a row holding ``Money`` gains a ``currency`` column when it has none), aware
    datetimes as ``datetime64[ns, UTC]``, dates as ``datetime64``, durations as
    ``timedelta64``, missing values as NaN / NaT. *columns* fixes the columns and their
    order (an empty result still has them); the columns named in *numbers* are float64 even
    when every value is missing.

    >>> from datetime import UTC, datetime
    >>> df = to_dataframe([{"at": datetime(2026, 1, 2, tzinfo=UTC), "paid": Money("9.90", "EUR")},
    ...                    {"at": None, "paid": None}])
    >>> [str(t) for t in df.dtypes][:2], float(df["paid"].sum()), df["currency"][0]
    (['datetime64[ns, UTC]', 'float64'], 9.9, 'EUR')
    >>> df["at"].isna().tolist(), df["paid"].isna().tolist()
    ([False, True], [False, True])

    Lists of records a notebook looks at, such as ``crm.contacts.all()`` or
    ``crm.timeline(contact_id)``, go through ``crmkit.to_dataframe`` (this function):

    >>> from crmkit import Interaction
    >>> it = Interaction.new(contact_id="c1", channel="phone", summary="Asked for a quote",
    ...                      occurred_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC))
    >>> df = to_dataframe([it])
    >>> df.loc[0, "direction"], str(df["occurred_at"].dtype)
    ('inbound', 'datetime64[ns, UTC]')
    """
    pd = require_pandas()
    materialised = [_row(item) for item in rows]
    stamps: set[str] = set()
    days: set[str] = set()
    spans: set[str] = set()
    cleaned = []
    for row in materialised:
        out = {}
        for key, value in row.items():
            if isinstance(value, datetime):
                stamps.add(key)
            elif isinstance(value, date):
                days.add(key)
            elif isinstance(value, timedelta):
                spans.add(key)
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
        # Nanoseconds whatever the pandas version (pandas 3 infers microseconds), so a
        # frame's dtypes do not change under the user's feet between releases.
        if key in stamps:
            frame[key] = pd.to_datetime(frame[key], utc=True).dt.as_unit("ns")
        elif key in days:
            frame[key] = pd.to_datetime(frame[key]).dt.as_unit("ns")
        elif key in spans:
            frame[key] = pd.to_timedelta(frame[key]).dt.as_unit("ns")
        elif key in numbers or (frame[key].dtype == object and _all_numbers(frame[key])):
            # None among numbers leaves an object column; NaN makes it numeric.
            frame[key] = pd.to_numeric(frame[key]).astype("float64")
    return frame


def _all_numbers(column: Any) -> bool:
    values = [v for v in column if v is not None]
    return bool(values) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )
