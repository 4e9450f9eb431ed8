"""``crmkit review``, ``crmkit merges`` and ``crmkit unmerge``: deciding and undoing merges."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from crmkit.cli._output import Refusal, open_existing, print_json

if TYPE_CHECKING:
    from crmkit.crm import CRM
    from crmkit.identity.merging import MergeRecord

__all__ = ["list_merges", "review", "unmerge"]


def name_of(crm: CRM, contact_id: str) -> str:
    from crmkit.errors import NotFoundError

    try:
        return crm.contacts.get(contact_id).name or "?"
    except NotFoundError:
        return "(merged or erased)"


def review(args: argparse.Namespace, out: TextIO) -> int:
    if args.action is not None and args.item is None:
        raise Refusal(f"review {args.action} needs the id of a review item (see crmkit review)")
    with open_existing(args) as crm:
        if args.action == "merge":
            open_items = {i.id: i for i in crm.review_queue(status="open")}
            item = crm.resolve_review(args.item, action="merge", candidate_id=args.candidate)
            survivor = args.candidate or open_items[item.id].candidate_ids[0]
            out.write(
                f"merged {item.contact_id} into {survivor}: merge {item.merge_id}\n"
                f"undo with: crmkit unmerge {item.merge_id} --db {args.db}\n"
            )
            return 0
        if args.action == "dismiss":
            item = crm.resolve_review(args.item, action="dismiss")
            out.write(f"dismissed {item.id}: {item.contact_id} stays apart\n")
            return 0
        status = None if args.status == "all" else args.status
        items = crm.review_queue(status=status)
        if args.json:
            rows = [
                {**i.to_dict(), "names": {c: name_of(crm, c) for c in i.contact_ids}} for i in items
            ]
            return print_json(rows, out)
        out.write(f"{len(items)} {args.status} review items\n")
        for i in items:
            out.write(
                f"{i.id}  score {i.score:.3f}  {i.status}  {i.created_at:%Y-%m-%d %H:%M}\n"
                f"  new        {i.contact_id}  {name_of(crm, i.contact_id)}\n"
            )
            for c in i.candidate_ids:
                out.write(f"  candidate  {c}  {name_of(crm, c)}\n")
            out.write(f"  reasons: {'; '.join(i.reasons)}\n")
    return 0


def _ledger(crm: CRM) -> list[MergeRecord]:
    """Every merge of the workspace's contacts, oldest first: the merges involving a
    contact that exists, then those involving a contact they name, and so on."""
    found: dict[str, MergeRecord] = {}
    seen = {c.id for c in crm.contacts.all()}
    frontier = set(seen)
    with crm.storage.unit_of_work(crm.workspace, read_only=True) as uow:
        while frontier:
            records = uow.merges.involving(frontier)
            frontier = set()
            for r in records:
                found[r.id] = r
                frontier |= {r.survivor_id, r.merged_id} - seen
            seen |= frontier
    return sorted(found.values(), key=lambda r: (r.at, r.id))


def list_merges(args: argparse.Namespace, out: TextIO) -> int:
    with open_existing(args) as crm:
        rows = [_merge_row(r) for r in _ledger(crm)]
    if args.json:
        return print_json(rows, out)
    out.write(f"{len(rows)} merges\n")
    for m in rows:
        state = "undone " + m["undone_at"] if m["undone_at"] else "can be undone"
        if m["erased_at"]:
            state = "erased; cannot be undone"
        out.write(
            f"{m['id']}  {m['at']}  by {m['by'] or '?'}  ({state})\n"
            f"  kept    {m['survivor_id']}  {m['survivor_name']}\n"
            f"  merged  {m['merged_id']}  {m['merged_name']}\n"
        )
    return 0


def _merge_row(r: MergeRecord) -> dict[str, Any]:
    stamp = {
        k: None if v is None else v.isoformat()
        for k, v in {"at": r.at, "undone_at": r.undone_at, "erased_at": r.erased_at}.items()
    }
    return {
        "id": r.id,
        **stamp,
        "by": r.by,
        "survivor_id": r.survivor_id,
        "survivor_name": r.survivor_before.name,
        "merged_id": r.merged_id,
        "merged_name": r.merged_before.name,
    }


def unmerge(args: argparse.Namespace, out: TextIO) -> int:
    with open_existing(args) as crm:
        r = crm.unmerge(args.merge_id)
    kept, merged = r.survivor_before.name or "?", r.merged_before.name or "?"
    out.write(
        f"undid merge {r.id}: {r.survivor_id} ({kept}) and {r.merged_id} ({merged}) "
        "are two contacts again\n"
    )
    return 0
