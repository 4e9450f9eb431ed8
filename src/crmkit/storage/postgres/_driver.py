"""psycopg 3 specifics: value mapping, placeholder style and error translation."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from crmkit.errors import ConflictError, StorageError, StorageUnavailableError, ValidationError
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

    def duration_us(self, later: str, earlier: str) -> str:
        # EXTRACT(EPOCH ...) is numeric since PostgreSQL 14: exact to the microsecond.
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000)::bigint"

    def month(self, column: str) -> str:
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        # One array parameter: one plan and one round trip however many values there are.
        return f"{column} = ANY(?)", [list(values)]

    max_in_list = 100_000


DIALECT = PostgresDialect()


@functools.lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """The shared queries use ``?``; psycopg wants ``%s`` (and a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def unavailable(
    exc: Exception, dsn_hint: str, *, advice: str | None = None
) -> StorageUnavailableError:
    """A connection failure, with what to do about it."""
    text = " ".join(str(exc).split())
    if advice is None:
        advice = _advice(text)
    return StorageUnavailableError(f"cannot connect to PostgreSQL at {dsn_hint}: {text}; {advice}")


def _advice(text: str) -> str:
    if "password authentication failed" in text or "no password supplied" in text:
        return "check the user name and password in the connection URL"
    if re.search(r'role "[^"]*" does not exist', text):
        return "check the user name in the connection URL, or CREATE ROLE it on the server"
    if re.search(r'database "[^"]*" does not exist', text):
        return "create the database first (CREATE DATABASE ...) or fix its name in the URL"
    if "failed to resolve host" in text:
        return "check the host name in the connection URL"
    if "Connection refused" in text or "timeout" in text or "timed out" in text:
        return "is PostgreSQL running and listening on that host and port?"
    return "check the connection URL and that the server is reachable"


# SQLSTATE classes that mean the connection or the server went away, not the statement.
_GONE = ("08", "57P")
# Citus reports a constraint a worker refused during COPY as an internal error (XX000)
# carrying the worker's message; it is the same conflict as on one server.
_WORKER_CONSTRAINT = re.compile(r"violates \S+ (?:key )?constraint|duplicate key value")


@contextmanager
def translate_errors() -> Iterator[None]:
    """The one place where psycopg errors become crmkit errors."""
    try:
        yield
    except UnicodeEncodeError as exc:
        # Domain objects check their text; this catches a key passed straight to a read.
        raise ValidationError("value", exc.object, "is not valid Unicode text") from exc
    except (psycopg.DataError, pg_errors.ProgramLimitExceeded) as exc:
        # A value PostgreSQL cannot take (NUL in text, a number out of range, a key too long
        # for an index): the input is at fault, not the database.
        raise ValidationError("value", None, f"PostgreSQL refused it: {exc}") from exc
    except pg_errors.IntegrityError as exc:
        # Unique identities, foreign keys: the caller (e.g. ``crm.record``) may retry.
        raise ConflictError(f"the write breaks a database constraint: {exc}") from exc
    except (
        pg_errors.TransactionRollback,
        pg_errors.SerializationFailure,
        pg_errors.DeadlockDetected,
    ) as exc:
        raise ConflictError(
            f"a concurrent transaction conflicted with this one; retry the unit of work: {exc}"
        ) from exc
    except pg_errors.InFailedSqlTransaction as exc:
        raise StorageError(
            "an earlier statement of this unit of work failed, so PostgreSQL aborted the "
            "transaction; leave the `with` block and retry in a new unit of work"
        ) from exc
    except psycopg.OperationalError as exc:
        if exc.sqlstate is None or exc.sqlstate.startswith(_GONE):
            raise StorageUnavailableError(f"PostgreSQL is unavailable: {exc}") from exc
        raise StorageError(f"PostgreSQL failed: {exc}") from exc
    except pg_errors.InternalError_ as exc:
        if _WORKER_CONSTRAINT.search(exc.diag.message_primary or ""):
            raise ConflictError(f"the write breaks a database constraint: {exc}") from exc
        raise StorageError(f"PostgreSQL failed: {exc}") from exc
    except psycopg.Error as exc:
        raise StorageError(f"PostgreSQL failed: {exc}") from exc


class PostgresSession:
    """Runs the shared SQL on one psycopg connection inside its open transaction."""

    dialect = DIALECT

    def __init__(self, conn: psycopg.Connection[Any], *, read_only: bool = False) -> None:
        self.conn = conn
        self.read_only = read_only

    def check_writable(self) -> None:
        if self.read_only:
            raise StorageError("a read-only unit of work cannot write; open it without read_only")

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with translate_errors():
            row: Row | None = self.conn.execute(to_pyformat(sql), params).fetchone()
            return row

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with translate_errors():
            return self.conn.execute(to_pyformat(sql), params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.check_writable()
        with translate_errors():
            return self.conn.execute(to_pyformat(sql), params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.check_writable()
        with translate_errors(), self.conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), list(rows))

    def copy_rows(self, table: str, columns: Iterable[str], rows: Iterable[Sequence[Any]]) -> int:
        """COPY *rows* (each starting with the workspace) into *table*; how many were sent.

        Text format: binary COPY measured no faster here (within noise) and needs every
        column's type up front.
        """
        self.check_writable()
        statement = f"COPY {table} (workspace, {', '.join(columns)}) FROM STDIN"
        n = 0
        with translate_errors(), self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
