"""What counts as "no value" in rows that come from outside: one rule for every entry point.

Spreadsheets and data frames do not leave an empty cell as ``None``: ``pd.read_csv`` gives
``float("nan")``, nullable columns give ``pd.NA``, date columns ``pd.NaT``, and hand-made
files give ``""`` or a few spaces. Read as text, each would become a value (``"nan"``) that
glues unrelated people together, so imports, matching, ``resolve`` and ``record`` ask
:func:`is_missing` first. pandas is never imported: its missing markers are recognised by
their type, so the check costs nothing when pandas is not installed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["is_missing", "present"]

# Class names of pandas' missing-value singletons; their module moved between pandas 2
# (pandas._libs.missing, pandas._libs.tslibs.nattype) and 3 (pandas.api.typing).
_PANDAS_MISSING = frozenset({"NAType", "NaTType"})


def is_missing(value: object) -> bool:
    """True for ``None``, NaN (``float``, NumPy, ``Decimal``), ``pd.NA``, ``pd.NaT``, NumPy's
    ``NaT`` and text that is empty or only whitespace.

    >>> [is_missing(v) for v in (None, float("nan"), "", "  \\t", Decimal("NaN"))]
    [True, True, True, True, True]
    >>> [is_missing(v) for v in ("nan", 0, 0.0, False, "Besa", [])]
    [False, False, False, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    if isinstance(value, float):  # numpy.float64 is a float too
        return value != value
    if isinstance(value, int):
        return False
    kind = type(value)
    if kind.__name__ in _PANDAS_MISSING and kind.__module__.startswith("pandas"):
        return True
    if isinstance(value, Decimal):
        return value.is_nan()
    if kind.__module__ == "numpy":
        # numpy.float32/float16 NaN and datetime64/timedelta64 NaT are unequal to themselves.
        try:
            return bool(value != value)
        except (TypeError, ValueError):  # arrays and other non-scalars: not a missing cell
            return False
    return False


def present(value: Any) -> Any:
    """*value*, or ``None`` when :func:`is_missing` says it is missing.

    >>> present(float("nan")) is None, present(" "), present("Besa")
    (True, None, 'Besa')
    """
    return None if is_missing(value) else value
