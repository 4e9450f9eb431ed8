"""Judging candidate pairs: the model's probability with term frequencies, the conflicts that
keep two people apart, and the namesake rule for pairs linked by a name alone."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from crmkit.identity.features import FEATURES, compare_records
from crmkit.identity.holders import ONE_PERSON, IdentifierHolders
from crmkit.identity.model import MatchModel
from crmkit.identity.pair_vectors import PairVectors
from crmkit.identity.prepare import PreparedRecord
from crmkit.identity.term_weights import TF_VALUES, TermWeights
from crmkit.text import phonetic_key

__all__ = ["CONFLICT_FIELDS", "DEFAULT_CONFLICTS", "PairJudge"]

Vector = tuple[int, ...]
_FIRST = FEATURES.index("first name")
_LAST = FEATURES.index("last name")
_BIRTHDAY = FEATURES.index("birthday")
_NAMES = frozenset({_FIRST, _LAST, FEATURES.index("email/handle")})
# Levels that say "this identity is the same": a pair with none of them rests on names.
_IDENTITY = tuple(
    (FEATURES.index(f), lo)
    for f, lo in (("phone", 2), ("email", 3), ("handle", 2), ("external id", 2))
)
# Disagreement levels that can separate two people.
CONFLICT_FIELDS: Mapping[str, int] = {
    "first name": 1,
    "phone": 1,
    "email": 1,
    "handle": 1,
    "external id": 1,
}
# The default: people keep several numbers, mailboxes and accounts, so two of them differing
# is evidence against one person (a weight), not a veto; two given names that cannot be one
# person's, or two ids from one system, are.
DEFAULT_CONFLICTS = frozenset({"first name", "external id"})
_PHONE, _EMAIL, _HANDLE = (FEATURES.index(f) for f in ("phone", "email", "handle"))
# Exact agreement on one phone, mailbox, account or external id: (feature, its "equal" level).
_EXACT_IDS = tuple(
    (FEATURES.index(f), level)
    for f, level in (("phone", 3), ("email", 3), ("handle", 2), ("external id", 2))
)
# Below this many identifiers (or pairs on one) with given names to compare, the share of them
# held by two people is not estimated from the data; the fallback is a household now and then.
_MIN_ID_PAIRS = 50
_DEFAULT_ID_COLLISIONS = 0.02


def name_key(r: PreparedRecord) -> str:
    """The phonetic full-name key of a record, ``""`` without both names."""
    return f"{phonetic_key(r.first)}|{phonetic_key(r.last)}" if r.first and r.last else ""


def _market_reason(bits: float) -> tuple[str, ...]:
    return (f"same market +{bits:.1f}",) if bits >= 0.05 else ()


class PairJudge:
    """Scores and checks pairs of records ``(i, j)``; *right* None means deduplication."""

    def __init__(
        self,
        model: MatchModel,
        left: Sequence[PreparedRecord],
        right: Sequence[PreparedRecord] | None,
        vectors: PairVectors,
        *,
        conflicts: frozenset[str],
        min_cross_bits: float,
        max_name_only_block: int,
    ) -> None:
        self.model = model
        self.left = left
        self.right = right if right is not None else left
        self.vectors = vectors
        self._by_code, self._width = vectors.by_code, vectors.width
        self.conflicts = tuple((FEATURES.index(f), CONFLICT_FIELDS[f]) for f in sorted(conflicts))
        self.min_cross_bits = min_cross_bits
        self.max_name_only_block = max_name_only_block
        self._verdicts: dict[tuple[int, int], int] = {}
        # Per feature, its top level ("equal"); and what depends on a vector alone, worked
        # out once per distinct vector (a few thousand) rather than once per pair (millions).
        self._top = tuple(len(row) - 1 for row in model.m)
        self._weights = TermWeights(self.left, self.right, [*left, *(right or ())], self._top)
        self._conflicts: dict[Vector, int] = {}
        self._corroborated: dict[Vector, bool] = {}
        self._name_keys: list[str] | None = None
        self._holders: IdentifierHolders | None = None
        self._by_name: dict[str, list[int]] | None = None
        self._ambiguous: dict[str, bool] = {}
        self._id_logit: float | None = None

    def vector(self, i: int, j: int) -> Vector:
        v = self._by_code.get(i * self._width + j)
        return v if v is not None else compare_records(self.left[i], self.right[j])

    def shared_value(self, f: int, value: object) -> bool:
        """True when *value* (a phone, mailbox or account) is shared by strangers: by more
        than ``max_name_only_block`` records of several people, or by namesakes in hard
        conflict (two records of one clean source). Then agreeing on it says nothing."""
        return self.holders(f, value) == 2

    def holders(self, f: int, value: object) -> int:
        """Who holds *value* (see :class:`crmkit.identity.holders.IdentifierHolders`): 0 one
        person, 1 a household, 2 strangers. Deduplication only; linkage answers 0."""
        if self.right is not self.left:
            return ONE_PERSON
        return self._holder_table().status(f, value)

    def _holder_table(self) -> IdentifierHolders:
        if self._holders is None:
            self._holders = IdentifierHolders(
                self.left,
                self._weights.identifier_values(),
                verdict=self.verdict,
                same_first=lambda a, b: self.vector(a, b)[_FIRST] >= 3,
                max_people=self.max_name_only_block,
                index=self._weights.held(),  # deduplication: the same records, same index
            )
        return self._holders

    def effective(self, i: int, j: int) -> Vector:
        """The pair's vector, with agreement on a phone, mailbox or account set to "no
        evidence" (deduplication only) where it says "same household", not "same person":
        one strangers share, or a household's where a record gives no given name to tell
        its members apart by."""
        vector = self.vector(i, j)
        top = self._top
        if self.right is not self.left or (
            vector[_PHONE] != top[_PHONE]
            and vector[_EMAIL] != top[_EMAIL]
            and vector[_HANDLE] != top[_HANDLE]
        ):
            return vector
        out = None
        named = self._named(i) and self._named(j)
        for f in (_PHONE, _EMAIL, _HANDLE):
            if vector[f] == top[f]:
                value = TF_VALUES[f](self.left[i])
                status = self.holders(f, value) if value else 0
                if status == 2 or (status == 1 and not named):
                    out = list(vector) if out is None else out
                    out[f] = 0
        return vector if out is None else tuple(out)

    def _named(self, n: int) -> bool:
        # An initial fits several members of a family, so it does not tell them apart.
        return len(self.left[n].first) > 1

    def identifier_logit(self) -> float:
        """The log2 odds that two records sharing a phone, mailbox, account or external id
        that the data shows to be one person's (see :meth:`holders`) are one person, learnt
        without labels.

        An identifier is one person's far more often than chance says (the model's u counts
        collisions of values, and most collisions are the same person writing again), so a
        shared one is judged by how often the data shows one shared. Deduplicating, that is
        the share of the identifiers held by two or more named records whose given names
        cannot all be one person's (a family's landline or inbox): an identifier that shows
        no such conflict may still be a household's whose other member has not given a name,
        and a record on it is that other member about half the time. Linking, it is the
        share of the candidate pairs on one identifier whose given names conflict.
        """
        if self._id_logit is None:
            seen = different = 0
            if self.right is self.left:
                seen, different = self._holder_table().household_share()
                share = (different + 1) / (seen + 2) / 2
            else:
                for vector, count in self.vectors.vector_counts().items():
                    if vector[_FIRST] and any(vector[f] == top for f, top in _EXACT_IDS):
                        seen += count
                        different += count if self.conflict(vector) else 0
                share = (different + 1) / (seen + 2)
            rate = share if seen >= _MIN_ID_PAIRS else _DEFAULT_ID_COLLISIONS
            self._id_logit = math.log2((1.0 - rate) / rate)
        return self._id_logit

    def _on_identifier(self, i: int, j: int, vector: Vector) -> tuple[Vector, list[str]] | None:
        """*vector* without its exactly agreeing identifiers, and their names; None when it
        has none that singles a person out. A household's line or inbox does so only between
        two records that both give a name (then the same name; different ones conflict)."""
        named = self.right is not self.left or (self._named(i) and self._named(j))
        agreed = [
            f
            for f, top in _EXACT_IDS
            if vector[f] == top
            and (f not in TF_VALUES or named or not self.holders(f, TF_VALUES[f](self.left[i])))
        ]
        if not agreed:
            return None
        rest = tuple(0 if f in agreed else level for f, level in enumerate(vector))
        return rest, [FEATURES[f] for f in agreed]

    def _scored(
        self, i: int, j: int, vector: Vector, *, explained: bool = False
    ) -> tuple[float, tuple[str, ...]]:
        """The pair's probability; its reasons when it rests on an identifier or when
        *explained* (otherwise none: most pairs are scored and never shown)."""
        tf, market = self._weights.weigh(i, j, vector)
        p = self.model.probability(vector, tf, extra=market)
        on_id = self._on_identifier(i, j, vector)
        if on_id is not None:
            rest, names = on_id
            logit = self.identifier_logit() + self.model.bits(rest, tf) + market
            q = 1.0 / (1.0 + 2.0 ** (-max(min(logit, 60.0), -60.0)))
            if q > p:
                head = f"{', '.join(names)} equal +{self.identifier_logit():.1f}"
                return q, (head, *self.model.explain(rest, tf), *_market_reason(market))
        if not explained:
            return p, ()
        return p, (*self.model.explain(vector, tf), *_market_reason(market))

    def probability(self, i: int, j: int) -> float:
        return self._scored(i, j, self.effective(i, j))[0]

    def explain(self, i: int, j: int) -> tuple[str, ...]:
        return self._scored(i, j, self.effective(i, j), explained=True)[1]

    def conflict(self, vector: Vector) -> int:
        """0 none, 1 soft (different first names), 2 hard (two phones, mailboxes, accounts)."""
        verdict = self._conflicts.get(vector)
        if verdict is None:
            verdict = self._conflicts[vector] = self._conflict(vector)
        return verdict

    def _conflict(self, vector: Vector) -> int:
        verdict = 0
        for f, level in self.conflicts:
            if vector[f] != level:
                continue
            if f != _FIRST:
                return 2
            # Two first names under one family name (or none) are two people, e.g. a family
            # sharing a landline, unless the birthdays agree or nearly so (one digit, or day
            # and month swapped): relatives are not born on the same day of another month or
            # year, so there the name was mistyped or replaced. When the family names differ
            # too, the record is garbled rather than a relative.
            if vector[_BIRTHDAY] < 2 and vector[_LAST] != 1:
                verdict = 1
        return verdict

    def verdict(self, i: int, j: int) -> int:
        """Whether records i and j (same side; dedupe) may be one person: 0, 1 soft, 2 hard."""
        key = (i, j) if i < j else (j, i)
        cached = self._verdicts.get(key)
        if cached is None:
            a, b = self.left[key[0]], self.left[key[1]]
            if a.source and a.source == b.source:
                cached = 2
            else:
                vector = self.vector(*key)
                cached = self.conflict(vector)
                if not cached and self.model.bits(vector) < self.min_cross_bits:
                    cached = 1
            self._verdicts[key] = cached
        return cached

    @staticmethod
    def _distinct_ids(vector: Vector) -> bool:
        """Two different phones, mailboxes or accounts and none in common: two people as far
        as a name can tell (one person may hold two, but a shared name cannot say so)."""
        return any(vector[f] == 1 for f in (_PHONE, _EMAIL, _HANDLE)) and not any(
            vector[f] == top for f, top in _EXACT_IDS
        )

    def corroborated(self, vector: Vector) -> bool:
        """Evidence beyond the name: an identity, or other fields worth 8 bits."""
        known = self._corroborated.get(vector)
        if known is None:
            known = self._corroborated[vector] = self._corroborated_uncached(vector)
        return known

    def _corroborated_uncached(self, vector: Vector) -> bool:
        if any(vector[f] >= lo for f, lo in _IDENTITY):
            return True
        rest = tuple(0 if f in _NAMES else level for f, level in enumerate(vector))
        return self.model.bits(rest) >= 8.0

    def _name_key(self, n: int) -> str:
        """:func:`name_key` of left record *n*, worked out once per record."""
        if self._name_keys is None:
            one: dict[str, str] = {}  # one string per distinct key, not one per record
            self._name_keys = [one.setdefault(k, k) for k in map(name_key, self.left)]
        return self._name_keys[n]

    def _name_index(self) -> dict[str, list[int]]:
        if self._by_name is None:
            self._by_name = {}
            for n in range(len(self.left)):
                k = self._name_key(n)
                if k:
                    self._by_name.setdefault(k, []).append(n)
        return self._by_name

    def namesakes(self, key: str) -> bool:
        """A name held by records that cannot all be one person, or by too many records:
        there a name alone links nobody."""
        if not key:
            return False
        if key not in self._ambiguous:
            ids = self._name_index().get(key, [])
            self._ambiguous[key] = len(ids) > self.max_name_only_block or any(
                self.verdict(a, b) or self._distinct_ids(self.vector(a, b))
                for x, a in enumerate(ids)
                for b in ids[x + 1 :]
            )
        return self._ambiguous[key]

    def edge(self, i: int, j: int) -> float:
        """The probability of the pair, or 0.0 when it must not be linked directly."""
        vector = self.vector(i, j)
        if self.conflict(vector):
            return 0.0
        a, b = self.left[i], self.right[j]
        if self.right is self.left and a.source and a.source == b.source:
            return 0.0
        if self.right is not self.left:
            return self._scored(i, j, vector)[0]
        vector = self.effective(i, j)
        if not self.corroborated(vector) and (
            self.namesakes(self._name_key(i)) or self.namesakes(self._name_key(j))
        ):
            return 0.0
        return self._scored(i, j, vector)[0]
