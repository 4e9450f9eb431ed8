"""The duplicate-review queue on any SQL backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmkit.errors import AlreadyExistsError, ReviewItemNotFoundError
from crmkit.identity.review import ReviewItem
from crmkit.storage.sql._bulk_insert import insert_rows
from crmkit.storage.sql._session import Row, SQLSession, fetchall_in

__all__ = ["SQLReviewRepository"]

_COLS = "id, contact_id, candidate_ids, score, reasons, status, created_at, resolved_at, merge_id"
_SELECT = f"SELECT {_COLS} FROM review_items WHERE workspace = ? "


class SQLReviewRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def _row(self, item: ReviewItem) -> tuple[Any, ...]:
        d = self._db.dialect
        return (
            item.id,
            item.contact_id,
            d.json(list(item.candidate_ids)),
            item.score,
            d.json(list(item.reasons)),
            item.status,
            d.ts(item.created_at),
            None if item.resolved_at is None else d.ts(item.resolved_at),
            item.merge_id,
        )

    def _item(self, row: Row) -> ReviewItem:
        d = self._db.dialect
        return ReviewItem(
            id=row[0],
            contact_id=row[1],
            candidate_ids=tuple(d.json_out(row[2])),
            score=float(row[3]),
            reasons=tuple(d.json_out(row[4])),
            status=row[5],
            created_at=d.ts_out(row[6]),
            resolved_at=None if row[7] is None else d.ts_out(row[7]),
            merge_id=row[8],
        )

    def _link(self, item: ReviewItem, old: ReviewItem | None) -> None:
        before = set(old.contact_ids) if old else set()
        after = set(item.contact_ids)
        if before - after:
            self._db.executemany(
                "DELETE FROM review_links WHERE workspace = ? AND contact_id = ? AND review_id = ?",
                [(self._ws, cid, item.id) for cid in sorted(before - after)],
            )
        if after - before:
            self._db.executemany(
                "INSERT INTO review_links (workspace, contact_id, review_id) VALUES (?, ?, ?)",
                [(self._ws, cid, item.id) for cid in sorted(after - before)],
            )

    def add(self, item: ReviewItem) -> None:
        if self._db.fetchone(_SELECT + "AND id = ?", (self._ws, item.id)) is not None:
            raise AlreadyExistsError("review item", item.id)
        self._db.execute(
            f"INSERT INTO review_items (workspace, {_COLS}) VALUES (?{', ?' * 9})",
            (self._ws, *self._row(item)),
        )
        self._link(item, None)

    def add_many(self, items: Sequence[ReviewItem]) -> None:
        """See :class:`crmkit.storage.protocols.BulkReviews`."""
        if not items:
            return
        taken = fetchall_in(
            self._db,
            "SELECT id FROM review_items WHERE workspace = ? AND {in} ORDER BY id",
            "id",
            sorted({item.id for item in items}),
            (self._ws,),
        )
        if taken:
            raise AlreadyExistsError("review item", taken[0][0])
        columns = [c.strip() for c in _COLS.split(",")]
        insert_rows(
            self._db, "review_items", columns, [(self._ws, *self._row(item)) for item in items]
        )
        links = [(self._ws, c, item.id) for item in items for c in sorted(set(item.contact_ids))]
        insert_rows(self._db, "review_links", ("contact_id", "review_id"), links)

    def get(self, item_id: str) -> ReviewItem:
        row = self._db.fetchone(_SELECT + "AND id = ?", (self._ws, item_id))
        if row is None:
            raise ReviewItemNotFoundError(item_id)
        return self._item(row)

    def update(self, item: ReviewItem) -> None:
        old = self.get(item.id)
        row = self._row(item)
        self._db.execute(
            "UPDATE review_items SET contact_id = ?, candidate_ids = ?, score = ?, reasons = ?, "
            "status = ?, created_at = ?, resolved_at = ?, merge_id = ? "
            "WHERE workspace = ? AND id = ?",
            (*row[1:], self._ws, item.id),
        )
        self._link(item, old)

    def remove(self, item_id: str) -> None:
        self.get(item_id)  # ReviewItemNotFoundError
        self._db.execute(
            "DELETE FROM review_links WHERE workspace = ? AND review_id = ?", (self._ws, item_id)
        )
        self._db.execute(
            "DELETE FROM review_items WHERE workspace = ? AND id = ?", (self._ws, item_id)
        )

    def select(self, *, status: str | None = None) -> list[ReviewItem]:
        where, params = ("AND status = ? ", (self._ws, status)) if status else ("", (self._ws,))
        rows = self._db.fetchall(_SELECT + where + "ORDER BY created_at, id", params)
        return [self._item(r) for r in rows]

    def for_contact(self, contact_id: str) -> list[ReviewItem]:
        rows = self._db.fetchall(
            f"SELECT {', '.join('r.' + c.strip() for c in _COLS.split(','))} "
            "FROM review_links l JOIN review_items r "
            "ON r.workspace = l.workspace AND r.id = l.review_id "
            "WHERE l.workspace = ? AND l.contact_id = ? ORDER BY r.created_at, r.id",
            (self._ws, contact_id),
        )
        return [self._item(r) for r in rows]
