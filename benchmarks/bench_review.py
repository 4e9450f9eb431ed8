"""The review queue ``CRM.record`` fills, measured on labelled contact records.

Every record of a labelled CSV (``record_id``, ``entity_id`` and the usual contact columns) is
played in file order through ``CRM.record`` on the in-memory backend, as touchpoints would
arrive. Then, against the labels:

* contacts per person: how many people ended up split over several contacts (the duplicates a
  review queue exists to catch) and how many contacts mix two people (wrong links);
* the review queue: items filed, their precision (the best candidate is the same person) and
  how many of the split people it names (a duplicate is caught when an item joins a contact
  of that person to another of the same person).

Usage:
    python benchmarks/bench_review.py                      # the dev set
    python benchmarks/bench_review.py --csv other.csv      # any labelled set
    python benchmarks/bench_review.py --review 0.2         # another review threshold
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from crmkit import CRM
from crmkit.errors import CRMError

HERE = Path(__file__).resolve().parent
DEV = Path(os.environ.get("CRMKIT_DEV_CSV", HERE.parent.parent / "shared" / "data" / "crm_dev.csv"))
# Sources of the labelled sets, as crmkit channels.
CHANNELS = {
    "webform": "web",
    "email": "email",
    "phone": "phone",
    "instagram": "instagram",
    "visit": "visit",
    "facebook": "facebook",
}


def touchpoint(row: dict[str, str]) -> dict[str, Any] | None:
    """The ``record()`` arguments for one row; None for a row with no identity."""

    def get(key: str) -> str | None:
        value = (row.get(key) or "").strip()
        return value or None

    name = get("full_name") or " ".join(x for x in (get("first_name"), get("last_name")) if x)
    args: dict[str, Any] = {
        "channel": CHANNELS.get(row.get("source") or "", "web"),
        "email": get("email"),
        "phone": get("phone"),
        "handle": ("instagram", get("instagram")) if get("instagram") else None,
        "name": name or None,
        "city": get("city"),
        "region": get("region"),
    }
    if not (args["email"] or args["phone"] or args["handle"]):
        return None
    return args


def run(rows: list[dict[str, str]], review: float) -> dict[str, float]:
    crm = CRM(review_threshold=review)
    entity_of_contact: dict[str, Counter[str]] = defaultdict(Counter)
    refused = skipped = 0
    t = time.perf_counter()
    for row in rows:
        args = touchpoint(row)
        if args is None:
            skipped += 1
            continue
        try:
            interaction = crm.record(**args)
        except CRMError:  # bad phone, two identities naming two contacts, ...
            refused += 1
            continue
        entity_of_contact[interaction.contact_id][row["entity_id"]] += 1
    elapsed = time.perf_counter() - t
    # The person a contact stands for: the one most of its touchpoints came from.
    person = {cid: c.most_common(1)[0][0] for cid, c in entity_of_contact.items()}
    mixed = sum(1 for c in entity_of_contact.values() if len(c) > 1)
    contacts_of: dict[str, list[str]] = defaultdict(list)
    for cid, ent in person.items():
        contacts_of[ent].append(cid)
    split = {ent for ent, cids in contacts_of.items() if len(cids) > 1}
    items = crm.review_queue()
    right = 0
    caught: set[str] = set()
    for item in items:
        ent = person.get(item.contact_id)
        best = person.get(item.candidate_ids[0])
        right += ent is not None and ent == best
        if ent in split and any(person.get(c) == ent for c in item.candidate_ids):
            caught.add(ent)
    return {
        "touchpoints": len(rows) - skipped - refused,
        "refused": refused,
        "contacts": len(person),
        "people": len(contacts_of),
        "mixed contacts": mixed,
        "split people": len(split),
        "review items": len(items),
        "review precision": right / len(items) if items else float("nan"),
        "split people caught": len(caught) / len(split) if split else float("nan"),
        "seconds": elapsed,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEV)
    ap.add_argument("--review", type=float, nargs="+", default=[0.5])
    ap.add_argument("--limit", type=int, default=0, help="only the first N rows")
    args = ap.parse_args()
    with args.csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if args.limit:
        rows = rows[: args.limit]
    print(f"{args.csv.name}: {len(rows)} rows")
    for review in args.review:
        figures = run(rows, review)
        cells = " | ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
        )
        print(f"review_threshold {review} | {cells}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
