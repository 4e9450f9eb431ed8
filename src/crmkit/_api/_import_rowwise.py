"""The row-by-row import: each row read, matched and written on its own (batches of one
row, the reference the batched path in :mod:`crmkit._api._import_batch` must agree with),
and what both paths share: filling a known contact, the suppression check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from crmkit._api._base import Context
from crmkit._api.identity.resolve import MatchPolicy, review_new_contact
from crmkit._api.privacy.erasure import Suppression
from crmkit.contacts import Contact
from crmkit.errors import DuplicateContactError, ValidationError
from crmkit.importing import ImportRow, RowOutcome, parse_row, row_fingerprint
from crmkit.privacy.erasure import identity_field
from crmkit.storage.protocols import UnitOfWork, contacts_by_identities

__all__ = ["REMEMBERED", "fill", "import_one", "numbered_fingerprint", "row_error", "suppressed"]

#: Outcomes whose fingerprint is remembered, so the same row imported again maps there.
REMEMBERED = ("created", "updated", "unchanged")
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


def row_error(index: int, exc: ValidationError) -> tuple[RowOutcome, ValidationError]:
    return RowOutcome(index, "error", reason=f"{exc.field}: {exc.reason or 'invalid'}"), exc


def numbered_fingerprint(row: ImportRow, seen: Counter[str]) -> str:
    """*row*'s fingerprint, told apart from identical rows seen before (counted in *seen*,
    which runs on across batches): the 2nd copy of a row has a fingerprint of its own."""
    content = row_fingerprint(row)  # the first copy's fingerprint (occurrence 0)
    fingerprint = row_fingerprint(row, seen[content]) if seen[content] else content
    seen[content] += 1
    return fingerprint


def import_one(
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
        return row_error(index, exc)
    fingerprint = numbered_fingerprint(row, seen)
    try:
        outcome = _write_row(ctx, uow, row, match_on, suppression, fingerprint, policy)
    except ValidationError as exc:
        return row_error(index, exc)
    remember = outcome.contact_id is not None and outcome.action in REMEMBERED
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
            contact = row.contact(now)
            if (hit := suppressed(suppression, None, contact)) is not None:
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
        updated = fill(current, row, now)
        if updated is current:
            return RowOutcome(index, "unchanged", current.id)
        if (hit := suppressed(suppression, current, updated)) is not None:
            return RowOutcome(index, "suppressed", current.id, reason=hit)
        uow.contacts.update(updated)
        return RowOutcome(index, "updated", current.id)
    except DuplicateContactError as exc:
        # An identity not used for matching belongs to somebody else.
        return RowOutcome(index, "conflict", exc.contact_id, reason=str(exc))


def suppressed(
    suppression: Suppression,
    before: Contact | None,
    after: Contact,
    held: Callable[[str], bool] | None = None,
) -> str | None:
    """Why the row is skipped, if it would bring back an erased person's identity."""
    old = before.identity_keys() if before is not None else frozenset()
    hit = suppression.first_hit(after.identity_keys() - old, held)
    if hit is None:
        return None
    field, _ = identity_field(hit)
    return f"{field}: belongs to an erased person (suppressed)"


def fill(contact: Contact, row: ImportRow, now: Any) -> Contact:
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
