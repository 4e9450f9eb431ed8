"""What every command shares: refusing bad input, and the progress line."""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any, TextIO

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
    if target.startswith(("postgresql://", "postgres://")) or target in (
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


# What each stage of a long run is called on screen, and what it counts.
_STAGES = {
    "import": ("importing", "rows"),
    "prepare": ("reading contacts", "contacts"),
    "compare": ("comparing likely pairs", "pairs"),
    "fit": ("fitting the match model", ""),
    "cluster": ("grouping", "links"),
}


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


class Progress:
    """The stage a long run is in, on stderr: one line per stage, counting while it runs
    on a terminal; only the stage names when stderr is a file or a pipe."""

    def __init__(self, stream: TextIO, *, live: bool | None = None) -> None:
        self._stream = stream
        self._live = stream.isatty() if live is None else live
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        """``total`` 0 is unknown."""
        if stage == "done":
            self._end()
            return
        label, unit = _STAGES.get(stage, (stage, ""))
        if stage != self._stage:
            self._end()
            self._stage = stage
            if not self._live:
                self._stream.write(f"  {label}\n")
        if self._live:
            count = f": {done:,}{f'/{total:,}' if total else ''} {unit}" if unit else ""
            self._stream.write(f"\r  {label}{count}")
        self._stream.flush()

    def rows(self, done: int, total: int | None) -> None:
        """For :meth:`crmkit.CRM.import_contacts`, which counts rows only."""
        self("import", done, total or 0)
        if total is not None and done >= total:
            self("done", done, total)

    def _end(self) -> None:
        if self._live and self._stage is not None:
            self._stream.write("\n")
        self._stage = None
