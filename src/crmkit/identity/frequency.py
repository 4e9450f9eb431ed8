"""How many people a value stands for, per market, counted without labels.

Agreeing on a rare surname says more than agreeing on "Ivanova". Counting the records that
hold a value overstates it for a well-documented person (ten messages from one "Xhevdet
Sula" make the name look common), so values are counted over *people*: records that share a
phone, mailbox, account or external id, directly or through one another, count once. And a
name common in one market is rare in another ("Maria" in the Philippines and in Poland, not
in Iran), so values are counted per market (the records' region) where the market has enough
people to count on, and over all records otherwise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from crmkit.identity.prepare import PreparedRecord

__all__ = ["MIN_MARKET_PEOPLE", "ValueShares", "person_groups"]

# A market with fewer people than this is too small to count names on: the shares of all
# records stand in for it.
MIN_MARKET_PEOPLE = 200

Getter = Callable[[PreparedRecord], Hashable]


def person_groups(n: int, shared: Iterable[Sequence[int]]) -> list[int]:
    """A group number for each of *n* records, given groups of records known to share an
    identifier (*shared*): records joined directly or through others get one number.

    >>> person_groups(5, [[0, 3], [3, 4]])
    [0, 1, 2, 0, 0]
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for holders in shared:
        root = find(holders[0])
        for other in holders[1:]:
            r = find(other)
            if r != root:
                parent[max(r, root)] = min(r, root)
                root = min(r, root)
    return [find(x) for x in range(n)]


class ValueShares:
    """The share of people holding each value of some fields, per market and overall.

    >>> from crmkit.identity.prepare import prepare
    >>> from operator import attrgetter
    >>> rows = [{"id": n, "last_name": "Leka", "region": "AL", "email": f"l{n}@example.al"}
    ...         for n in range(3)]
    >>> rows.append({"id": 3, "last_name": "Leka", "region": "AL", "email": "l0@example.al"})
    >>> rows.append({"id": 4, "last_name": "Kola", "region": "AL"})
    >>> records = [prepare(r) for r in rows]
    >>> shares = ValueShares(records, person_groups(5, [[0, 3]]), {5: attrgetter("last")},
    ...                      min_market=1)
    >>> shares.share(5, "leka", "AL")   # three people of four, though four records
    0.75
    """

    def __init__(
        self,
        records: Sequence[PreparedRecord],
        groups: Sequence[int],
        fields: Mapping[int, Getter],
        *,
        min_market: int = MIN_MARKET_PEOPLE,
    ) -> None:
        self._counts: dict[int, Counter[tuple[str, Hashable]]] = {}
        self._totals: dict[int, Counter[str]] = {}
        order = sorted(range(len(records)), key=groups.__getitem__)
        people: Counter[str] = Counter()
        markets: set[str] = set()
        previous = -1
        for n in order:
            if groups[n] != previous:
                people[""] += 1
                markets.clear()
                previous = groups[n]
            region = records[n].region
            if region and region not in markets:
                markets.add(region)
                people[region] += 1
        self._people = people
        for f, get in fields.items():
            counts: Counter[tuple[str, Hashable]] = Counter()
            seen: set[tuple[str, Hashable]] = set()
            previous = -1
            # One pass in group order: a value counts once per group (person) and market.
            for n in order:
                if groups[n] != previous:
                    seen.clear()
                    previous = groups[n]
                value = get(records[n])
                if value == "" or value is None:
                    continue
                for key in (("", value), (records[n].region, value)):
                    if key not in seen:
                        seen.add(key)
                        counts[key] += 1
            totals: Counter[str] = Counter()
            for (market, _), count in counts.items():
                totals[market] += count
            self._counts[f] = counts
            self._totals[f] = totals
        self._min_market = min_market
        # The markets with enough people to count on, in a fixed order (ties go to the first).
        self._markets = sorted(m for m, n in people.items() if m and n >= min_market)

    def market(self, market: str) -> str:
        """*market* when it has enough people to count values on, ``""`` otherwise."""
        return market if market and self._people[market] >= self._min_market else ""

    def market_bits(self, market: str) -> float:
        """The evidence, in bits, of two records being of one *market*: a person's records
        are of one market, while two strangers are both of it only by the market's share
        of the people. 0 for no market (or one too small to count on)."""
        market = self.market(market)
        if not market:
            return 0.0
        return math.log2(self._people[""] / self._people[market])

    def likely_market(self, values: Mapping[int, Hashable]) -> str:
        """The market (with enough people to count on) where a person holding all these
        field *values* most likely lives: the one with the most such people expected, by
        its people and the shares of each value there; a value no market holds says
        nothing; ``""`` when none is held anywhere.

        >>> from crmkit.identity.prepare import prepare
        >>> from operator import attrgetter
        >>> rows = [{"id": n, "last_name": name, "region": region} for n, (name, region)
        ...         in enumerate([("Leka", "AL"), ("Leka", "AL"), ("Leka", "BG"), ("Popov", "BG")])]
        >>> shares = ValueShares([prepare(r) for r in rows], [0, 1, 2, 3],
        ...                      {5: attrgetter("last")}, min_market=1)
        >>> shares.likely_market({5: "leka"}), shares.likely_market({5: "hoxha"})
        ('AL', '')
        """
        markets = self._markets
        expected = {m: float(self._people[m]) for m in markets}
        known = False
        for f, value in values.items():
            held = {m: self.share(f, value, m) or 0.0 for m in markets}
            if any(held.values()):
                known = True
                expected = {m: expected[m] * held[m] for m in markets}
        return max(markets, key=expected.__getitem__) if known else ""

    def share(self, f: int, value: Hashable, market: str = "") -> float | None:
        """The share of the people with field *f* who hold *value*, in *market* when it has
        enough people, over all otherwise; None for a field not counted."""
        totals = self._totals.get(f)
        if totals is None:
            return None
        market = self.market(market)
        total = totals[market]
        return self._counts[f][(market, value)] / total if total else None
