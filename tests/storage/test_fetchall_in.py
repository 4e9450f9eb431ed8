"""``fetchall_in``: an ``IN`` look-up over more values than one condition may carry."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from crmkit.storage.sql._session import Row, fetchall_in
from crmkit.storage.sqlite._driver import DIALECT


class _SmallDialect:
    """SQLite's dialect, with room for three values a condition."""

    max_in_list = 3

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return DIALECT.in_list(column, values)


class _Session:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.dialect = _SmallDialect()
        self.statements = 0

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.statements += 1
        return [tuple(r) for r in self.conn.execute(sql, params).fetchall()]


@given(
    st.lists(st.integers(0, 20), unique=True),
    st.sets(st.integers(0, 20)),
)
def test_every_chunk_is_asked_with_the_params_before_it(
    stored: list[int], wanted: set[int]
) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (ws TEXT, v INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(w, v) for v in stored for w in ("a", "b")])
    db = _Session(conn)
    values = sorted(wanted)
    rows = fetchall_in(
        db,  # type: ignore[arg-type]
        "SELECT ws, v FROM t WHERE ws = ? AND {in} ORDER BY v",
        "v",
        values,
        ("a",),
    )
    assert rows == [("a", v) for v in values if v in stored]
    assert db.statements == -(-len(values) // 3)
