"""psycopg 3 specifics: value mapping, placeholder style and error translation."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from crmkit.errors import ConflictError, StorageError, StorageUnavailableError
from crmkit.storage.sql._session import Row

__all__ = ["PostgresDialect", "PostgresSession", "translate_errors", "unavailable"]


class PostgresDialect:
    """Native ``timestamptz``, ``date`` and ``jsonb`` columns."""

    name = "postgresql"

    def ts(self, value: datetime) -> datetime:
        return value

    def ts_out(self, value: Any) -> datetime:
        result: datetime = value.astimezone(UTC)
        return result

    def day(self, value: date) -> date:
        return value

    def day_out(self, value: Any) -> date:
        result: date = value
        return result

    def json(self, value: Any) -> Any:
        return Jsonb(value)

    def json_out(self, value: Any) -> Any:
        return value

    def decimal(self, value: Decimal) -> Decimal:
        return value

    def decimal_out(self, value: Any) -> Decimal:
        return Decimal(value)

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        # One array parameter: one plan and one round trip however many values there are.
        return f"{column} = ANY(?)", [list(values)]

    max_in_list = 100_000


DIALECT = PostgresDialect()


@functools.lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """The shared queries use ``?``; psycopg wants ``%s`` (and a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def unavailable(exc: Exception, dsn_hint: str) -> StorageUnavailableError:
    """A connection failure, with what to do about it."""
    text = str(exc).strip()
    if "password authentication failed" in text or "no password supplied" in text:
        advice = "check the user name and password in the connection URL"
    elif "does not exist" in text:
        advice = "create the database first (CREATE DATABASE ...) or fix its name in the URL"
    elif "Connection refused" in text or "could not connect" in text or "timeout" in text:
        advice = "is PostgreSQL running and listening on that host and port?"
    else:
        advice = "check the connection URL and that the server is reachable"
    return StorageUnavailableError(f"cannot connect to PostgreSQL at {dsn_hint}: {text}; {advice}")


@contextmanager
def translate_errors() -> Iterator[None]:
    """The one place where psycopg errors become crmkit errors."""
    try:
        yield
    except (pg_errors.UniqueViolation, pg_errors.ForeignKeyViolation) as exc:
        raise ConflictError(f"the write breaks a database constraint: {exc}") from exc
    except pg_errors.IntegrityError as exc:
        raise ConflictError(f"the write breaks a database constraint: {exc}") from exc
    except psycopg.OperationalError as exc:
        raise StorageUnavailableError(f"PostgreSQL is unavailable: {exc}") from exc
    except psycopg.Error as exc:
        raise StorageError(f"PostgreSQL failed: {exc}") from exc


class PostgresSession:
    """Runs the shared SQL on one psycopg connection inside its open transaction."""

    dialect = DIALECT

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with translate_errors():
            row: Row | None = self.conn.execute(to_pyformat(sql), params).fetchone()
            return row

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with translate_errors():
            return self.conn.execute(to_pyformat(sql), params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with translate_errors():
            return self.conn.execute(to_pyformat(sql), params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with translate_errors(), self.conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), list(rows))
