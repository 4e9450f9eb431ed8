"""Running a command: bad input and closed pipes end in a line on stderr, not a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from crmkit.cli._output import Refusal
from crmkit.cli._parser import parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run a command; returns the process exit status (2: input refused, 1: the CRM
    refused the operation, or ``lookup`` found nobody)."""
    from crmkit.errors import CRMError

    stream = out or sys.stdout
    args = parser().parse_args(argv)
    try:
        status = _run(args.command, args, stream)
        stream.flush()
    except Refusal as exc:
        for line in exc.lines:
            sys.stderr.write(f"crmkit {args.command}: {line}\n")
        return exc.status
    except CRMError as exc:
        sys.stderr.write(f"crmkit {args.command}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"crmkit {args.command}: interrupted\n")
        return 130  # 128 + SIGINT, as shells report it
    except BrokenPipeError:
        # The reader went away (``| head``). Python's documented recipe: send what is still
        # buffered to /dev/null so the interpreter's own flush at exit does not fail too.
        if stream is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def _run(command: str, args: argparse.Namespace, out: TextIO) -> int:
    from crmkit.cli import _contacts, _ledger, _lookup

    if command == "demo":
        from crmkit.demo import run_demo

        def say(line: str) -> None:
            out.write(line + "\n")

        run_demo(path=args.db, out=say).close()
        return 0
    if command == "import":
        return _contacts.import_csv(args, out)
    if command == "dedupe":
        return _contacts.dedupe(args, out)
    if command == "review":
        return _ledger.review(args, out)
    if command == "merges":
        return _ledger.list_merges(args, out)
    if command == "unmerge":
        return _ledger.unmerge(args, out)
    if command == "lookup":
        return _lookup.lookup(args, out)
    if command == "export":
        from crmkit.cli._export import export

        return export(args, out)
    if command == "report":
        from crmkit.cli._report import report

        return report(args, out)
    if command == "db":
        from crmkit.cli import _database

        return _database.distribute(args, out)
    return 2  # pragma: no cover - argparse rejects unknown commands first
