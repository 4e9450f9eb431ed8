"""What every command shares: refusing bad input, and the progress line."""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any, TextIO

from crmkit._progress import StageLine

if TYPE_CHECKING:
    from crmkit.crm import CRM

__all__ = ["Progress", "Refusal", "existing_database", "open_existing", "print_json"]


class Refusal(Exception):  # noqa: N818 - never leaves the command line; main() prints it
    """Input the command refuses: each line of ``lines`` is printed on stderr and the exit
    status is ``status`` (2; 1 for input that is fine but finds nothing)."""

    def __init__(self, *lines: str, status: int = 2) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines
        self.status = status


def existing_database(target: str) -> str:
    """*target*, refused when it names a SQLite file that does not exist: a command that
    only reads must not create an empty database and report that it found nothing."""
    from crmkit.storage import is_postgres_url  # the backends load only when a command runs

    if is_postgres_url(target) or target in (
        ":memory:",
        "memory:",
        "memory://",
    ):
        return target
    path = target.removeprefix("sqlite:///")
    if not os.path.exists(path):
        raise Refusal(f"{target}: no such database (crmkit import --db creates one)")
    if not os.path.isfile(path):
        raise Refusal(f"{target}: not a database file")
    return target


def open_existing(args: argparse.Namespace) -> CRM:
    """The CRM named by ``--db``, ``--workspace`` and ``--region``; the database must exist."""
    from crmkit.crm import CRM

    db = existing_database(args.db)
    return CRM.open(db, workspace=args.workspace, default_region=args.region)


def print_json(value: Any, out: TextIO) -> int:
    """Write *value* as JSON (names in their own script, not escaped); exit status 0."""
    json.dump(value, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return 0


# The stage line of crmkit's progress convention: one line per stage on stderr.
Progress = StageLine
