"""Deprecated: moved to :mod:`crmkit.identity.resolution`.

This import path warns and is removed in the next release.
"""

from crmkit._moved import alias_moved_module
from crmkit.identity.resolution import *  # noqa: F403
from crmkit.identity.resolution import __all__ as __all__

alias_moved_module(__name__, "crmkit.identity.resolution")
