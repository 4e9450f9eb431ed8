"""matplotlib, imported only when a picture is asked for: crmkit does not depend on it (the
``plot`` extra installs it), and without it every ``plot_*`` function says so."""

from __future__ import annotations

from typing import Any

from crmkit.errors import ConfigurationError

__all__ = ["axes", "pyplot"]


def pyplot() -> Any:
    """``matplotlib.pyplot``, or :class:`ConfigurationError` naming the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ConfigurationError(
            "plots need matplotlib: pip install 'crmkit[plot]' (or matplotlib)"
        ) from exc
    return plt


def axes(ax: Any = None) -> Any:
    """*ax*, or the Axes of a new figure when it is ``None``."""
    if ax is not None:
        return ax
    _, new = pyplot().subplots()
    return new
