"""``crmkit import`` and ``crmkit dedupe``."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from crmkit.cli._csvfile import read_table
from crmkit.cli._output import Progress, Refusal, open_existing, print_json

__all__ = ["dedupe", "import_csv"]


def import_csv(args: argparse.Namespace, out: TextIO) -> int:
    from crmkit.crm import CRM
    from crmkit.errors import CRMError, ImportInterruptedError

    table = read_table(
        args.csv, encoding=args.encoding, delimiter=args.delimiter, rename=dict(args.map)
    )
    unknown = table.unknown_columns
    if unknown and len(unknown) == len(table.columns):
        raise Refusal(
            f"{args.csv}: no column crmkit knows (first_name, last_name, email, phone, ...); "
            f"read the header as {', '.join(repr(c) for c in table.columns[:3])}",
            "name the columns with --map 'Imię=first_name' (or give --delimiter); "
            "nothing was imported",
        )
    if unknown:
        sys.stderr.write(f"crmkit import: kept as custom fields: {', '.join(unknown)}\n")
    try:
        with CRM.open(args.db, workspace=args.workspace, default_region=args.region) as crm:
            batches = {} if args.batch_size is None else {"batch_size": args.batch_size}
            report = crm.import_contacts(
                table.rows,
                dry_run=args.dry_run,
                all_or_nothing=args.all_or_nothing,
                progress=Progress(sys.stderr).rows,
                **batches,
            )
    except ImportInterruptedError as exc:
        # Batches before the failure are committed: say how far it got, never "nothing".
        line = table.lines[exc.committed] if exc.committed < len(table.lines) else "?"
        out.write(f"{exc} (rows[{exc.committed}] is line {line} of {args.csv})\n")
        return 1
    except CRMError as exc:
        out.write(f"nothing imported: {exc}\n")
        return 1
    verb = "would be" if args.dry_run else "were"
    counts = ", ".join(f"{n} {action}" for action, n in sorted(report.summary().items()))
    out.write(f"{len(table.rows)} rows {verb} imported: {counts}\n")
    for row in (*report.errors, *report.conflicts):
        out.write(f"  line {table.lines[row.index]}: {row.action}: {row.reason}\n")
    return 0


def dedupe(args: argparse.Namespace, out: TextIO) -> int:
    with open_existing(args) as crm:
        groups = crm.find_duplicates(threshold=args.threshold, progress=Progress(sys.stderr))
        found: list[dict[str, Any]] = []
        for group in groups:
            # Oldest first: a merge keeps the oldest contact.
            contacts = sorted(
                (crm.contacts.get(i) for i in group.contact_ids), key=lambda c: (c.created_at, c.id)
            )
            merge_ids = []
            if args.merge:
                for other in contacts[1:]:
                    result = crm.merge(contacts[0].id, other.id, by="crmkit dedupe")
                    merge_ids.append(result.merge_id)
            found.append(
                {
                    "score": group.score,
                    "reasons": list(group.reasons),
                    "contacts": [{"id": c.id, "name": c.name} for c in contacts],
                    "merge_ids": merge_ids,
                }
            )
    if args.json:
        return print_json(found, out)
    out.write(f"{len(found)} groups of likely duplicates\n")
    for g in found:
        out.write(f"score {g['score']:.3f}\n")
        for c in g["contacts"]:
            out.write(f"  {c['id']}  {c['name'] or '?'}\n")
        out.write(f"  reasons: {'; '.join(g['reasons'])}\n")
        for merge_id in g["merge_ids"]:
            out.write(f"  merged: {merge_id}\n")
    if args.merge:
        merged = sum(len(g["merge_ids"]) for g in found)
        out.write(
            f"merged {merged} contacts; crmkit merges lists them, "
            "crmkit unmerge MERGE_ID undoes one\n"
        )
    return 0
