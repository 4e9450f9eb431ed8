"""Blocking: which pairs of records are worth comparing at all.

Each record is filed under several keys (its phone, email, handles, the letters of its
mailbox name and handles, and a phonetic key of its name); two records become a candidate pair
when they share a key. Keys held by more than ``max_block`` records (a call centre's number,
"info@" addresses) are skipped, and so are name-like keys (names, slugs, birthdays, streets)
held by more than ``max_fuzzy_block``: they cannot single a person out, and comparing all their
pairs would make the work quadratic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from crmkit.identity.prepare import PreparedRecord
from crmkit.text import phonetic_key

__all__ = ["IDENTITY_PREFIXES", "block_keys", "candidate_pairs"]

# Keys naming one phone, mailbox, account or external id (as opposed to name-like keys).
IDENTITY_PREFIXES = frozenset({"p:", "p8", "e:", "h:", "x:"})


def block_keys(r: PreparedRecord) -> list[str]:
    """The blocking keys of one prepared record.

    >>> from crmkit.identity.prepare import prepare
    >>> record = {"id": 1, "first_name": "Besa", "last_name": "Kola", "phone": "+355691234567"}
    >>> block_keys(prepare(record))
    ['p:+355691234567', 'p8:91234567', 'n:bs|kl', 'n:kl|bs']
    """
    keys = []
    if r.phone:
        keys.append("p:" + r.phone)
        keys.append("p8:" + r.phone[-8:])
    if r.email:
        keys.append("e:" + r.email)
    keys.extend(f"h:{c}:{h}" for c, h in r.handles)
    keys.extend("s:" + s for s in r.slugs)
    if r.external_id:
        keys.append("x:" + r.external_id)
    first = phonetic_key(r.first) if r.first else ""
    last = phonetic_key(r.last) if r.last else ""
    if first and last:
        keys.append(f"n:{first}|{last}")
        keys.append(f"n:{last}|{first}")
        if " " in r.last:  # "Dela Cruz" and "Delacruz", "Crou ch" and "Crouch"
            joined = phonetic_key(r.last.replace(" ", ""))
            keys.append(f"n:{first}|{joined}")
            keys.append(f"n:{joined}|{first}")
    for other_first, other_last in r.other_splits:
        keys.append(f"n:{phonetic_key(other_first)}|{phonetic_key(other_last)}")
    if r.birthday:
        keys.append("b:" + r.birthday)
        if last:
            keys.append(f"bl:{r.birthday}|{last}")
        if first:
            keys.append(f"bf:{r.birthday}|{first}")
        if r.postcode:
            keys.append(f"bp:{r.birthday}|{r.postcode}")
    if r.address:
        words = r.address.split()
        keys.append("a:" + " ".join(words[:2]))
        # The street without its number (its first letters), where the number, the order of
        # words or the end of the street's name was mistyped.
        street = next((w[:4] for w in words if not w.isdigit() and len(w) >= 4), "")
        if street and r.postcode:
            keys.append(f"pa:{r.postcode}|{street}")
        if street and r.city:
            keys.append(f"ca:{r.city}|{street}")
    if r.city and last:
        keys.append(f"cl:{r.city}|{last}")
    if r.postcode and last:
        keys.append(f"pl:{r.postcode}|{last[:2]}")
    if r.postcode and first:
        keys.append(f"pf:{r.postcode}|{first[:2]}")
    return keys


def _blocks(records: Sequence[PreparedRecord], scale: int, side: int) -> dict[str, list[int]]:
    """Key -> the records filed under it, record ``i`` written as ``i * scale + side``."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        code = i * scale + side
        for key in block_keys(r):
            index[key].append(code)
    return index


def _small_blocks(
    index: dict[str, list[int]], max_block: int, max_fuzzy_block: int
) -> Iterator[list[int]]:
    """The distinct sorted members of every key held by 2 to its limit of records."""
    for key, ids in index.items():
        size = len(ids)
        if size < 2:  # most keys (a phone, a mailbox) belong to a single record
            continue
        if size <= (max_block if key[:2] in IDENTITY_PREFIXES else max_fuzzy_block):
            yield sorted(set(ids))


def candidate_pairs(
    left: Sequence[PreparedRecord],
    right: Sequence[PreparedRecord] | None = None,
    *,
    max_block: int = 100,
    max_fuzzy_block: int = 12,
) -> Iterator[tuple[int, int]]:
    """Distinct index pairs ``(i, j)`` sharing a key: within *left* (``i < j``) when *right*
    is None, otherwise ``i`` in *left* and ``j`` in *right*.
    """
    seen: set[int] = set()
    width = max(len(left), len(right or ())) + 1
    if right is None:
        # Deduplication files plain indices: every pair of a block is a candidate.
        for ids in _small_blocks(_blocks(left, 1, 0), max_block, max_fuzzy_block):
            for x, i in enumerate(ids):
                row = i * width
                for j in ids[x + 1 :]:
                    if row + j not in seen:
                        seen.add(row + j)
                        yield i, j
        return
    # Linkage files 2i (left) and 2i + 1 (right): only pairs across the sides count.
    index = _blocks(left, 2, 0)
    for key, ids in _blocks(right, 2, 1).items():
        index[key].extend(ids)
    for ids in _small_blocks(index, max_block, max_fuzzy_block):
        for x, a in enumerate(ids):
            for b in ids[x + 1 :]:
                if (a & 1) == (b & 1):
                    continue
                i, j = (a >> 1, b >> 1) if not a & 1 else (b >> 1, a >> 1)
                code = i * width + j
                if code not in seen:
                    seen.add(code)
                    yield i, j
