"""The PostgreSQL backend (``pip install 'crmkit[postgres]'``): psycopg 3 with a pool.

Every table is keyed by ``workspace`` first, so a distributed PostgreSQL (Citus) can shard
every table on that column without changes to crmkit.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any, Self

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from crmkit.errors import ConfigurationError

    raise ConfigurationError(
        "PostgreSQL support needs the postgres extra: pip install 'crmkit[postgres]'"
    ) from exc

from crmkit.errors import SchemaVersionError, StorageError, ValidationError
from crmkit.storage.migrations import load_migrations
from crmkit.storage.postgres._bulk import (
    PostgresInteractionRepository,
    PostgresTransactionRepository,
)
from crmkit.storage.postgres._citus import distribute_tables, require_citus
from crmkit.storage.postgres._contacts import PostgresContactRepository
from crmkit.storage.postgres._driver import PostgresSession, translate_errors, unavailable
from crmkit.storage.sql._uow import SQLRepositories
from crmkit.storage.sql._upgrade import finish_upgrades

__all__ = ["PostgresStorage", "PostgresUnitOfWork", "distribute"]

_MIGRATIONS_PACKAGE = "crmkit.storage.postgres.migrations"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Any fixed number works; it only has to be the same for every crmkit process.
_MIGRATION_LOCK = 0x63726D6B


class PostgresUnitOfWork(SQLRepositories):
    """One PostgreSQL transaction on a pooled connection (read-only units: autocommit reads)."""

    def __init__(self, storage: PostgresStorage, workspace: str, *, read_only: bool) -> None:
        self.workspace = workspace
        self._storage = storage
        self._read_only = read_only
        self._conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> Self:
        try:
            conn = self._storage._pool.getconn(timeout=self._storage.connect_timeout)
        except PoolTimeout as exc:
            storage = self._storage
            raise unavailable(
                exc,
                storage.dsn_hint,
                advice=f"no pooled connection came free within {storage.connect_timeout} s: "
                f"raise pool_size (now {storage.pool_size}) or check the server is still up",
            ) from exc
        try:
            # Reads run in autocommit: under READ COMMITTED (PostgreSQL's default) every
            # statement takes its own snapshot even inside a transaction, so BEGIN and ROLLBACK
            # would add two round trips and no consistency. The session refuses writes.
            conn.autocommit = self._read_only
        except BaseException:
            self._storage._pool.putconn(conn)
            raise
        self._conn = conn
        session = PostgresSession(conn, read_only=self._read_only)
        self._wire(
            session,
            contacts=PostgresContactRepository,
            interactions=PostgresInteractionRepository,
            transactions=PostgresTransactionRepository,
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not conn.closed:
                conn.rollback()
        finally:
            self._storage._pool.putconn(conn)

    def commit(self) -> None:
        if self._conn is None:
            raise StorageError("commit() outside the unit of work's `with` block")
        with translate_errors():
            self._conn.commit()

    def rollback(self) -> None:
        if self._conn is not None:
            with translate_errors():
                self._conn.rollback()


class PostgresStorage:
    """A PostgreSQL database, migrated forward on open.

    ``schema`` keeps crmkit's tables in their own schema (created if absent), e.g. one per
    test run. ``pool_size`` is the most connections this process opens.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        pool_size: int = 8,
        connect_timeout: float = 5.0,
    ) -> None:
        _check_schema(schema)
        if not isinstance(pool_size, int) or pool_size < 1:
            raise ValidationError("pool_size", pool_size, "a positive number of connections")
        self.dsn = dsn
        self.schema = schema
        self.pool_size = pool_size
        self.connect_timeout = connect_timeout
        self.dsn_hint = _hint(dsn)
        self._connect_options: dict[str, Any] = {
            "autocommit": False,
            "options": _session_options(dsn, schema),
        }
        self._distributed_on_open = self._bootstrap()
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            dsn, min_size=1, max_size=pool_size, kwargs=self._connect_options, open=False
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout as exc:
            raise unavailable(exc, self.dsn_hint) from exc
        finish_upgrades(self)

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                self.dsn,
                connect_timeout=max(1, int(self.connect_timeout)),
                **self._connect_options,
            )
        except psycopg.OperationalError as exc:
            raise unavailable(exc, self.dsn_hint) from exc

    def _bootstrap(self) -> list[str]:
        """Migrate; on a distributed (Citus) database, distribute the tables an upgrade
        added. Returns the tables it distributed."""
        migrations = load_migrations(_MIGRATIONS_PACKAGE)
        latest = migrations[-1].version if migrations else 0
        with self._connect() as conn, translate_errors():
            # One transaction under one lock: processes opening the database at once create
            # the schema and run each migration exactly once, and a failed migration leaves
            # nothing behind (PostgreSQL DDL is transactional).
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            if self.schema is not None:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            conn.execute(
                "CREATE TABLE IF NOT EXISTS crmkit_schema_version (version INTEGER NOT NULL)"
            )
            row = conn.execute("SELECT max(version) FROM crmkit_schema_version").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            if not 0 <= current <= latest:
                raise SchemaVersionError(current, latest)
            for migration in migrations[current:]:
                for statement in migration.statements():
                    conn.execute(statement.encode())
                conn.execute(
                    "INSERT INTO crmkit_schema_version (version) VALUES (%s)", (migration.version,)
                )
            conn.commit()
            conn.autocommit = True  # distribute_tables runs one transaction per table
            return distribute_tables(conn, _crmkit_tables(), only_if_started=True)

    @property
    def schema_version(self) -> int:
        with self._connect() as conn, translate_errors():
            row = conn.execute("SELECT max(version) FROM crmkit_schema_version").fetchone()
            return int(row[0]) if row and row[0] is not None else 0

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self, workspace, read_only=read_only)

    def compact(self, *, full: bool = True) -> list[str]:
        """VACUUM crmkit's tables, so that rows deleted by erasures (and every other delete)
        are gone from the table and index files; returns the tables, sorted.

        A ``DELETE`` leaves the row in its page (a dead tuple) and its index entries until a
        vacuum. ``full=True`` (``VACUUM FULL``) rewrites each table and its indexes into new
        files: measured, nothing of an erased person is left in them. It holds an exclusive
        lock on each table while rewriting it (readers and writers of that table wait), so
        run it off-peak, e.g. nightly after the day's erasures. ``full=False`` (plain
        ``VACUUM``) takes no such lock and frees the space for reuse, but bytes of deleted
        rows can stay in the freed space of a page until new rows overwrite them.

        Neither reaches PostgreSQL's write-ahead log (``pg_wal``, recycled after
        checkpoints), WAL archives, replicas' files or backups: see docs/postgres.md.
        """
        names = sorted(_crmkit_tables())
        with self._connect() as conn, translate_errors():
            conn.autocommit = True  # VACUUM cannot run inside a transaction block
            present = conn.execute(
                "SELECT c.relname FROM pg_class c "
                "WHERE c.relnamespace = current_schema()::regnamespace "
                "AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s) ORDER BY c.relname",
                (names,),
            ).fetchall()
            tables = [r[0] for r in present]
            for table in tables:
                conn.execute(f'VACUUM {"(FULL) " if full else ""}"{table}"'.encode())
        return tables

    def drop_schema(self) -> None:
        """Drop this storage's schema and everything in it (for test runs); then close."""
        if self.schema is None:
            raise ValidationError("schema", None, "only a storage opened with schema= can drop it")
        self._pool.close()
        with self._connect() as conn, translate_errors():
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            conn.commit()

    def close(self) -> None:
        self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresStorage({self.dsn_hint!r}, schema={self.schema!r})"


def _crmkit_tables() -> list[str]:
    """The tables crmkit's migrations create, in the order they create them (so a table
    comes after the tables its foreign keys point at)."""
    created = re.compile(r"^\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE | re.MULTILINE)
    names = (
        name
        for migration in load_migrations(_MIGRATIONS_PACKAGE)
        for name in created.findall(migration.sql)
    )
    return list(dict.fromkeys(names))


def distribute(dsn: str, *, schema: str | None = None) -> list[str]:
    """Distribute every crmkit table of a Citus database on ``workspace``, co-located with
    ``contacts``; returns the tables it distributed this call, in that order.

    Migrates the database first if needed. Idempotent: a second call distributes nothing
    and returns ``[]``; after an upgrade added tables, opening the database distributes
    them (and so does this). ``crmkit_schema_version`` stays a plain table on the
    coordinator. Raises ``ConfigurationError`` if the database has no citus extension.
    """
    _check_schema(schema)
    try:
        check = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise unavailable(exc, _hint(dsn)) from exc
    with check, translate_errors():
        require_citus(check, _hint(dsn))
    storage = PostgresStorage(dsn, schema=schema, pool_size=1)
    try:
        with storage._connect() as conn, translate_errors():
            conn.autocommit = True
            return storage._distributed_on_open + distribute_tables(conn, _crmkit_tables())
    finally:
        storage.close()


def _check_schema(schema: str | None) -> None:
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise ValidationError("schema", schema, "lower-case letters, digits and _ only")


def _session_options(dsn: str, schema: str | None) -> str:
    """Server settings for every connection, kept beside any ``options`` the URL carries.

    The session time zone is UTC so anything the server computes from a ``timestamptz``
    (reports, aggregates) sees the same day boundaries whatever the server's default.
    """
    try:
        given = str(psycopg.conninfo.conninfo_to_dict(dsn).get("options") or "")
    except psycopg.ProgrammingError:
        given = ""
    ours = "-c timezone=UTC" + (f" -c search_path={schema}" if schema is not None else "")
    return f"{given} {ours}".strip()


def _hint(dsn: str) -> str:
    """The DSN without its password, for error messages."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparsable connection string>"
    host, port, db = parts.get("host", "localhost"), parts.get("port", "5432"), parts.get("dbname")
    return f"{parts.get('user', '')}@{host}:{port}/{db or ''}"
