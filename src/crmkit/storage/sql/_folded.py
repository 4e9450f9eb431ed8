"""Folded twins of text columns, written with their rows, so segments compare text plainly.

Segments compare text folded (:func:`crmkit.text.fold`: case, diacritics, Arabic/Persian
letter variants, digits, spaces), which no SQL engine reproduces. So every text column a
segment can filter on has a twin ``<column>_fold`` holding the fold of its value (NULL when
the value is NULL), computed in Python by the function that builds the row, and written by
the same statement as the row itself: no write path can store one without the other. A text
condition is then a plain comparison, ``c.city_fold = ?``, with the folded value as its
parameter.

Databases written before migration 0013 get their twins filled once, right after migrating
(:func:`refold`, driven by ``fold_pending``). A change to :func:`crmkit.text.fold` must ship
with a migration that lists the workspaces in ``fold_pending`` again.
"""

from __future__ import annotations

from collections.abc import Iterable

from crmkit.storage.sql._session import SQLSession
from crmkit.text import fold

__all__ = ["CONTACT_FOLDED", "ORGANIZATION_FOLDED", "folded", "refold", "twin", "twins"]

#: Contact columns kept beside a folded twin: every whitelisted text field stored as a column
#: (``crmkit.storage.sql._segment_values`` checks this at import).
CONTACT_FOLDED = (
    "name",
    "given_name",
    "family_name",
    "region",
    "city",
    "address",
    "postcode",
    "organization_id",
    "owner",
    "lifecycle_stage",
)
#: The same for organizations (their fields read as ``organization.<name>``).
ORGANIZATION_FOLDED = ("name", "legal_form", "tax_id", "vat_id", "domain", "industry", "country")

_TABLES = (("contacts", CONTACT_FOLDED), ("organizations", ORGANIZATION_FOLDED))
_CHUNK = 5_000


def twin(column: str) -> str:
    """The name of *column*'s folded twin."""
    return f"{column}_fold"


def twins(columns: Iterable[str]) -> tuple[str, ...]:
    return tuple(twin(c) for c in columns)


def _fold_all(values: Iterable[str | None]) -> tuple[str | None, ...]:
    return tuple(None if v is None else fold(v) for v in values)


def folded(record: object, columns: Iterable[str]) -> tuple[str | None, ...]:
    """The twins' values for *record*, whose attributes are named like the columns."""
    return _fold_all(getattr(record, c) for c in columns)


def refold(db: SQLSession, workspace: str) -> int:
    """Rewrite every folded twin in *workspace* from its column; how many rows were read.

    Rows are read in id order a chunk at a time, so memory stays flat on a large workspace.
    """
    n = 0
    for table, columns in _TABLES:
        select = (
            f"SELECT id, {', '.join(columns)} FROM {table}"
            " WHERE workspace = ? AND id > ? ORDER BY id LIMIT ?"
        )
        update = (
            f"UPDATE {table} SET {', '.join(f'{twin(c)} = ?' for c in columns)}"
            " WHERE workspace = ? AND id = ?"
        )
        after = ""
        while rows := db.fetchall(select, (workspace, after, _CHUNK)):
            db.executemany(update, [(*_fold_all(r[1:]), workspace, r[0]) for r in rows])
            after = rows[-1][0]
            n += len(rows)
    return n
