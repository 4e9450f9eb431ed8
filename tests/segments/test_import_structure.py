"""Issue #13: no import cycles in crmkit.segments, and storage reaches segments only through
public names."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import crmkit
import crmkit.segments

SRC = Path(crmkit.__file__).parent
SEGMENT_MODULES = sorted(
    f"crmkit.segments.{m.name}" for m in pkgutil.iter_modules(crmkit.segments.__path__)
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Modules *path* imports (``from a import b`` counts ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_segment_modules_do_not_import_inside_functions() -> None:
    for path in sorted((SRC / "segments").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(func) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{path.name}:{inner[0].lineno} imports inside {func.name}()"


def test_segment_modules_import_each_other_without_a_cycle() -> None:
    paths = {_module_name(p): p for p in (SRC / "segments").glob("*.py")}
    graph = {
        name: {m for m in _imports(path, top_level_only=True) if m in paths and m != name}
        for name, path in paths.items()
    }
    graph["crmkit.segments"] = set()  # the package re-exports; submodules import leaves
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        if name not in done:
            for dep in sorted(graph[name]):
                visit(dep, (*trail, name))
            done.add(name)

    for name in sorted(graph):
        visit(name, ())


@pytest.mark.parametrize("module", SEGMENT_MODULES)
def test_each_segment_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    code = f"import warnings; warnings.simplefilter('error'); import {module}"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_storage_imports_no_private_segment_module() -> None:
    for path in sorted((SRC / "storage").rglob("*.py")):
        private = {
            m
            for m in _imports(path, top_level_only=False)
            if m.startswith("crmkit.segments.") and m.split(".")[2].startswith("_")
        }
        assert not private, f"{path.relative_to(SRC)} imports {sorted(private)}"
