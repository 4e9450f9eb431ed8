"""Check that a change to the identity engine leaves its results alone.

Runs ``Matcher(source_field="source").dedupe`` (and ``link_explained`` between the even and the
odd rows) over the same CSV files with the ``src`` of a base revision and with the working tree,
each in its own process, and compares a digest of every cluster (ids in order, score,
reasons) and every link. Also prints the CPU seconds of each side, so it doubles as an A/B
timing run.

Usage:
    python benchmarks/same_clusters.py                         # dev set + 100k generated
    python benchmarks/same_clusters.py --base main --scale 300000 --no-link
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
# The dev set beside the repository (../shared/data), unless CRMKIT_DEV_CSV names another.
DEV = Path(
    os.environ.get("CRMKIT_DEV_CSV")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "crm_dev.csv"
)


def _rows(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.pop("entity_id", None)
    return rows


def child(mode: str, path: str) -> None:
    """Run one side (crmkit comes from PYTHONPATH) and print its digest and CPU time."""
    import crmkit
    from crmkit.identity import Matcher

    rows = _rows(path)
    matcher = Matcher(source_field="source")
    start = time.process_time()
    if mode == "dedupe":
        clusters = matcher.dedupe(rows, id_field="record_id")
        out = [[list(c.ids), c.score, list(c.reasons)] for c in clusters]
    else:
        links = matcher.link_explained(rows[::2], rows[1::2], id_field="record_id")
        out = [[p.left_id, p.right_id, p.score, list(p.reasons)] for p in links]
    cpu = time.process_time() - start
    digest = hashlib.sha256(json.dumps(out).encode()).hexdigest()[:16]
    print(
        json.dumps({"n": len(out), "digest": digest, "cpu": round(cpu, 2), "from": crmkit.__file__})
    )


def run_side(src: Path, mode: str, path: str) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", mode, path]
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout)
    if not str(result["from"]).startswith(str(src)):  # an installed crmkit took precedence
        raise RuntimeError(f"expected crmkit from {src}, got {result['from']}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="*", help="CSV files (default: dev set and a generated one)")
    ap.add_argument("--base", default="main", help="git revision to compare against")
    ap.add_argument("--scale", type=int, default=100_000, help="size of the generated set")
    ap.add_argument("--no-link", action="store_true", help="deduplication only")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "CSV"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sys.path.insert(0, str(HERE))
    from bench_identity import generate

    paths = args.csv or [p for p in (str(DEV),) if Path(p).exists()]
    if not args.csv:
        paths.append(str(generate(args.scale, seed=7)))
    repo = HERE.parent
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", args.base, "src"], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        sides = {args.base: Path(tmp) / "src", "working tree": repo / "src"}
        for path in paths:
            for mode in ("dedupe",) if args.no_link else ("dedupe", "link"):
                results = {name: run_side(src, mode, path) for name, src in sides.items()}
                digests = {r["digest"] for r in results.values()}
                same &= len(digests) == 1
                timing = ", ".join(f"{name} {r['cpu']} s" for name, r in results.items())
                verdict = "identical" if len(digests) == 1 else "DIFFERENT"
                count = next(iter(results.values()))["n"]
                print(f"{Path(path).name} {mode}: {count} results {verdict} (cpu {timing})")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
