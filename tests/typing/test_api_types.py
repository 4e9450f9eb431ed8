from __future__ import annotations

from pathlib import Path

from mypy import api


def test_public_api_type_checks_under_strict_mypy() -> None:
    target = Path(__file__).with_name("api.py")
    stdout, stderr, status = api.run(["--strict", "--no-incremental", str(target)])
    assert status == 0, stdout + stderr
