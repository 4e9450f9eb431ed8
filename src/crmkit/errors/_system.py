"""Failures of the backend, the set-up or a model, and interrupted imports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from crmkit.errors._validation import CRMError

__all__ = [
    "ConfigurationError",
    "ConvergenceWarning",
    "ImportInterruptedError",
    "ModelError",
    "SchemaVersionError",
    "StorageError",
    "StorageUnavailableError",
]


class _ImportOutcomes(Protocol):
    """What :class:`ImportInterruptedError` reads of a :class:`crmkit.importing.ImportReport`
    (named structurally: the errors sit below every other module)."""

    @property
    def rows(self) -> Sequence[Any]: ...

    def summary(self) -> Mapping[str, int]: ...


class StorageError(CRMError):
    """A storage backend failed; the driver's exception is chained as ``__cause__``."""


class StorageUnavailableError(StorageError):
    """The database cannot be opened or reached."""


class SchemaVersionError(StorageError):
    """The database schema is newer than this version of crmkit understands, or its version
    is not one crmkit ever writes (negative: another tool changed it).

    >>> str(SchemaVersionError(-1, 13))
    'database schema version -1 is not one crmkit writes (0 to 13): another tool changed it; \
restore the database from a backup'
    """

    def __init__(self, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        if found < 0:
            super().__init__(
                f"database schema version {found} is not one crmkit writes (0 to {supported}): "
                "another tool changed it; restore the database from a backup"
            )
            return
        super().__init__(
            f"database schema version {found} is newer than this crmkit supports "
            f"({supported}); upgrade crmkit before opening it"
        )


class ImportInterruptedError(CRMError):
    """An import committed in batches stopped part-way (a storage failure, an exception from
    the progress callback). The batches before were committed; nothing of the failed batch
    or after it was written. ``report`` holds the outcomes of the committed rows
    (``rows[:committed]``), ``total`` counts the rows given, ``__cause__`` is the failure.
    Importing the same rows again is safe: the rows already imported are matched, not
    duplicated.

    >>> from crmkit.importing import ImportReport, RowOutcome
    >>> done = ImportReport((RowOutcome(0, "created", "c-1"), RowOutcome(1, "error")), False)
    >>> err = ImportInterruptedError(done, 5, "database is locked")
    >>> err.committed, err.total
    (2, 5)
    >>> print(err)
    import stopped at rows[2] (database is locked): rows[0] to rows[1] were committed \
(1 created, 1 error), the other 3 rows were not written; import the same rows again to \
finish: rows already imported are matched, not duplicated
    """

    def __init__(self, report: _ImportOutcomes, total: int, reason: str = "") -> None:
        self.report = report
        self.committed = len(report.rows)
        self.total = total
        done = self.committed
        counts = ", ".join(f"{n} {action}" for action, n in report.summary().items())
        what = (
            "no row was committed"
            if not done
            else f"rows[0] was committed ({counts})"
            if done == 1
            else f"rows[0] to rows[{done - 1}] were committed ({counts})"
        )
        cause = f" ({reason})" if reason else ""
        super().__init__(
            f"import stopped at rows[{done}]{cause}: {what}, the other {total - done} rows "
            "were not written; import the same rows again to finish: rows already imported "
            "are matched, not duplicated"
        )


class ConfigurationError(CRMError):
    """crmkit is set up wrongly, e.g. an optional extra is not installed."""


class ModelError(CRMError, ArithmeticError):
    """A statistical model cannot be fitted or evaluated on this input."""


class ConvergenceWarning(UserWarning):
    """A model fit stopped before converging or ended on a parameter boundary."""
