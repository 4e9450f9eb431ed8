"""Command line for people who are not writing code.

``python -m crmkit demo``                     the cross-channel story on a SQLite file
``python -m crmkit import FILE.csv --db F``   import contacts, updating known people
``python -m crmkit dedupe --db F [--merge]``  find (and merge) duplicate contacts
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from typing import TextIO

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crmkit", description="crmkit: a business's memory of its customers"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="play the cross-channel story on a SQLite file")
    demo.add_argument("--db", help="SQLite file to use (default: a new temporary one)")
    imp = commands.add_parser("import", help="import contacts from a CSV file")
    imp.add_argument("csv", help="CSV file with a header row (first_name, email, phone, ...)")
    imp.add_argument("--db", required=True, help="SQLite file or postgresql:// URL")
    imp.add_argument("--workspace", default="default")
    imp.add_argument("--region", help="country for phone numbers without a code, e.g. AL")
    imp.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    imp.add_argument("--all-or-nothing", action="store_true",
                     help="write nothing if any row fails")  # fmt: skip
    dedupe = commands.add_parser("dedupe", help="find duplicate contacts, with reasons")
    dedupe.add_argument("--db", required=True, help="SQLite file or postgresql:// URL")
    dedupe.add_argument("--workspace", default="default")
    dedupe.add_argument("--region", help="country for phone numbers without a code, e.g. AL")
    dedupe.add_argument("--threshold", type=float, default=0.97,
                        help="match probability needed (default 0.97)")  # fmt: skip
    dedupe.add_argument("--merge", action="store_true",
                        help="merge each group into its oldest contact")  # fmt: skip
    return parser


class _Progress:
    """A one-line progress display on stderr for long runs."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, done: int, total: int | None) -> None:
        of = f"/{total:,}" if total else ""
        self._stream.write(f"\r  {done:,}{of} rows")
        if total is not None and done >= total:
            self._stream.write("\n")
        self._stream.flush()


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from crmkit.crm import CRM
    from crmkit.errors import CRMError

    with open(args.csv, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    try:
        with CRM.open(args.db, workspace=args.workspace, default_region=args.region) as crm:
            report = crm.import_contacts(
                rows, dry_run=args.dry_run, all_or_nothing=args.all_or_nothing,
                progress=_Progress(sys.stderr),
            )  # fmt: skip
    except CRMError as exc:
        out.write(f"nothing imported: {exc}\n")
        return 1
    verb = "would be" if args.dry_run else "were"
    counts = ", ".join(f"{n} {action}" for action, n in sorted(report.summary().items()))
    out.write(f"{len(rows)} rows {verb} imported: {counts}\n")
    for row in (*report.errors, *report.conflicts):
        # +2: the header is line 1 and rows count from 0.
        out.write(f"  line {row.index + 2}: {row.action}: {row.reason}\n")
    return 0


def _dedupe(args: argparse.Namespace, out: TextIO) -> int:
    from crmkit.crm import CRM

    with CRM.open(args.db, workspace=args.workspace, default_region=args.region) as crm:
        shown = _Progress(sys.stderr)
        groups = crm.find_duplicates(
            threshold=args.threshold, progress=lambda _stage, done, total: shown(done, total)
        )
        out.write(f"{len(groups)} groups of likely duplicates\n")
        for group in groups:
            contacts = sorted((crm.contacts.get(i) for i in group.contact_ids),
                              key=lambda c: (c.created_at, c.id))  # fmt: skip
            names = ", ".join(f"{c.name or '?'} ({c.id[:8]})" for c in contacts)
            out.write(f"  {group.score:.3f}  {names}\n      {'; '.join(group.reasons)}\n")
            if args.merge:
                survivor = contacts[0]
                for other in contacts[1:]:
                    crm.merge(survivor.id, other.id, by="crmkit dedupe")
        if args.merge:
            out.write(f"merged {sum(len(g.contact_ids) - 1 for g in groups)} contacts\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run a command; returns the process exit status."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from crmkit.demo import run_demo

        def say(line: str) -> None:
            stream.write(line + "\n")

        run_demo(path=args.db, out=say).close()
        return 0
    if args.command == "import":
        return _import(args, stream)
    if args.command == "dedupe":
        return _dedupe(args, stream)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
