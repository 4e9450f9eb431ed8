"""How much an exactly agreeing value says about a pair: term frequencies and the market.

Agreeing on a rare surname says more than agreeing on "Ivanova". Identifiers (phone, mailbox,
account) weigh by the share of records holding the value; names, cities and mailbox letters by
the share of *people* holding it in the pair's market (:mod:`crmkit.identity.frequency`), and
that both records are of one market counts once, as its own evidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence

from crmkit.identity.features import FEATURE_VALUES, FEATURES, value_counts
from crmkit.identity.frequency import ValueShares, person_groups
from crmkit.identity.holders import Values, held_more_than_once
from crmkit.identity.prepare import PreparedRecord

__all__ = ["PEOPLE_FIELDS", "TF_VALUES", "TermWeights"]

Vector = tuple[int, ...]
_FIRST, _LAST = FEATURES.index("first name"), FEATURES.index("last name")
_PHONE, _EMAIL, _HANDLE = (FEATURES.index(f) for f in ("phone", "email", "handle"))
# Identifiers: their agreement weighs by the share of records holding the value.
TF_VALUES: dict[int, Callable[[PreparedRecord], object]] = {
    f: FEATURE_VALUES[f] for f in (_PHONE, _EMAIL, _HANDLE)
}
# Fields whose agreement weighs by how many people hold the value, per market (see
# crmkit.identity.frequency); identifiers weigh by their holders instead (PairJudge.holders).
PEOPLE_FIELDS = {
    f: FEATURE_VALUES[f]
    for f in (_FIRST, _LAST, FEATURES.index("city"), FEATURES.index("email/handle"))
}
# Value frequencies mean something only over many records.
_MIN_RECORDS = 1000


class TermWeights:
    """The chance two strangers share each exactly agreeing value of a pair ``(i, j)`` of
    *left* and *right* records, and the evidence of their being of one market."""

    def __init__(
        self,
        left: Sequence[PreparedRecord],
        right: Sequence[PreparedRecord],
        records: Sequence[PreparedRecord],
        top: Vector,
    ) -> None:
        self.left, self.right, self._records, self._top = left, right, records, top
        self._use_tf = len(records) >= _MIN_RECORDS
        self.freq: dict[int, Counter[Hashable]] = {
            f: value_counts(records, get) for f, get in TF_VALUES.items()
        }
        self._totals = {f: max(sum(c.values()), 1) for f, c in self.freq.items()}
        self._shares: ValueShares | None = None
        self._held: dict[tuple[int, object], list[int]] | None = None

    def identifier_values(self) -> Values:
        """Each identifier field with its getter and its values' record counts."""
        return {g: (get, self.freq[g]) for g, get in TF_VALUES.items()}

    def held(self) -> dict[tuple[int, object], list[int]]:
        """:func:`held_more_than_once` over all the records, worked out once: the shares
        and, deduplicating, the identifiers' holders (a million records' pass) read it."""
        if self._held is None:
            self._held = held_more_than_once(self._records, self.identifier_values())
        return self._held

    def weigh(self, i: int, j: int, vector: Vector) -> tuple[dict[int, float], float]:
        """Per exactly agreeing field, the chance two strangers share that value; and the
        bits of "one market" the pair earns once when names were weighed in it."""
        tf: dict[int, float] = {}
        if not self._use_tf:
            return tf, 0.0
        top, a = self._top, self.left[i]
        for f, get in TF_VALUES.items():
            if vector[f] and vector[f] == top[f]:
                value = get(a)
                if value:
                    tf[f] = self.freq[f][value] / self._totals[f]
        agreed = {
            f: value
            for f, get in PEOPLE_FIELDS.items()
            if vector[f] and vector[f] == top[f] and (value := get(a)) not in ("", None)
        }
        if not agreed:
            return tf, 0.0
        shares = self.shares()
        market = self._pair_market(a, self.right[j], agreed, shares)
        for f, value in agreed.items():
            share = shares.share(f, value, market)
            if share:
                tf[f] = share
        weighed = any(f in tf for f in PEOPLE_FIELDS)
        return tf, shares.market_bits(market) if weighed else 0.0

    @staticmethod
    def _pair_market(
        a: PreparedRecord, b: PreparedRecord, agreed: dict[int, object], shares: ValueShares
    ) -> str:
        """The market whose people a pair's agreeing names are counted among: the records'
        region when they agree or only one gives it, and without any region the market those
        names are most likely from; ``""`` for records of two different markets.

        Counting a name over all markets would treat a Bulgarian given name and a Bulgarian
        family name as two independent rarities of the whole data, when most of their
        rarity is one fact, the market; a pair of records without a region would then get
        more evidence from one full name than a pair known to be of its market.
        """
        if a.region != b.region:
            return "" if a.region and b.region else a.region or b.region
        return a.region or shares.likely_market(agreed)

    def shares(self) -> ValueShares:
        """The people holding each name value, per market (records joined by a phone,
        mailbox or account they share count as one person); counted when first needed."""
        if self._shares is None:
            groups = person_groups(len(self._records), self.held().values())
            self._shares = ValueShares(self._records, groups, PEOPLE_FIELDS)
        return self._shares
