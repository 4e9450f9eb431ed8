"""``crm.import_contacts``: bring rows in, updating people crmkit already knows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from crmkit._api._base import Context
from crmkit._api.identity.resolve import MatchPolicy, review_new_contact
from crmkit._api.privacy.erasure import Suppression
from crmkit._progress import ProgressCallback, ProgressOption, progress_callback
from crmkit.contacts import Contact
from crmkit.errors import (
    ConflictError,
    DuplicateContactError,
    ImportInterruptedError,
    ValidationError,
)
from crmkit.importing import (
    DataFrameLike,
    ImportReport,
    ImportRow,
    RowOutcome,
    parse_row,
    records_of,
    row_fingerprint,
)
from crmkit.privacy.erasure import identity_field
from crmkit.storage.protocols import UnitOfWork, contacts_by_identities

__all__ = ["BATCH_SIZE", "MATCH_ON", "import_contacts"]

#: What rows are matched on by default: every identity a row can carry.
MATCH_ON = ("email", "phone", "handle", "external_id")

#: Rows per transaction. Measured on 100,000 rows into SQLite, batches of 5000 cost 5-9 % over
#: one transaction and hold the write lock 3-4 s on a normal machine, well inside the 30 s
#: busy timeout; batches of 1000 cost about a quarter, since each commit writes much of the
#: identity, fingerprint and blocking-key indexes again. Figures in docs/importing.md.
BATCH_SIZE = 5000
_REMEMBERED = ("created", "updated", "unchanged")
_FILLABLE = (
    "name",
    "given_name",
    "family_name",
    "region",
    "city",
    "postcode",
    "address",
    "birthday",
    "owner",
)


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
        try:
            for start in range(0, len(self.rows), batch_size):
                with self.ctx.write() as uow:
                    done = self._batch(uow, start, batch_size)
                    uow.commit()
                self.outcomes += done
                progress("import", len(self.outcomes), len(self.rows))
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

    def _batch(self, uow: UnitOfWork, start: int, size: int) -> list[RowOutcome]:
        """Rows ``start`` to ``start + size`` in *uow*; nothing committed."""
        suppression = Suppression(self.ctx, uow)
        done = []
        for index in range(start, min(start + size, len(self.rows))):
            raw = self.rows[index]
            outcome, exc = _import_one(
                self.ctx, uow, raw, index, self.match_on, suppression, self.seen, self.policy
            )
            if self.all_or_nothing and outcome.action in ("error", "conflict"):
                _raise_for(outcome, raw, exc)
            done.append(outcome)
        return done


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


def _import_one(
    ctx: Context,
    uow: UnitOfWork,
    raw: Mapping[str, Any],
    index: int,
    match_on: frozenset[str],
    suppression: Suppression,
    seen: Counter[str],
    policy: MatchPolicy | None,
) -> tuple[RowOutcome, ValidationError | None]:
    try:
        row = parse_row(raw, index, default_region=ctx.default_region)
    except ValidationError as exc:
        return RowOutcome(index, "error", reason=f"{exc.field}: {exc.reason or 'invalid'}"), exc
    content = row_fingerprint(row)  # the first copy's fingerprint (occurrence 0)
    fingerprint = row_fingerprint(row, seen[content]) if seen[content] else content
    seen[content] += 1
    try:
        outcome = _write_row(ctx, uow, row, match_on, suppression, fingerprint, policy)
    except ValidationError as exc:
        return RowOutcome(index, "error", reason=f"{exc.field}: {exc.reason or 'invalid'}"), exc
    remember = outcome.contact_id is not None and outcome.action in _REMEMBERED
    if remember:
        assert outcome.contact_id is not None
        uow.import_rows.put(fingerprint, outcome.contact_id)  # keeps an unchanged row as is
    return outcome, None


def _write_row(
    ctx: Context,
    uow: UnitOfWork,
    row: ImportRow,
    match_on: frozenset[str],
    suppression: Suppression,
    fingerprint: str,
    policy: MatchPolicy | None,
) -> RowOutcome:
    index = row.index
    owners: dict[str, Contact] = {}
    keys = row.identity_keys(match_on)
    held = contacts_by_identities(uow.contacts, keys)
    for key in keys:
        for owner in held.get(key, ()):
            owners.setdefault(owner.id, owner)
    # The identities find nobody (or the row has none): the same row imported before maps
    # to the contact it became, or to the survivor of a merge that took that contact.
    known = None if owners else uow.import_rows.find(fingerprint)
    if known is not None and (contact := uow.contacts.find_by_id(known)) is not None:
        owners[contact.id] = contact
    if len(owners) > 1:
        names = ", ".join(sorted(owners))
        return RowOutcome(index, "conflict", reason=f"identities belong to contacts {names}")
    now = ctx.clock()
    try:
        if not owners:
            contact = Contact.new(
                now=now,
                emails=row.emails,
                phones=row.phones,
                handles=row.handles,
                external_ids=row.external_ids,
                **row.fields,
            )
            if (hit := _suppressed(suppression, None, contact)) is not None:
                return RowOutcome(index, "suppressed", reason=hit)
            uow.contacts.add(contact)
            if policy is None:
                return RowOutcome(index, "created", contact.id)
            # A new contact that plausibly is someone already known reaches a person.
            item = review_new_contact(uow, contact, policy, now)
            if item is not None:
                uow.reviews.add(item)
            return RowOutcome(index, "created", contact.id, review_id=item.id if item else None)
        current = next(iter(owners.values()))
        updated = _fill(current, row, now)
        if updated is current:
            return RowOutcome(index, "unchanged", current.id)
        if (hit := _suppressed(suppression, current, updated)) is not None:
            return RowOutcome(index, "suppressed", current.id, reason=hit)
        uow.contacts.update(updated)
        return RowOutcome(index, "updated", current.id)
    except DuplicateContactError as exc:
        # An identity not used for matching belongs to somebody else.
        return RowOutcome(index, "conflict", exc.contact_id, reason=str(exc))


def _suppressed(suppression: Suppression, before: Contact | None, after: Contact) -> str | None:
    """Why the row is skipped, if it would bring back an erased person's identity."""
    old = before.identity_keys() if before is not None else frozenset()
    hit = suppression.first_hit(after.identity_keys() - old)
    if hit is None:
        return None
    field, _ = identity_field(hit)
    return f"{field}: belongs to an erased person (suppressed)"


def _fill(contact: Contact, row: ImportRow, now: Any) -> Contact:
    """Add what the row knows and the contact lacks; never overwrite what people entered."""
    changes: dict[str, Any] = {
        name: value
        for name, value in row.fields.items()
        if name in _FILLABLE and value is not None and getattr(contact, name) is None
    }
    emails = tuple(e for e in row.emails if e not in contact.emails)
    phones = tuple(p for p in row.phones if p not in contact.phones)
    handles = {c: h for c, h in row.handles.items() if c not in contact.handles}
    if emails:
        changes["emails"] = (*contact.emails, *emails)
    if phones:
        changes["phones"] = (*contact.phones, *phones)
    if handles:
        changes["handles"] = {**contact.handles, **handles}
    external_ids = tuple(x for x in row.external_ids if x not in contact.external_ids)
    if external_ids:
        changes["external_ids"] = (*contact.external_ids, *external_ids)
    tags = set(row.fields.get("tags", ()))
    folded = {t.casefold() for t in tags}
    if not folded <= contact.tags:
        changes["tags"] = contact.tags | tags
    custom = row.fields.get("custom", {})
    if any(k not in contact.custom for k in custom):
        changes["custom"] = {**custom, **contact.custom}
    return contact.changed(now=now, **changes) if changes else contact
