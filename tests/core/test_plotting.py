"""Without matplotlib, every picture says what to install; with it, nothing else is needed."""

from __future__ import annotations

import sys

import pytest

from crmkit._plotting import axes
from crmkit.errors import ConfigurationError


def test_without_matplotlib_a_plot_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import fails
    with pytest.raises(ConfigurationError, match=r"crmkit\[plot\]"):
        axes()


def test_given_axes_are_drawn_on() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    figure, ax = plt.subplots()
    try:
        assert axes(ax) is ax
    finally:
        plt.close(figure)
