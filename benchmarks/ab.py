"""Run one benchmark script with the ``src`` of a base revision and of the working tree, in
turns, and compare every figure the two print on the same line. Each side runs its own
copy of the script, so a script that follows a moved import path still runs on the base.

Each run is a separate process; the sides alternate (base, tree, base, tree, ...) so that a
change in the machine's load falls on both. A printed line is split into its words and its
numbers; lines whose words agree are paired, and each measured number is shown as the
working tree's median with, in brackets, its ratio to the base's median. A ratio above 1
on a time means slower; on a rate (rows/s) it means faster, so read the line's label.

Usage:
    python benchmarks/ab.py --base 2d1fa2e --repeat 3 bench_foundation.py --scale 0.05
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _base_tree(revision: str, into: Path) -> Path:
    archive = into / "base.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), revision, "src", "benchmarks"],
        cwd=ROOT,
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def _run(tree: Path, script: str, args: list[str]) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / script), *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.splitlines()


def _figures(lines: list[str]) -> dict[str, list[float]]:
    """Line skeleton (words, numbers replaced by ``#``) -> the line's numbers."""
    found: dict[str, list[float]] = {}
    for line in lines:
        numbers = _NUMBER.findall(line)
        if numbers:
            skeleton = _NUMBER.sub("#", line).strip()
            found.setdefault(skeleton, [float(n.replace(",", "")) for n in numbers])
    return found


def compare(base: list[list[str]], tree: list[list[str]]) -> list[str]:
    """Each line both sides print, with every figure that was measured (not the same in all
    runs) shown as the working tree's median and, in brackets, its ratio to the base's."""
    sides: list[dict[str, list[list[float]]]] = [defaultdict(list), defaultdict(list)]
    for side, runs in zip(sides, (base, tree), strict=True):
        for run in runs:
            for skeleton, numbers in _figures(run).items():
                side[skeleton].append(numbers)
    lines = []
    for skeleton, base_runs in sides[0].items():
        tree_runs = sides[1].get(skeleton)
        if not tree_runs or len({len(r) for r in (*base_runs, *tree_runs)}) != 1:
            continue
        shown = []
        for i in range(len(base_runs[0])):
            values = {r[i] for r in (*base_runs, *tree_runs)}
            b = statistics.median(r[i] for r in base_runs)
            t = statistics.median(r[i] for r in tree_runs)
            if len(values) == 1:
                shown.append(f"{t:g}")
            else:
                shown.append(f"{t:g} [{t / b:.2f}]" if b else f"{t:g} [-]")
        parts = skeleton.split("#")
        lines.append("".join(p + (shown[i] if i < len(shown) else "") for i, p in enumerate(parts)))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="git revision to compare against")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side")
    ap.add_argument("script", help="a benchmark script in benchmarks/")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = _base_tree(opts.base, Path(tmp))
        base_runs, tree_runs = [], []
        for _ in range(opts.repeat):
            base_runs.append(_run(base_tree, opts.script, opts.args))
            tree_runs.append(_run(ROOT, opts.script, opts.args))
    label = " ".join((opts.script, *opts.args))
    print(f"{label}: working tree / {opts.base}, median of {opts.repeat} runs each")
    for line in compare(base_runs, tree_runs):
        print(f"  {line}")


if __name__ == "__main__":
    main()
