"""Deprecated: moved to :mod:`crmkit.value.ledger`.

This import path warns and is removed in the next release.
"""

from crmkit._moved import alias_moved_module
from crmkit.value.ledger import *  # noqa: F403
from crmkit.value.ledger import __all__ as __all__

alias_moved_module(__name__, "crmkit.value.ledger")
