"""String, phone and date comparators; every one is symmetric and returns a number in [0, 1]
(or a small integer level), so the model can turn it into evidence."""

from __future__ import annotations

import functools
import re
from datetime import date

__all__ = [
    "compare_dates",
    "compare_phones",
    "edit_distance",
    "jaro_winkler",
    "slug",
    "slug_similarity",
    "token_set_similarity",
    "within_edits",
]

_NOT_LETTERS_RE = re.compile(r"[^a-z]+")


@functools.lru_cache(maxsize=262144)
def jaro_winkler(a: str, b: str, *, prefix_weight: float = 0.1) -> float:
    """Jaro-Winkler similarity: 1.0 for equal strings, 0.0 for nothing in common.

    >>> jaro_winkler("martha", "marhta")
    0.961111
    >>> jaro_winkler("abc", "")
    0.0
    """
    if a == b:
        return 1.0
    if a > b:  # the algorithm is symmetric; ordering the arguments doubles cache hits
        a, b = b, a
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    taken = [False] * lb
    matched_a = []
    for i, ch in enumerate(a):
        # The first free ch of b within the window; str.find does the scanning in C.
        hi = i + window + 1
        j = b.find(ch, i - window if i > window else 0, hi)
        while j >= 0 and taken[j]:
            j = b.find(ch, j + 1, hi)
        if j >= 0:
            taken[j] = True
            matched_a.append(ch)
    m = len(matched_a)
    if not m:
        return 0.0
    matched_b = [b[j] for j in range(lb) if taken[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    jaro = (m / la + m / lb + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return round(jaro + prefix * prefix_weight * (1 - jaro), 6)


@functools.lru_cache(maxsize=65536)
def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions needed.

    >>> edit_distance("kitten", "sitting")
    3
    """
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def within_edits(a: str, b: str, k: int) -> bool:
    """True when *a* and *b* are at most *k* edits apart; only a band of width 2k+1 of the
    Levenshtein table is computed, and it stops as soon as the bound is exceeded.

    >>> within_edits("kitten", "sitting", 3), within_edits("kitten", "sitting", 2)
    (True, False)
    """
    if a == b:
        return True
    if abs(len(a) - len(b)) > k:
        return False
    big = k + 1
    previous = {j: j for j in range(min(len(b), k) + 1)}
    for i in range(1, len(a) + 1):
        lo, hi = max(0, i - k), min(len(b), i + k)
        current: dict[int, int] = {}
        best = big
        for j in range(lo, hi + 1):
            if j == 0:
                value = i
            else:
                value = min(
                    previous.get(j, big) + 1,
                    current.get(j - 1, big) + 1,
                    previous.get(j - 1, big) + (a[i - 1] != b[j - 1]),
                )
            current[j] = value
            best = min(best, value)
        if best > k:
            return False
        previous = current
    return previous.get(len(b), big) <= k


def token_set_similarity(a: str, b: str) -> float:
    """Similarity of two names as sets of words, in any order: each word of the shorter name
    is paired with its best Jaro-Winkler match in the other.

    >>> token_set_similarity("cruz juan dela", "juan dela cruz")
    1.0
    >>> token_set_similarity("", "juan")
    0.0
    """
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return 0.0
    if len(ta) > len(tb):
        ta, tb = tb, ta
    return round(sum(max(jaro_winkler(x, y) for y in tb) for x in ta) / len(ta), 6)


def slug(text: str) -> str:
    """The letters of an email local part or a handle, without digits or separators.

    >>> slug("Blendi.Topalli_85")
    'blenditopalli'
    """
    if text.isascii():
        return _NOT_LETTERS_RE.sub("", text.lower())
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def slug_similarity(email_local: str, handle: str) -> float:
    """How alike an email local part and a social handle are, ignoring digits, dots,
    underscores and case (``besa.kola85`` and ``@Besa_Kola`` are equal).

    >>> slug_similarity("besa.kola85", "Besa_Kola")
    1.0
    """
    return jaro_winkler(slug(email_local), slug(handle))


def compare_phones(a: str, b: str) -> int:
    """2 when two E.164 numbers are equal, 1 when they share their last 8 digits (one written
    with a wrong or missing country code), 0 otherwise.

    >>> compare_phones("+355691234567", "+355691234567")
    2
    >>> compare_phones("+355691234567", "+355697654321")
    0
    >>> compare_phones("+355691234567", "+35691234567")
    1
    """
    if a == b:
        return 2
    if len(a) >= 9 and len(b) >= 9 and a[-8:] == b[-8:]:
        return 1
    return 0


def compare_dates(a: date, b: date) -> int:
    """3 equal, 2 day and month swapped, 1 same day and month in another year, 0 different.

    >>> compare_dates(date(1990, 5, 1), date(1990, 1, 5))
    2
    """
    if a == b:
        return 3
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 2
    if a.month == b.month and a.day == b.day:
        return 1
    return 0
