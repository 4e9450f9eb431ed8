"""SQL shared by the SQLite and PostgreSQL backends: queries written once, per-dialect values.

``SQL_COMPILER`` (a :class:`crmkit.segments.compiler.Compiler`) turns segments into one
WHERE condition; register a handler on it to push a new leaf down to both engines, with
:class:`SQLScope` as its context.
"""

from crmkit.storage.sql._segment_sql import SQL_COMPILER, SQLScope

__all__ = ["SQL_COMPILER", "SQLScope"]
