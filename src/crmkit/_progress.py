"""One progress convention for every long call.

A long call (``import_contacts``, ``find_duplicates``, ``clv``, ...) takes
``progress=callback(stage, done, total)``: *stage* names what it is doing (``"import"``,
``"compare"``, ...; ``"done"`` once at the end), *done* counts what it has done in that
stage and *total* is how many there are, 0 when unknown. ``progress=True`` shows a bar on
stderr instead: tqdm's when tqdm is installed, a plain line per stage otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from crmkit.errors import ValidationError

__all__ = [
    "STAGES",
    "ProgressCallback",
    "ProgressOption",
    "StageLine",
    "progress_callback",
    "quiet",
]

ProgressCallback = Callable[[str, int, int], None]
ProgressOption = ProgressCallback | bool | None

# What each stage of a long run is called on screen, and what it counts.
STAGES = {
    "import": ("importing", "rows"),
    "prepare": ("reading contacts", "contacts"),
    "compare": ("comparing likely pairs", "pairs"),
    "fit": ("fitting the match model", ""),
    "cluster": ("grouping", "links"),
    "load": ("reading the ledger", "entries"),
    "fit_purchases": ("fitting the purchase model", ""),
    "fit_spend": ("fitting the spend model", ""),
    "value": ("valuing customers", "customers"),
    "actions": ("evaluating automation rules", "actions"),
    "audience": ("evaluating the audience", ""),
    "launch": ("writing campaign members", "members"),
}


def quiet(stage: str, done: int, total: int) -> None:
    """No progress asked for."""


def progress_callback(
    progress: ProgressOption, *, stream: TextIO | None = None
) -> ProgressCallback:
    """The callback a long call reports to: *progress* itself, a bar for ``True``, or one that
    does nothing for ``None`` / ``False``.

    >>> seen = []
    >>> report = progress_callback(lambda *call: seen.append(call))
    >>> report("import", 10, 20); seen
    [('import', 10, 20)]
    >>> progress_callback(None)("import", 1, 2) is None
    True
    >>> progress_callback("yes")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    crmkit.errors.ValidationError: invalid progress 'yes': a callback(stage, done, total), ...
    """
    if progress is None or progress is False:
        return quiet
    if progress is True:
        out = sys.stderr if stream is None else stream
        try:
            # tqdm.auto: a widget in a notebook, a text bar in a terminal.
            from tqdm.auto import tqdm
        except ImportError:
            return StageLine(out)
        return _Bars(tqdm, out)
    if callable(progress):
        return progress
    raise ValidationError("progress", progress, "a callback(stage, done, total), True or None")


class StageLine:
    """The stage a long run is in, on *stream*: one line per stage, counting while it runs
    on a terminal; only the stage names when the stream is a file or a pipe."""

    def __init__(self, stream: TextIO, *, live: bool | None = None) -> None:
        self._stream = stream
        self._live = stream.isatty() if live is None else live
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        """``total`` 0 is unknown."""
        if stage == "done":
            self._end()
            return
        label, unit = STAGES.get(stage, (stage, ""))
        if stage != self._stage:
            self._end()
            self._stage = stage
            if not self._live:
                self._stream.write(f"  {label}\n")
        if self._live:
            count = f": {done:,}{f'/{total:,}' if total else ''} {unit}" if unit else ""
            self._stream.write(f"\r  {label}{count}")
        self._stream.flush()

    def _end(self) -> None:
        if self._live and self._stage is not None:
            self._stream.write("\n")
        self._stage = None


class _Bars:
    """One tqdm bar per stage."""

    def __init__(self, tqdm: Any, stream: TextIO) -> None:
        self._tqdm, self._stream = tqdm, stream
        self._bar: Any = None
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "done":
            self._close()
            return
        if stage != self._stage:
            self._close()
            label, unit = STAGES.get(stage, (stage, ""))
            self._bar = self._tqdm(
                total=total or None, desc=label, unit=unit or "it", file=self._stream
            )
            self._stage = stage
        if total and self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._stage = None, None
