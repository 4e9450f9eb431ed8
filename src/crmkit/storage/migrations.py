"""Versioned, forward-only schema migrations shipped as numbered ``.sql`` files.

Each backend keeps its files in its own ``migrations`` folder (``0001_core.sql``,
``0002_funnel.sql``, ...). Numbers must be contiguous from 1; a database at a higher version
than the newest file was written by a newer crmkit and is refused with
:class:`crmkit.errors.SchemaVersionError` rather than misread.
"""

from __future__ import annotations

import re
from importlib import resources

import attrs

from crmkit.errors import ConfigurationError

__all__ = ["Migration", "load_migrations"]

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@attrs.frozen
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        r"""The file's statements, one by one, without its comment lines.

        Citus passes DDL on a distributed table to its workers only one statement at a
        time, so PostgreSQL runs a migration statement by statement. A statement ends
        with ``;`` at the end of a line (crmkit's files hold no function bodies).

        >>> sql = "-- a; note\nCREATE TABLE a (x INT);\nCREATE INDEX i\n  ON a (x);\n"
        >>> Migration(1, "x", sql).statements()
        ['CREATE TABLE a (x INT)', 'CREATE INDEX i\n  ON a (x)']
        """
        lines = [line for line in self.sql.splitlines() if not line.lstrip().startswith("--")]
        parts = re.split(r";[ \t]*$", "\n".join(lines), flags=re.MULTILINE)
        return [part.strip() for part in parts if part.strip()]


def load_migrations(package: str) -> tuple[Migration, ...]:
    """Read every migration file of *package*, ordered by version."""
    found = []
    for entry in resources.files(package).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise ConfigurationError(
                f"migrations of {package} are not contiguous: expected {expected:04d}, "
                f"found {migration.version:04d}_{migration.name}.sql"
            )
    return tuple(found)
