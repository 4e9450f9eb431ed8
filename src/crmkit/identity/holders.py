"""Who holds a phone, mailbox or account, as far as the records show: one person, a household
or strangers. Deduplication reads it to decide what agreeing on an identifier proves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence

from crmkit.identity.prepare import PreparedRecord

__all__ = [
    "HOUSEHOLD",
    "ONE_PERSON",
    "STRANGERS",
    "IdentifierHolders",
    "Values",
    "held_more_than_once",
]

ONE_PERSON, HOUSEHOLD, STRANGERS = 0, 1, 2

# field -> how a record's value is read, and how many records hold each value.
Values = dict[int, tuple[Callable[[PreparedRecord], object], Counter[Hashable]]]


def held_more_than_once(
    records: Sequence[PreparedRecord], values: Values
) -> dict[tuple[int, object], list[int]]:
    """(field, value) -> the positions of the records holding it, for values held more than
    once. The rest (most phones and mailboxes) are left out, which saves a million entries."""
    index: dict[tuple[int, object], list[int]] = {}
    for f, (get, counts) in values.items():
        for n, v in enumerate(map(get, records)):
            if v and counts[v] > 1:
                index.setdefault((f, v), []).append(n)
    return index


class IdentifierHolders:
    """The holders of every identifier value held more than once among *records*.

    *values* maps a field to how a record's value is read and how many records hold each
    value; *verdict(a, b)* says whether records a and b may be one person (0), doubtfully
    (1, e.g. two given names) or not (2); *same_first(a, b)* whether their given names agree.
    """

    def __init__(
        self,
        records: Sequence[PreparedRecord],
        values: Values,
        *,
        verdict: Callable[[int, int], int],
        same_first: Callable[[int, int], bool],
        max_people: int,
        index: dict[tuple[int, object], list[int]] | None = None,
    ) -> None:
        self._records = records
        self._values = values
        self._verdict = verdict
        self._same_first = same_first
        self._max = max_people
        # held_more_than_once(records, values), when the caller has it already.
        self._index = index
        self._status: dict[tuple[int, object], int] = {}

    def index(self) -> dict[tuple[int, object], list[int]]:
        """(field, value) -> the records holding it, for values held more than once."""
        if self._index is None:
            self._index = held_more_than_once(self._records, self._values)
        return self._index

    def status(self, f: int, value: object) -> int:
        """:data:`ONE_PERSON` when every holder's given name fits every other's, however many
        records; :data:`HOUSEHOLD` when given names cannot be one person's (a family's
        landline or inbox); :data:`STRANGERS` when namesakes in hard conflict hold it, a
        household holds it over more than *max_people* records, or its holders hold more
        than *max_people* other numbers, mailboxes and accounts between them (a placeholder
        or a shop's own address, not a person's)."""
        key = (f, value)
        found = self._status.get(key)
        if found is not None:
            return found
        ids = self.index().get(key, [])
        status = ONE_PERSON
        for x, a in enumerate(ids):
            for b in ids[x + 1 :]:
                verdict = self._verdict(a, b)
                if verdict == 2 and self._same_first(a, b):
                    status = STRANGERS
                    break
                if verdict:
                    status = HOUSEHOLD
            if status == STRANGERS:
                break
        if status == HOUSEHOLD and len(ids) > self._max:
            status = STRANGERS
        others = {
            v
            for n in ids
            for g, (get, _) in self._values.items()
            if g != f and (v := get(self._records[n]))
        }
        if len(others) > self._max:
            status = STRANGERS
        self._status[key] = status
        return status

    def household_share(self) -> tuple[int, int]:
        """How many identifiers two or more named records hold, and how many of them are not
        one person's."""
        seen = different = 0
        for (f, value), ids in self.index().items():
            if sum(1 for n in ids if self._records[n].first) >= 2:
                seen += 1
                different += self.status(f, value) != ONE_PERSON
        return seen, different
