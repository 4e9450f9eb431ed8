"""The comparison vector of a pair of prepared records: one small integer level per field.

Level 0 always means "no evidence" (a value is missing on one side); the model learns a weight
for every other level. Names of the levels are what explanations print.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from operator import attrgetter

from crmkit.identity.compare import compare_phones, jaro_winkler, within_edits
from crmkit.identity.prepare import PreparedRecord
from crmkit.text import phonetic_key

__all__ = [
    "FEATURES",
    "FEATURE_VALUES",
    "LEVEL_NAMES",
    "batch_comparer",
    "compare_records",
    "strangers_by_name",
    "value_counts",
]

Vector = tuple[int, ...]

FEATURES = (
    "phone",
    "email",
    "handle",
    "email/handle",
    "first name",
    "last name",
    "city",
    "postcode",
    "address",
    "birthday",
    "company",
    "external id",
)

_FIRST = FEATURES.index("first name")
_BIRTHDAY = FEATURES.index("birthday")


def strangers_by_name(vector: Vector) -> bool:
    """Whether two different given names make a stored contact no candidate at all for a
    look-up (a family line), unless the birthdays agree exactly. Resolution and the index
    drop such contacts before scoring; the batch Matcher weighs the same disagreement in
    its own conflict rule (crmkit.identity.scoring), which also looks at the family name."""
    return vector[_FIRST] == 1 and vector[_BIRTHDAY] != 3


# Per feature, the wording of each level (index = level).
LEVEL_NAMES: tuple[tuple[str, ...], ...] = (
    ("", "differs", "shares last 8 digits", "equal"),
    ("", "differs", "same mailbox, domain mistyped", "equal"),
    ("", "differs", "equal"),
    ("", "differ", "similar", "equal"),
    ("", "differs", "roughly similar", "similar", "equal"),
    ("", "differs", "roughly similar", "similar", "equal"),
    ("", "differs", "similar", "equal"),
    ("", "differs", "one digit off", "equal"),
    ("", "differs", "roughly similar", "similar", "equal"),
    ("", "differs", "day/month swapped or one digit off", "equal"),
    ("", "differs", "equal"),
    ("", "differs", "equal"),
)


def _first_handle(r: PreparedRecord) -> object:
    return r.handles[0] if r.handles else ""


def _first_slug(r: PreparedRecord) -> str:
    return r.slugs[0] if r.slugs else ""


# Per feature, the value of a record that "equal" refers to (``""`` when missing); plain
# fields are read by attrgetter, which runs in C over a million records.
FEATURE_VALUES: tuple[Callable[[PreparedRecord], Hashable], ...] = (
    attrgetter("phone"),
    attrgetter("email"),
    _first_handle,
    _first_slug,
    attrgetter("first"),
    attrgetter("last"),
    attrgetter("city"),
    attrgetter("postcode"),
    attrgetter("address"),
    attrgetter("birthday"),
    attrgetter("company"),
    attrgetter("external_id"),
)


def value_counts(
    records: Iterable[PreparedRecord], get: Callable[[PreparedRecord], Hashable]
) -> Counter[Hashable]:
    """How many records hold each value of one field, missing values (``""``) left out."""
    counts = Counter(map(get, records))
    counts.pop("", None)
    return counts


def _name_level(a: str, b: str, *, phonetic: bool = True) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 4
    if phonetic and (len(a) == 1 or len(b) == 1):
        # An initial ("D. Hallani") agrees with every name it starts, and proves no more.
        return 2 if a[0] == b[0] else 1
    sim = jaro_winkler(a, b)
    if sim >= 0.92:
        return 3
    if not phonetic:
        return 2 if sim >= 0.8 else 1
    # Persian script leaves short vowels out: "بهرام" reads "bhram"; the consonants agree.
    key_a, key_b = phonetic_key(a), phonetic_key(b)
    if key_a == key_b and len(key_a.replace(" ", "")) >= 3:
        return 3
    if sim >= 0.8 or key_a == key_b:
        return 2
    if sim >= 0.6 and min(len(a), len(b)) >= 4 and within_edits(a, b, 2):
        return 2
    if _clipped(a, b) or _clipped(b, a):
        return 2
    if a[0] == b[0] and min(len(key_a), len(key_b)) >= 2 and within_edits(key_a, key_b, 1):
        # One consonant dropped or mistyped ("Teesa" for Teresa, "Sool" for Sokol): the
        # spelling variants folded away make the letters too far apart to see it.
        return 2
    return 1


# Endings pet forms add to a clipped name: Roni, Beni, Mike, Dimo.
_PET_ENDINGS = frozenset("ieoy")


def _clipped(short: str, full: str) -> bool:
    """True when *short* may be a pet form clipped from *full*: a part of it ("Gel" from
    Angelica, "Roni" from Agron, "Keli" from Enkelejda) or its first syllable with a pet
    ending ("Eli" from Elena). Such a pair is no evidence of one person, but no veto either.

    >>> _clipped("roni", "agron"), _clipped("eli", "elena"), _clipped("jan", "piotr")
    (True, True, False)
    """
    if " " in short or len(short) > 5:
        return False
    stem = short[:-1] if len(short) >= 4 and short[-1] in _PET_ENDINGS else short
    if len(full) < len(stem) + 2:
        return False
    if len(stem) >= 3 and stem in full:
        return True
    return len(short) <= 4 and short[-1] in _PET_ENDINGS and short[:2] == full[:2]


def _email_level(a: str, b: str) -> int:
    """3 equal, 2 the same mailbox with its domain mistyped ("gmial.com"), 1 two mailboxes.

    One local part at two providers ("jan.nowak@wp.pl", "jan.nowak@o2.pl") is two mailboxes:
    most often two people who each took their name, which the names already say.

    >>> _email_level("jan.nowak@gmial.com", "jan.nowak@gmail.com")
    2
    >>> _email_level("jan.nowak@wp.pl", "jan.nowak@o2.pl")
    1
    """
    if a == b:
        return 3
    local_a, _, domain_a = a.partition("@")
    local_b, _, domain_b = b.partition("@")
    if local_a == local_b and min(len(domain_a), len(domain_b)) >= 6:
        return 2 if within_edits(domain_a, domain_b, 1) or _swapped(domain_a, domain_b) else 1
    return 1


def _swapped(a: str, b: str) -> bool:
    # Two neighbouring letters typed the wrong way round: one Levenshtein edit too many.
    diff = [n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return (
        len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
    )


def _text_level(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 3
    return 2 if jaro_winkler(a, b) >= 0.9 else 1


def _slug_level(a: PreparedRecord, b: PreparedRecord) -> int:
    if not a.slugs or not b.slugs:
        return 0
    best = max(jaro_winkler(x, y) for x in a.slugs for y in b.slugs)
    if best == 1.0:
        return 3
    return 2 if best >= 0.94 else 1


def _birthday_level(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 3
    swapped = a[:4] + a[6:8] + a[4:6]
    return 2 if swapped == b or within_edits(a, b, 1) else 1


# How alike two names are (a _name_level): the plain function, or a batch's memo of it.
NameLevel = Callable[[str, str], int]


def _split_level(
    first_a: str, last_a: str, first_b: str, last_b: str, level: NameLevel
) -> tuple[int, int]:
    first = level(first_a, first_b)
    last = level(last_a, last_b)
    if first < 3 and last < 3 and first_a and last_a and first_b and last_b:
        swapped = min(level(first_a, last_b), level(last_a, first_b))
        if swapped >= 3:  # given name and surname written the other way round
            first = last = swapped
    return first, last


def _names_level(a: PreparedRecord, b: PreparedRecord, level: NameLevel) -> tuple[int, int]:
    """First and last name levels, under the reading of a full name that fits best."""
    best = _split_level(a.first, a.last, b.first, b.last, level)
    if (a.other_splits or b.other_splits) and min(best) < 4:
        for fa, la in ((a.first, a.last), *a.other_splits):
            for fb, lb in ((b.first, b.last), *b.other_splits):
                levels = _split_level(fa, la, fb, lb, level)
                if sum(levels) > sum(best):
                    best = levels
    return best


class _NameLevels:
    """:func:`_name_level` remembered per distinct pair of names, for one batch of pairs.

    A million candidate pairs hold only a few hundred thousand distinct pairs of given names
    and surnames, and telling two names apart (Jaro-Winkler, phonetic keys, edit distance) is
    the dearest part of a comparison. The memo lives as long as the batch, so it never grows
    across calls. Every step of :func:`_name_level` is symmetric, so ``(a, b)`` and ``(b, a)``
    share an entry.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], int] = {}

    def __call__(self, a: str, b: str) -> int:
        if not a or not b or a == b:  # the cheap answers need no memo
            return _name_level(a, b)
        key = (a, b) if a < b else (b, a)
        level = self._known.get(key)
        if level is None:
            level = self._known[key] = _name_level(a, b)
        return level


def compare_records(a: PreparedRecord, b: PreparedRecord) -> Vector:
    """The comparison vector of *a* and *b* (symmetric), in the order of :data:`FEATURES`.

    >>> from crmkit.identity.prepare import prepare
    >>> x = prepare({"id": 1, "first_name": "Gosia", "last_name": "Nowak", "phone": "+48512345678"})
    >>> y = prepare({"id": 2, "full_name": "Małgorzata Nowak", "phone": "512345678",
    ...              "region": "PL"})
    >>> dict(zip(FEATURES, compare_records(x, y)))["phone"]
    3
    """
    return _compare(a, b, _name_level)


def batch_comparer() -> Callable[[PreparedRecord, PreparedRecord], Vector]:
    """:func:`compare_records` for many pairs of one batch, with the name levels remembered
    (see :class:`_NameLevels`): the same vectors, and most name comparisons become look-ups."""
    return functools.partial(_compare, name_level=_NameLevels())


def _compare(a: PreparedRecord, b: PreparedRecord, name_level: NameLevel) -> Vector:
    phone = (compare_phones(a.phone, b.phone) + 1) if a.phone and b.phone else 0
    email = _email_level(a.email, b.email) if a.email and b.email else 0
    handle = 0
    if a.handles and b.handles:
        shared = {c for c, _ in a.handles} & {c for c, _ in b.handles}
        if shared:
            handle = 2 if set(a.handles) & set(b.handles) else 1
    # A shared mailbox or account already says the slugs agree; counting it twice would
    # double the evidence.
    slug = 0 if email == 3 or handle == 2 else _slug_level(a, b)
    first, last = _names_level(a, b, name_level)
    if slug >= 2 and first >= 2:
        # Handles and mailbox names are mostly the person's name: when the names are there to
        # compare, an agreeing slug repeats their evidence rather than adding to it.
        slug = 0
    postcode = 0
    if a.postcode and b.postcode:
        near = within_edits(a.postcode, b.postcode, 1)
        postcode = 3 if a.postcode == b.postcode else (2 if near else 1)
    company = (2 if a.company == b.company else 1) if a.company and b.company else 0
    external = (
        (2 if a.external_id == b.external_id else 1) if a.external_id and b.external_id else 0
    )
    return (
        phone,
        email,
        handle,
        slug,
        first,
        last,
        _text_level(a.city, b.city),
        postcode,
        _name_level(a.address, b.address, phonetic=False),
        _birthday_level(a.birthday, b.birthday),
        company,
        external,
    )
