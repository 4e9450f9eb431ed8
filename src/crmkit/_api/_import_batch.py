"""The import a batch at a time: the rows of a batch read, matched and reviewed against a
:class:`~crmkit._api._import_view.BatchView`, and what they create written a table at a
time at the end.

The outcomes are those of the row-by-row path (:func:`crmkit._api._import_rowwise.import_one`),
row for row: the same actions, contacts, conflicts, review items and fingerprints, since
the view answers every look-up as the store would have after the earlier rows. What
changes is the number of statements: the look-ups are made once per batch rather than
once per row, and each table is written once per batch (on PostgreSQL and Citus each
statement is a round trip; on SQLite each costs Python work).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from crmkit._api._base import Context
from crmkit._api._import_rowwise import (
    REMEMBERED,
    fill,
    numbered_fingerprint,
    row_error,
    suppressed,
)
from crmkit._api._import_view import BatchView
from crmkit._api.identity.resolve import MatchPolicy, review_in
from crmkit._api.privacy.erasure import Suppression
from crmkit.contacts import Contact
from crmkit.errors import DuplicateContactError, ValidationError
from crmkit.identity.contact_match import forget_forms, query_keys
from crmkit.importing import ImportRow, RowOutcome, parse_row
from crmkit.storage.protocols import UnitOfWork

__all__ = ["ImportBatch", "Parsed", "prepare_rows"]

_ALL = frozenset(("email", "phone", "handle", "external_id"))


@attrs.frozen
class Parsed:
    """A row read up front, before its batch's unit of work opens (nothing in it reads the
    store): an import prepares the next batch while the last one commits."""

    row: ImportRow
    fingerprint: str
    # The row's identity keys it is matched on (asked up front and again when written).
    matched: list[str]
    # The contact the row would create, made up front so that the keys it would be
    # reviewed under can be read with the batch's; or why it cannot be made.
    draft: Contact | ValidationError


def _draft(row: ImportRow, now: datetime) -> Contact | ValidationError:
    try:
        return row.contact(now)
    except ValidationError as exc:
        return exc


def prepare_rows(
    rows: Sequence[Mapping[str, Any]],
    start: int,
    *,
    match_on: frozenset[str],
    seen: Counter[str],
    default_region: str | None,
    now: datetime,
) -> list[Parsed | ValidationError]:
    """Rows ``start``, ``start + 1``, ... read and normalised, each with its fingerprint
    (numbered against *seen*, which this updates) and the contact it would create."""
    parsed: list[Parsed | ValidationError] = []
    for index, raw in enumerate(rows, start):
        try:
            row = parse_row(raw, index, default_region=default_region)
        except ValidationError as exc:
            parsed.append(exc)
            continue
        fingerprint = numbered_fingerprint(row, seen)
        matched = row.identity_keys(match_on)
        parsed.append(Parsed(row, fingerprint, matched, _draft(row, now)))
    return parsed


class ImportBatch:
    """One batch of rows in one unit of work. Iterate for ``(outcome, error)`` per row, in
    order; then :meth:`flush` (nothing is written before, except updates of contacts the
    store already held)."""

    def __init__(
        self,
        ctx: Context,
        uow: UnitOfWork,
        parsed: list[Parsed | ValidationError],
        start: int,
        policy: MatchPolicy | None,
        known: Mapping[str, Contact] | None = None,
    ) -> None:
        self.ctx, self.uow, self.policy = ctx, uow, policy
        self.suppression = Suppression(ctx, uow)
        self.parsed = parsed
        self.start = start
        self.created: set[str] = set()
        # The blocking keys each draft is reviewed under, by contact id (read up front).
        self.queries: dict[str, dict[str, int]] = {}
        good = [p for p in self.parsed if isinstance(p, Parsed)]
        keys = {k for p in good for k in p.row.identity_keys(_ALL)}
        self.view = BatchView(uow, keys, (p.fingerprint for p in good), known)
        if policy is not None and self.view.prefetches_blocks:
            self._prefetch_reviews(good)

    def _prefetch_reviews(self, parsed: list[Parsed]) -> None:
        """Read the blocking-key holders of the contacts the rows would create, all at once."""
        keys: set[str] = set()
        for p in parsed:
            if isinstance(p.draft, Contact) and not self.view.holders(p.matched):
                query = query_keys(self.view.prepared_forms(p.draft)[0])
                self.queries[p.draft.id] = query
                keys.update(query)
        self.view.prefetch_blocks(keys)

    def __iter__(self) -> Iterator[tuple[RowOutcome, ValidationError | None]]:
        for index, parsed in enumerate(self.parsed, self.start):
            if isinstance(parsed, ValidationError):
                yield row_error(index, parsed)
                continue
            try:
                outcome = self._write(parsed)
            except ValidationError as exc:
                yield row_error(index, exc)
                continue
            if outcome.action == "created" and outcome.contact_id is not None:
                self.created.add(outcome.contact_id)
            if outcome.contact_id is not None and outcome.action in REMEMBERED:
                self.view.put(parsed.fingerprint, outcome.contact_id)
            yield outcome, None

    def flush(self) -> None:
        self.view.flush()
        # The contacts drafted for rows that created nobody were folded for nothing.
        forget_forms(
            p.draft
            for p in self.parsed
            if isinstance(p, Parsed)
            and isinstance(p.draft, Contact)
            and p.draft.id not in self.created
        )

    def _write(self, parsed: Parsed) -> RowOutcome:
        """:func:`crmkit._api._import_rowwise._write_row` against the view."""
        row, view = parsed.row, self.view
        index = row.index
        owners: dict[str, Contact] = {}
        for held in view.holders(parsed.matched).values():
            for owner in held:
                owners.setdefault(owner.id, owner)
        known = None if owners else view.fingerprint(parsed.fingerprint)
        if known is not None and (contact := view.find_by_id(known)) is not None:
            owners[contact.id] = contact
        if len(owners) > 1:
            names = ", ".join(sorted(owners))
            return RowOutcome(index, "conflict", reason=f"identities belong to contacts {names}")
        now = self.ctx.clock()
        try:
            if not owners:
                if isinstance(parsed.draft, ValidationError):
                    raise parsed.draft
                contact = parsed.draft
                if contact.created_at != now:
                    contact = contact.restamped(now)
                if (hit := suppressed(self.suppression, None, contact, view.holds)) is not None:
                    return RowOutcome(index, "suppressed", reason=hit)
                view.add(contact)
                if self.policy is None:
                    return RowOutcome(index, "created", contact.id)
                item = review_in(view, contact, self.policy, now, self.queries.get(contact.id))
                if item is not None:
                    view.add_review(item)
                return RowOutcome(index, "created", contact.id, review_id=item.id if item else None)
            current = next(iter(owners.values()))
            updated = fill(current, row, now)
            if updated is current:
                return RowOutcome(index, "unchanged", current.id)
            if (hit := suppressed(self.suppression, current, updated, view.holds)) is not None:
                return RowOutcome(index, "suppressed", current.id, reason=hit)
            view.update(current, updated)
            return RowOutcome(index, "updated", current.id)
        except DuplicateContactError as exc:
            return RowOutcome(index, "conflict", exc.contact_id, reason=str(exc))
