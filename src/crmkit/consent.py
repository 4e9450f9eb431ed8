"""Deprecated: moved to :mod:`crmkit.privacy.consent`.

This import path warns and is removed in the next release.
"""

from crmkit._moved import alias_moved_module
from crmkit.privacy.consent import *  # noqa: F403
from crmkit.privacy.consent import __all__ as __all__

alias_moved_module(__name__, "crmkit.privacy.consent")
