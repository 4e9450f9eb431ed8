"""``crm.import_contacts``: bring rows in, updating people crmkit already knows."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from crmkit._api._base import Context
from crmkit._api._import_batch import ImportBatch, Parsed, prepare_rows
from crmkit._api._import_rowwise import import_one
from crmkit._api._overlap import commit_while
from crmkit._api.identity.resolve import MatchPolicy
from crmkit._api.privacy.erasure import Suppression
from crmkit._progress import ProgressCallback, ProgressOption, progress_callback
from crmkit._types import paused_gc
from crmkit.contacts import Contact
from crmkit.errors import ConflictError, ImportInterruptedError, ValidationError
from crmkit.importing import DataFrameLike, ImportReport, RowOutcome, records_of
from crmkit.storage.protocols import UnitOfWork

__all__ = ["BATCH_SIZE", "MATCH_ON", "import_contacts"]

#: What rows are matched on by default: every identity a row can carry.
MATCH_ON = ("email", "phone", "handle", "external_id")

#: Rows per transaction. Measured on 100,000 rows into SQLite, batches of 5000 cost 5-9 % over
#: one transaction and hold the write lock 3-4 s on a normal machine, well inside the 30 s
#: busy timeout; batches of 1000 cost about a quarter, since each commit writes much of the
#: identity, fingerprint and blocking-key indexes again. Figures in docs/importing.md.
BATCH_SIZE = 5000
# Contacts an import keeps from one batch to the next (about 1 KB each).
_KNOWN_LIMIT = 100_000
#: The reference path, each row read and written on its own (for tests that check the
#: batched path gives the same outcomes; never set in production code).
ROW_BY_ROW = False


class _RollBackError(Exception):
    """Leaves a dry-run unit of work so that everything it wrote is undone."""


def import_contacts(
    ctx: Context,
    rows: Iterable[Mapping[str, Any]] | DataFrameLike,
    *,
    match_on: Iterable[str] = MATCH_ON,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: ProgressOption = None,
    policy: MatchPolicy | None = None,
) -> ImportReport:
    match_on = tuple(match_on)
    matchers = frozenset(match_on)
    if not matchers or not matchers <= set(MATCH_ON):
        raise ValidationError(
            "match_on", match_on, "use 'email', 'phone', 'handle' and/or 'external_id'"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError("batch_size", batch_size, "a positive integer (rows per transaction)")
    report = progress_callback(progress)
    run = _Run(ctx, records_of(rows), matchers, all_or_nothing, policy)
    if dry_run or all_or_nothing:
        result = run.in_one_transaction(batch_size, report, dry_run=dry_run)
    else:
        result = run.in_batches(batch_size, report)
    report("done", len(result.rows), len(result.rows))
    return result


class _Run:
    """One import: the rows, what became of those done so far, and the count of identical
    rows seen (the 2nd copy of a row has a fingerprint of its own), which runs on across
    batches so that a batched import gives each row the fingerprint a single one would."""

    def __init__(
        self,
        ctx: Context,
        rows: list[Mapping[str, Any]],
        match_on: frozenset[str],
        all_or_nothing: bool,
        policy: MatchPolicy | None,
    ) -> None:
        self.ctx, self.rows, self.match_on = ctx, rows, match_on
        self.all_or_nothing, self.policy = all_or_nothing, policy
        self.outcomes: list[RowOutcome] = []
        self.seen: Counter[str] = Counter()
        # The contacts earlier batches read or wrote, as they left them (see BatchView).
        self.known: dict[str, Contact] = {}

    def in_one_transaction(
        self, batch_size: int, progress: ProgressCallback, *, dry_run: bool
    ) -> ImportReport:
        try:
            with self.ctx.write() as uow:
                for start in range(0, len(self.rows), batch_size):
                    self.outcomes += self._batch(uow, start, batch_size)
                    progress("import", len(self.outcomes), len(self.rows))
                if dry_run:
                    raise _RollBackError
                uow.commit()
        except _RollBackError:
            pass
        return ImportReport(tuple(self.outcomes), dry_run)

    def in_batches(self, batch_size: int, progress: ProgressCallback) -> ImportReport:
        ahead: list[Parsed | ValidationError] | None = None
        try:
            for start in range(0, len(self.rows), batch_size):
                following = functools.partial(self._prepared, start + batch_size, batch_size)
                with self.ctx.write() as uow:
                    done = self._batch(uow, start, batch_size, ahead)
                    # The next batch is read while this one commits, where the backend lets
                    # a commit run on another thread.
                    ahead, failed = commit_while(uow, following)
                self.outcomes += done
                progress("import", len(self.outcomes), len(self.rows))
                if failed is not None:  # reading the next rows failed: told after this batch
                    raise failed
        except Exception as exc:
            report = ImportReport(tuple(self.outcomes), dry_run=False)
            raise ImportInterruptedError(report, len(self.rows), _reason(exc)) from exc
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: not wrapped, but told
            exc.add_note(
                f"crmkit import: the first {len(self.outcomes)} of {len(self.rows)} "
                "rows were committed"
            )
            raise
        return ImportReport(tuple(self.outcomes), dry_run=False)

    def _batch(
        self,
        uow: UnitOfWork,
        start: int,
        size: int,
        parsed: list[Parsed | ValidationError] | None = None,
    ) -> list[RowOutcome]:
        """Rows ``start`` to ``start + size`` in *uow* (*parsed*: those rows read already);
        nothing committed."""
        # A batch builds a few hundred thousand small objects and frees almost none of them
        # in cycles: with the collector on, its scans of them were 15 % of an import's CPU
        # (1.8 of 12.3 s for 30,000 rows, collecting 6,700 objects); it runs between batches.
        with paused_gc():
            return self._rows_of(uow, start, size, parsed)

    def _prepared(self, start: int, size: int) -> list[Parsed | ValidationError] | None:
        """Rows ``start`` to ``start + size`` read up front (None past the last row, and on
        the row-by-row path, which reads each row as it goes)."""
        if start >= len(self.rows) or ROW_BY_ROW:
            return None
        with paused_gc():  # see _batch
            return prepare_rows(
                self.rows[start : start + size],
                start,
                match_on=self.match_on,
                seen=self.seen,
                default_region=self.ctx.default_region,
                now=self.ctx.clock(),
            )

    def _rows_of(
        self,
        uow: UnitOfWork,
        start: int,
        size: int,
        parsed: list[Parsed | ValidationError] | None,
    ) -> list[RowOutcome]:
        rows = self.rows[start : start + size]
        if ROW_BY_ROW:
            suppression = Suppression(self.ctx, uow)
            results: Iterable[tuple[RowOutcome, ValidationError | None]] = (
                import_one(
                    self.ctx, uow, raw, index, self.match_on, suppression, self.seen, self.policy
                )
                for index, raw in enumerate(rows, start)
            )
            batch = None
        else:
            if parsed is None:
                parsed = self._prepared(start, size)
                assert parsed is not None  # start is a row of the import
            batch = ImportBatch(self.ctx, uow, parsed, start, self.policy, self.known)
            results = batch
        done = []
        for outcome, exc in results:
            if self.all_or_nothing and outcome.action in ("error", "conflict"):
                _raise_for(outcome, rows[outcome.index - start], exc)
            done.append(outcome)
        if batch is not None:
            batch.flush()
            self._remember(batch.view.seen())
        return done

    def _remember(self, contacts: Mapping[str, Contact]) -> None:
        # Bounded like the folded forms' cache: beyond it, contacts are read again.
        if len(self.known) + len(contacts) > _KNOWN_LIMIT:
            self.known.clear()
        self.known.update(contacts)


def _reason(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _raise_for(outcome: RowOutcome, raw: Mapping[str, Any], exc: ValidationError | None) -> None:
    if outcome.action == "conflict":
        raise ConflictError(f"row {outcome.index}: {outcome.reason}; nothing was imported")
    # The row's own error class (InvalidEmailError, InvalidExternalIdError, ...), naming the
    # row; the error naming the field and value is the cause.
    same_shape = exc is not None and type(exc).__init__ is ValidationError.__init__
    kind = type(exc) if exc is not None and same_shape else ValidationError
    raise kind(f"rows[{outcome.index}]", dict(raw), str(exc or outcome.reason)) from exc
