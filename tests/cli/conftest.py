from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the command line in-process: (exit status, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        out = io.StringIO()
        status = main(list(argv), out=out)
        return status, out.getvalue(), capsys.readouterr().err

    return run


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "crm.sqlite")


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., str]:
    """write(name, text, encoding="utf-8"): a file in the test's folder; returns its path."""

    def write(name: str, text: str, encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def crmkit_process(*argv: str, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real entry point, ``python -m crmkit``, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


@pytest.fixture
def crmkit() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``crmkit("report", "rfm", "--db", db)``: the command line as a real process."""
    return crmkit_process
