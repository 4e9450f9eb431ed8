"""The narrow surface SQL repositories use, so one set of queries serves SQLite and PostgreSQL.

Queries are written once with ``?`` placeholders; a session converts them to its driver's
style and maps Python values to and from the column types of its dialect.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

__all__ = ["Dialect", "SQLSession", "fetchall_in"]

Row = tuple[Any, ...]


class Dialect(Protocol):
    """How Python values are stored in one database engine."""

    name: str

    def ts(self, value: datetime) -> Any:
        """An aware datetime as stored (SQLite: integer microseconds since the epoch, UTC)."""
        ...

    def ts_out(self, value: Any) -> datetime: ...

    def day(self, value: date) -> Any: ...

    def day_out(self, value: Any) -> date: ...

    def json(self, value: Any) -> Any: ...

    def json_out(self, value: Any) -> Any: ...

    def decimal(self, value: Decimal) -> Any:
        """An exact amount as stored (SQLite: text; PostgreSQL: numeric)."""
        ...

    def decimal_out(self, value: Any) -> Decimal: ...

    def duration_us(self, later: str, earlier: str) -> str:
        """SQL for the whole microseconds between two timestamp expressions."""
        ...

    def month(self, column: str) -> str:
        """SQL for the ``YYYY-MM`` (UTC) of a timestamp column."""
        ...

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """A ``column IN (...)`` condition and its parameters, as the engine does it best."""
        ...

    @property
    def max_in_list(self) -> int:
        """How many values one :meth:`in_list` condition may carry."""
        ...


class SQLSession(Protocol):
    """One open transaction on one connection."""

    @property
    def dialect(self) -> Dialect: ...

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; return the number of rows it changed."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


def fetchall_in(
    db: SQLSession, sql: str, column: str, values: Sequence[Any], params: Sequence[Any] = ()
) -> list[Row]:
    """The rows of *sql* for all of *values*: its ``{in}`` becomes ``column IN (...)`` (as
    the engine takes it best), for as many values at a time as one condition may carry;
    *params* are those before it. The chunks' rows come in the order of *values*' chunks.
    """
    rows: list[Row] = []
    step = db.dialect.max_in_list
    for start in range(0, len(values), step):
        condition, chunk = db.dialect.in_list(column, values[start : start + step])
        rows += db.fetchall(sql.replace("{in}", condition), (*params, *chunk))
    return rows


# One encoder for every call: json.dumps with options builds a new one each time, which
# measured a third of the cost of a small record's body.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON so equal values give equal text.

    >>> dumps({"b": [1, "ë"], "a": None}), dumps([]), dumps({})
    ('{"a":null,"b":[1,"ë"]}', '[]', '{}')
    """
    # Most of a contact's list and mapping columns are empty: no encoder call for those.
    if not value and type(value) in _EMPTY_TEXT:
        return _EMPTY_TEXT[type(value)]
    return _ENCODE(value)


_EMPTY_TEXT: dict[type, str] = {list: "[]", dict: "{}"}
