"""sqlite3 specifics: value mapping, error translation and connection set-up."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit.errors import (
    ConflictError,
    StorageError,
    StorageUnavailableError,
    ValidationError,
)
from crmkit.storage.sql._session import Row, dumps

__all__ = ["SQLiteDialect", "SQLiteSession", "translate_errors"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DECODE = json.JSONDecoder().decode
_EMPTY: dict[str, type[list[Any]] | type[dict[str, Any]]] = {"[]": list, "{}": dict}
_US = timedelta(microseconds=1)


class SQLiteDialect:
    """Timestamps as integer microseconds (compact, fast to compare); JSON as text."""

    name = "sqlite"

    def ts(self, value: datetime) -> int:
        return (value - _EPOCH) // _US

    def ts_out(self, value: Any) -> datetime:
        # Positional arguments: half the cost of microseconds=, on every row read.
        return _EPOCH + timedelta(0, 0, value)

    def day(self, value: date) -> str:
        return value.isoformat()

    def day_out(self, value: Any) -> date:
        return date.fromisoformat(value)

    def json(self, value: Any) -> str:
        return dumps(value)

    def json_out(self, value: Any) -> Any:
        # Most list and mapping columns of a contact hold "[]" or "{}" (eight per row read).
        if type(value) is str:
            empty = _EMPTY.get(value)
            return empty() if empty is not None else _DECODE(value)
        return json.loads(value)

    def decimal(self, value: Decimal) -> str:
        return str(value)

    def decimal_out(self, value: Any) -> Decimal:
        return Decimal(value)

    def duration_us(self, later: str, earlier: str) -> str:
        return f"({later} - {earlier})"

    def month(self, column: str) -> str:
        return f"strftime('%Y-%m', {column} / 1000000, 'unixepoch')"

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    # SQLite allows 32766 parameters per statement since 3.32; stay well below.
    max_in_list = 500


DIALECT = SQLiteDialect()


@contextmanager
def translate_errors() -> Iterator[None]:
    """The one place where sqlite3 errors become crmkit errors."""
    try:
        yield
    except UnicodeEncodeError as exc:
        # Domain objects check their text; this catches a key passed straight to a read.
        raise ValidationError("value", exc.object, "is not valid Unicode text") from exc
    except OverflowError as exc:  # a Python int beyond SQLite's 64 bits
        raise ValidationError("value", None, str(exc)) from exc
    except sqlite3.IntegrityError as exc:
        raise ConflictError(f"the write breaks a database constraint: {exc}") from exc
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "unable to open" in text or "disk I/O" in text:
            raise StorageUnavailableError(f"cannot use the SQLite database: {text}") from exc
        raise StorageError(f"SQLite failed: {text}") from exc
    except sqlite3.Error as exc:
        raise StorageError(f"SQLite failed: {exc}") from exc


class SQLiteSession:
    """Runs the shared SQL on one sqlite3 connection (``?`` placeholders are native)."""

    dialect = DIALECT

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with translate_errors():
            row: Row | None = self.conn.execute(sql, params).fetchone()
            return row

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with translate_errors():
            return self.conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with translate_errors():
            return self.conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with translate_errors():
            self.conn.executemany(sql, rows)


def connect(target: str, *, uri: bool) -> sqlite3.Connection:
    with translate_errors():
        conn = sqlite3.connect(
            target, uri=uri, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Deleted content is overwritten with zeros, not left in free pages and cells, so
        # an erasure leaves nothing readable in the file (some builds default to off).
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        # Measured: a bigger page cache and in-memory temp store halve indexed bulk inserts.
        conn.execute("PRAGMA cache_size = -131072")
        conn.execute("PRAGMA temp_store = MEMORY")
    return conn
