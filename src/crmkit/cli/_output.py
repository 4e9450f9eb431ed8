"""What every command shares: refusing bad input, and the progress line."""

from __future__ import annotations

import os
from typing import TextIO

__all__ = ["Progress", "Refusal", "existing_database"]


class Refusal(Exception):  # noqa: N818 - never leaves the command line; main() prints it
    """Input the command refuses: each line of ``lines`` is printed on stderr (exit 2)."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines


def existing_database(target: str) -> str:
    """*target*, refused when it names a SQLite file that does not exist: a command that
    only reads must not create an empty database and report that it found nothing."""
    if target.startswith(("postgresql://", "postgres://")) or target in (
        ":memory:", "memory:", "memory://"
    ):  # fmt: skip
        return target
    path = target.removeprefix("sqlite:///")
    if not os.path.exists(path):
        raise Refusal(f"{target}: no such database (crmkit import --db creates one)")
    if not os.path.isfile(path):
        raise Refusal(f"{target}: not a database file")
    return target


class Progress:
    """A one-line progress display on stderr for long runs."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, done: int, total: int | None) -> None:
        of = f"/{total:,}" if total else ""
        self._stream.write(f"\r  {done:,}{of} rows")
        if total is not None and done >= total:
            self._stream.write("\n")
        self._stream.flush()
