"""Deprecated: moved to :mod:`crmkit.segments.lists`.

This import path warns and is removed in the next release.
"""

from crmkit._moved import alias_moved_module
from crmkit.segments.lists import *  # noqa: F403
from crmkit.segments.lists import __all__ as __all__

alias_moved_module(__name__, "crmkit.segments.lists")
