"""The SQLite backend: the embedded default, standard library only."""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from types import TracebackType
from typing import Self

from crmkit.errors import SchemaVersionError, StorageError
from crmkit.storage.migrations import load_migrations
from crmkit.storage.sql._uow import SQLRepositories
from crmkit.storage.sql._upgrade import finish_upgrades
from crmkit.storage.sqlite._driver import SQLiteSession, connect, translate_errors

__all__ = ["SQLiteStorage", "SQLiteUnitOfWork"]

_MIGRATIONS_PACKAGE = "crmkit.storage.sqlite.migrations"
_memory_ids = itertools.count()


class SQLiteUnitOfWork(SQLRepositories):
    """One SQLite transaction. Writers start with ``BEGIN IMMEDIATE`` so two writers queue
    instead of failing half-way with SQLITE_BUSY; read-only units use a plain ``BEGIN``."""

    # COMMIT and the checkpoint after it run in C without the GIL, and the connection is
    # opened with check_same_thread=False (see crmkit.storage.protocols.CommitOffThread).
    commits_off_thread = True

    def __init__(self, storage: SQLiteStorage, workspace: str, *, read_only: bool) -> None:
        self.workspace = workspace
        self._storage = storage
        self._read_only = read_only
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> Self:
        conn = self._storage._connection()
        serial = self._storage._serial
        if serial is not None:
            serial.acquire()
        try:
            with translate_errors():
                conn.execute("BEGIN" if self._read_only else "BEGIN IMMEDIATE")
        except BaseException:
            if serial is not None:
                serial.release()
            raise
        self._conn = conn
        self._wire(SQLiteSession(conn))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._storage._serial is not None:
                self._storage._serial.release()

    def commit(self) -> None:
        if self._conn is None or not self._conn.in_transaction:
            raise StorageError("commit() outside the unit of work's `with` block")
        with translate_errors():
            self._conn.execute("COMMIT")
        self._conn = None

    def rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction:
            with translate_errors():
                self._conn.execute("ROLLBACK")
        self._conn = None


class SQLiteStorage:
    """A SQLite database file (created if absent), in WAL mode, one connection per thread.

    ``":memory:"`` gives a private in-memory database shared by this object's threads.

    >>> import tempfile, os
    >>> from crmkit.contacts import Contact
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "crm.sqlite")
    >>> storage = SQLiteStorage(path)
    >>> with storage.unit_of_work("acme") as uow:
    ...     uow.contacts.add(Contact.new(name="Besa", emails=["besa@example.al"]))
    ...     uow.commit()
    >>> reader = SQLiteStorage(path)
    >>> with reader.unit_of_work("acme", read_only=True) as uow:
    ...     [c.name for c in uow.contacts.find_by_identity("email:besa@example.al")]
    ['Besa']
    >>> storage.close(); reader.close(); folder.cleanup()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        # A private in-memory database lives on one connection that every thread shares,
        # one unit of work at a time: SQLite's shared-cache mode would instead fail
        # concurrent writers with SQLITE_LOCKED, which busy_timeout does not retry.
        self._serial: threading.Lock | None = None
        if self.path == ":memory:":
            self._target = f"file:crmkit-mem-{os.getpid()}-{next(_memory_ids)}?mode=memory"
            self._uri = True
            self._serial = threading.Lock()
        else:
            self._target, self._uri = self.path, False
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._keepalive = self._connection()  # also keeps a ':memory:' database alive
        self._migrate(self._keepalive)
        finish_upgrades(self)

    def _connection(self) -> sqlite3.Connection:
        if self._serial is not None and self._all:
            return self._all[0]
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._target, uri=self._uri)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        migrations = load_migrations(_MIGRATIONS_PACKAGE)
        latest = migrations[-1].version if migrations else 0
        with translate_errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if not 0 <= current <= latest:
                    raise SchemaVersionError(current, latest)
                for migration in migrations[current:]:
                    for statement in _statements(migration.sql):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {migration.version}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        with translate_errors():
            return int(self._connection().execute("PRAGMA user_version").fetchone()[0])

    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> SQLiteUnitOfWork:
        return SQLiteUnitOfWork(self, workspace, read_only=read_only)

    def compact(self) -> bool:
        """Copy the write-ahead log into the database file and truncate it to zero bytes.

        Connections run with ``secure_delete`` on, so deleted content is zeroed in the
        database file; until a checkpoint the WAL file still holds the pages as they were
        before. :meth:`crmkit.contacts.ContactsAPI.erase` runs this after every erasure.
        Returns ``False`` if a reader still holding an older snapshot (after waiting the
        busy timeout) kept the log from being emptied; the next checkpoint empties it.
        """
        if self._serial is not None:
            return True  # a private in-memory database has no files
        with translate_errors():
            busy, _, _ = self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(busy) == 0

    def after_erasure(self) -> None:
        """Called by :meth:`crmkit.contacts.ContactsAPI.erase` once an erasure commits."""
        self.compact()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SQLiteStorage({self.path!r})"


def _statements(script: str) -> list[str]:
    """Split a migration script on ';' at line ends (our files keep one statement per ';')."""
    body = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";\n") if s.strip().rstrip(";")]
