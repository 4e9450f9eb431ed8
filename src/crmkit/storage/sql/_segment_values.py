"""Where each whitelisted segment field lives in SQL, and conditions on it resolved exactly.

Text is compared folded (:func:`crmkit.text.fold`: case, diacritics, Arabic/Persian letter
variants, digits), which no SQL engine reproduces. Text columns therefore carry a folded twin
written with the row (:mod:`crmkit.storage.sql._folded`), and a condition on one compares the
twin with the folded value. Custom fields (JSON values that carry types) and derived fields
have no twin: a condition on one is decided in Python on the field's *distinct stored values*
with the evaluator's own predicate, and sent back as ``column IN (the stored values that
match)``: the database still does the filtering, by parameters only, and the result is the
in-memory one by construction. Dates and timestamps compare natively.

SQL text here is built only from the literals of this module; a field name selects a literal
from :data:`_CONTACT_COLUMNS` / :data:`_ORGANIZATION_COLUMNS`, and every value (including a
custom field's key) travels as a parameter.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from crmkit.segments import CONTACT_FIELDS, ORGANIZATION_FIELDS, FieldKind, field_kind
from crmkit.storage.sql._folded import CONTACT_FOLDED, ORGANIZATION_FOLDED, twin
from crmkit.storage.sql._session import SQLSession, dumps

__all__ = ["Frag", "Source", "by_code_point", "member_of", "source_for", "when_org"]

#: A piece of a WHERE clause and its parameters, in order of their ``?``.
Frag = tuple[str, list[Any]]

_CONTACT_COLUMNS = {
    "name": "name",
    "given_name": "given_name",
    "family_name": "family_name",
    "region": "region",
    "city": "city",
    "address": "address",
    "postcode": "postcode",
    "organization_id": "organization_id",
    "owner": "owner",
    "lifecycle_stage": "lifecycle_stage",
    "birthday": "birthday",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
_ORGANIZATION_COLUMNS = {
    "name": "name",
    "legal_form": "legal_form",
    "tax_id": "tax_id",
    "vat_id": "vat_id",
    "domain": "domain",
    "industry": "industry",
    "country": "country",
    "created_at": "created_at",
}
# A field added to the whitelist must be mapped here too, or importing this module fails.
assert set(_CONTACT_COLUMNS) | {"customer_type"} == set(CONTACT_FIELDS)
assert set(_ORGANIZATION_COLUMNS) == set(ORGANIZATION_FIELDS)


def _text_columns(columns: dict[str, str], fields: Mapping[str, FieldKind]) -> set[str]:
    return {col for name, col in columns.items() if fields[name] is FieldKind.TEXT}


# Every text column has a folded twin, and only those, or importing this module fails.
assert _text_columns(_CONTACT_COLUMNS, CONTACT_FIELDS) == set(CONTACT_FOLDED)
assert _text_columns(_ORGANIZATION_COLUMNS, ORGANIZATION_FIELDS) == set(ORGANIZATION_FOLDED)

_CUSTOMER_TYPE = "CASE WHEN {t}.organization_id IS NULL THEN 'individual' ELSE 'organization' END"
# Above this many values an IN list travels as one parameter (a JSON array, or a PostgreSQL
# array) instead of one ``?`` each: SQLite caps the parameters of a statement.
_INLINE = 64


# Python compares str by code point; so do SQLite's BINARY and PostgreSQL's "C" collation
# (byte order of UTF-8 is code point order). Other PostgreSQL collations order differently.
_BY_CODE_POINT = {"sqlite": "{e}", "postgresql": '({e} COLLATE "C")'}


def by_code_point(db: SQLSession, expr: str) -> str:
    """*expr* as it orders and compares in Python's ``str`` order, on this engine."""
    return _BY_CODE_POINT[db.dialect.name].format(e=expr)


def member_of(db: SQLSession, frag: Frag, values: Sequence[str]) -> Frag:
    """``expr IN values``; NULL when expr is NULL, which the compiler reads as false."""
    expr, params = frag
    if not values:
        return "(1 = 0)", []
    if db.dialect.name == "postgresql":
        return f"({expr} = ANY(?))", [*params, list(values)]
    if len(values) <= _INLINE:
        return f"({expr} IN ({', '.join('?' * len(values))}))", [*params, *values]
    return f"({expr} IN (SELECT value FROM json_each(?)))", [*params, dumps(list(values))]


@attrs.frozen
class Source:
    """One field as SQL: the table holding it, an expression over alias ``t``, and how a
    stored value reads back as the Python value the in-memory evaluator sees."""

    table: str  # "contacts" or "organizations"
    expr: str  # with {t} for the table alias
    params: tuple[Any, ...] = ()
    decode: Callable[[Any], Any] | None = None  # None: the stored value is the value
    kind: FieldKind = FieldKind.TEXT
    known: tuple[Any, ...] | None = None  # every value the expression can take, if fixed
    folded: str | None = None  # the folded twin of a text column, over alias ``t``

    def sql(self, alias: str) -> Frag:
        return self.expr.format(t=alias), list(self.params)

    def distinct(self, db: SQLSession, workspace: str) -> list[Any]:
        """The distinct non-NULL stored values of the field in *workspace*."""
        if self.known is not None:
            return list(self.known)
        expr, params = self.sql("t")
        rows = db.fetchall(
            f"SELECT DISTINCT {expr} FROM {self.table} t WHERE t.workspace = ?",
            [*params, workspace],
        )
        return [r[0] for r in rows if r[0] is not None]

    def value(self, raw: Any) -> Any:
        return raw if self.decode is None else self.decode(raw)


def _json_value(raw: Any) -> Any:
    # SQLite hands the JSON text of the value; PostgreSQL's ``::text`` of the jsonb value.
    return json.loads(raw)


def _safe_sqlite_key(key: str) -> bool:
    # SQLite's JSON path has no escapes: a quote, a backslash or a control character in the
    # key cannot be written as a path, so such keys are read in Python instead. So are all
    # keys before SQLite 3.38, which lacks ``->`` (the exact JSON text of a value).
    return sqlite3.sqlite_version_info >= (3, 38) and all(
        ch not in '"\\' and ch.isprintable() for ch in key
    )


def _custom(db: SQLSession, workspace: str, table: str, key: str) -> Source:
    if db.dialect.name == "postgresql":
        return Source(table, "({t}.custom -> ?)::text", (key,), _json_value, FieldKind.CUSTOM)
    if _safe_sqlite_key(key):
        return Source(table, "({t}.custom -> ?)", (f'$."{key}"',), _json_value, FieldKind.CUSTOM)
    return _python_custom(db, workspace, table, key)


def _python_custom(db: SQLSession, workspace: str, table: str, key: str) -> Source:
    """The field read row by row in Python; the 'stored value' is then the row's id."""
    values: dict[str, Any] = {}
    for row_id, custom in db.fetchall(
        f"SELECT id, custom FROM {table} WHERE workspace = ?", [workspace]
    ):
        value = db.dialect.json_out(custom).get(key)
        if value is not None:
            values[row_id] = value
    return Source(table, "{t}.id", (), values.get, FieldKind.CUSTOM, tuple(values))


def _column(table: str, column: str, kind: FieldKind) -> Source:
    folded = "{t}." + twin(column) if kind is FieldKind.TEXT else None
    return Source(table, "{t}." + column, kind=kind, folded=folded)


def source_for(db: SQLSession, workspace: str, name: str) -> Source:
    """The SQL home of whitelisted field *name* (``field_kind`` has already accepted it)."""
    kind = field_kind(name)
    if name == "customer_type":
        return Source("contacts", _CUSTOMER_TYPE, known=("individual", "organization"))
    if name in _CONTACT_COLUMNS:
        return _column("contacts", _CONTACT_COLUMNS[name], kind)
    head, _, rest = name.partition(".")
    if head == "custom":
        return _custom(db, workspace, "contacts", rest)
    if rest.startswith("custom."):
        return _custom(db, workspace, "organizations", rest[len("custom.") :])
    return _column("organizations", _ORGANIZATION_COLUMNS[rest], kind)


def when_org(source: Source, inner: Frag, workspace: str) -> Frag:
    """A condition on the contact's row, given one on its table's row (alias ``t``).

    The subquery names the workspace itself (not ``= c.workspace``): Citus then routes the
    whole statement to the workspace's shard; correlated only through ``c.workspace``, two
    such subqueries under ``AND``/``OR`` are a plan Citus refuses ("complex joins").
    """
    sql, params = inner
    if source.table == "contacts":
        return sql.replace("{t}", "c"), params
    return (
        "EXISTS (SELECT 1 FROM organizations o WHERE o.workspace = ?"
        f" AND o.id = c.organization_id AND {sql.replace('{t}', 'o')})",
        [workspace, *params],
    )
