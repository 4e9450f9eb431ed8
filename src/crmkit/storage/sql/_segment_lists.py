"""Static-list membership leaves (:class:`crmkit.segments.InList`) as SQL over contact ``c``.

A contact is a member now when its latest change on the list is an addition, as
:func:`crmkit.segments.lists.members_at` decides: latest by ``at``, and at equal times by change id in
code-point order (PostgreSQL compares the ids under the "C" collation, which is that order).
The subquery is not correlated, so each engine runs it once per evaluation.
"""

from __future__ import annotations

from crmkit.errors import ListNotFoundError
from crmkit.storage.sql._segment_values import Frag, by_code_point
from crmkit.storage.sql._session import SQLSession

__all__ = ["check_lists", "list_membership"]


def check_lists(db: SQLSession, workspace: str, names: list[str]) -> None:
    """Raise :class:`ListNotFoundError` for the first of *names* the workspace lacks."""
    for name in names:
        row = db.fetchone(
            "SELECT 1 FROM contact_lists WHERE workspace = ? AND name = ?", (workspace, name)
        )
        if row is None:
            raise ListNotFoundError(name)


def list_membership(db: SQLSession, workspace: str, list_name: str) -> Frag:
    """``c.id IN (the current members of the list)``; values only as parameters."""
    order = f"l.at DESC, {by_code_point(db, 'l.id')} DESC"
    return (
        "(c.id IN (SELECT m.contact_id FROM (SELECT l.contact_id, l.added, row_number()"
        f" OVER (PARTITION BY l.contact_id ORDER BY {order}) AS latest FROM list_changes l"
        " WHERE l.workspace = ? AND l.list_name = ?) m WHERE m.latest = 1 AND m.added = ?))",
        [workspace, list_name, True],
    )
