"""Old import paths of modules that moved into capability packages, kept for one release.

A shim module at the old path calls :func:`alias_moved_module`: it warns once, at import,
and then makes the old name *the* new module, so ``crmkit.privacy.consent.may_contact is
crmkit.privacy.consent.may_contact`` and monkeypatching either path patches both.
"""

from __future__ import annotations

import importlib
import sys
import warnings

__all__ = ["alias_moved_module"]


def alias_moved_module(old: str, new: str) -> None:
    """Warn that *old* moved to *new*, then alias *old* to the new module in ``sys.modules``.

    ``stacklevel=3`` names the line that imported the old path (past this function and the
    shim): the warnings machinery skips the import system's own frames.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = sys.modules.pop("crmkit.rates", None)
    ...     import crmkit.rates
    >>> "crmkit.value.rates" in str(caught[0].message)
    True
    >>> import crmkit.value.rates
    >>> crmkit.rates is crmkit.value.rates
    True
    """
    warnings.warn(
        f"{old} moved to {new}; the old path is removed in the next release",
        DeprecationWarning,
        stacklevel=3,
    )
    sys.modules[old] = importlib.import_module(new)
