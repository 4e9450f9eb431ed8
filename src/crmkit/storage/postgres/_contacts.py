"""PostgreSQL's contact repository: the shared SQL one, plus row locks.

Write units run side by side on PostgreSQL, so the repository offers
:class:`crmkit.storage.protocols.ContactLocks`; SQLite's write transaction already holds the
whole database and its repository does not.
"""

from __future__ import annotations

from collections.abc import Collection

from crmkit.storage.sql._contacts import SQLContactRepository

__all__ = ["PostgresContactRepository"]


class PostgresContactRepository(SQLContactRepository):
    def lock(self, contact_ids: Collection[str]) -> None:
        """Row locks until the transaction ends, in id order so that two merges (or a merge
        and an unmerge) cannot deadlock."""
        if not contact_ids:
            return
        condition, params = self._db.dialect.in_list("id", sorted(contact_ids))
        self._db.fetchall(
            f"SELECT id FROM contacts WHERE workspace = ? AND {condition} ORDER BY id FOR UPDATE",
            (self._ws, *params),
        )
