"""Fixtures shared by the test folders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def pyplot() -> Iterator[Any]:
    """``matplotlib.pyplot`` on the Agg backend (no display needed); every figure drawn in
    the test is closed after it. Skips when matplotlib is not installed."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    plt = pytest.importorskip("matplotlib.pyplot")
    yield plt
    plt.close("all")
