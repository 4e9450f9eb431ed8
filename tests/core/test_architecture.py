"""The floors of docs/architecture.md hold: no module imports from a floor above its own, and
the domain packages import one another without a circle."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src" / "crmkit"
_ROW = re.compile(r"^\| (\d) \| (\w+) \|.*\| (.+) \|$")


def _floors() -> dict[str, int]:
    """Top-level module -> floor, from the table in docs/architecture.md."""
    floors: dict[str, int] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            for name in re.findall(r"`([\w.]+)`", match.group(3)):
                floors[name] = int(match.group(1))
    return floors


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "crmkit"


def _imports() -> dict[str, set[tuple[str, str]]]:
    """Top-level module -> {(importing file, imported crmkit module)}."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                if target == "crmkit" or target.startswith("crmkit."):
                    found[_top(module)].add((str(rel), target))
    return found


def test_every_module_has_a_floor() -> None:
    floors = _floors()
    modules = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if p.is_dir()}
    modules = {m for m in modules if m != "__pycache__" and m != "py"} - {"__init__"}
    assert modules - set(floors) == set(), "add a row in docs/architecture.md"
    assert "crmkit" in floors


def test_no_import_runs_upward() -> None:
    floors = _floors()
    upward = sorted(
        f"{where} (floor {floors[source]}) imports {target} (floor {floors[_top(target)]})"
        for source, edges in _imports().items()
        for where, target in edges
        if floors[_top(target)] > floors[source]
    )
    assert upward == []


def test_domain_packages_import_one_another_without_a_circle() -> None:
    floors = _floors()
    graph = {
        source: {_top(t) for _, t in edges if floors[_top(t)] == 1} - {source}
        for source, edges in _imports().items()
        if floors[source] == 1
    }
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, " -> ".join((*path, node))
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, (*path, node))
        done.add(node)

    for node in sorted(graph):
        visit(node, ())


def test_the_check_sees_a_violation() -> None:
    # The rules are only worth something if a real upward import would be caught.
    floors = _floors()
    assert floors["storage"] < floors["_api"] < floors["crm"] < floors["cli"]
    assert ("storage/kinds", "crmkit.privacy.erasure") in {
        (w.replace("crmkit/", "", 1), t) for w, t in _imports()["storage"]
    }
