"""Modules that moved into capability packages keep their old import path for one release:
it warns, names the new path, and is the very same module (not a copy)."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

import crmkit

MOVED = {
    "crmkit.resolution": "crmkit.identity.resolution",
    "crmkit.review": "crmkit.identity.review",
    "crmkit.merging": "crmkit.identity.merging",
    "crmkit.consent": "crmkit.privacy.consent",
    "crmkit.erasure": "crmkit.privacy.erasure",
    "crmkit.person_export": "crmkit.privacy.person_export",
    "crmkit.ledger": "crmkit.value.ledger",
    "crmkit.rates": "crmkit.value.rates",
    "crmkit.lists": "crmkit.segments.lists",
}
ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_path_warns_and_is_the_new_module(old: str, new: str) -> None:
    target = importlib.import_module(new)
    sys.modules.pop(old, None)
    if hasattr(crmkit, old.rsplit(".", 1)[1]):
        delattr(crmkit, old.rsplit(".", 1)[1])
    namespace: dict[str, object] = {}
    statement = compile(f"import {old} as aliased", __file__, "exec")
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new};") as caught:
        exec(statement, namespace)  # an import statement, as a user writes it
    aliased = namespace["aliased"]
    assert aliased is target
    assert caught[0].filename == __file__  # the warning names the importing line
    for name in target.__all__:
        assert getattr(aliased, name) is getattr(target, name)


def test_the_warning_comes_once_per_process() -> None:
    importlib.import_module("crmkit.privacy.consent")
    sys.modules.pop("crmkit.consent", None)
    with pytest.warns(DeprecationWarning, match="crmkit.consent moved"):
        importlib.import_module("crmkit.consent")
    importlib.import_module("crmkit.consent")  # cached: a second import does not warn


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_nothing_in_the_project_imports_an_old_path() -> None:
    users = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in ("src", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if path != Path(__file__) and "alias_moved_module(__name__" not in path.read_text("utf-8")
        for name in _imported(path) & set(MOVED)
    )
    assert users == []
