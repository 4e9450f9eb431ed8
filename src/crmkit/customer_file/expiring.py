"""The answer of ``crm.contracts.expiring``: which contracts, found from the index, read
when needed.

Finding the contracts that end (or must be given notice on) in a window is two ranges of an
index; reading each one is a random read of its stored body, which for hundreds of
contracts out of a million costs ten times the finding. :class:`ExpiringContracts` holds
the ids and end dates found, in order, and reads the contracts themselves in pages the
first time they are asked for, so a caller that counts them, takes the first few, or only
needs the ids and dates pays for what it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any, overload

from crmkit.customer_file.contracts import Contract
from crmkit.errors import RecordNotFoundError

__all__ = ["PAGE", "ExpiringContracts"]

#: How many contracts one read brings in.
PAGE = 100


class ExpiringContracts(Sequence[Contract]):
    """Contracts in order of end date (then id), read *load*-ed a page at a time.

    ``ids`` and ``ends_on`` are known without reading a contract. A contract is read as it
    is when its page is first asked for (a read of its own), and kept.

    >>> from datetime import UTC, date, datetime, timedelta
    >>> from crmkit import Money
    >>> k = Contract.new("c1", title="Support", starts_on=date(2027, 1, 1),
    ...                  ends_on=date(2027, 12, 31), value=Money("10", "EUR"), renewal="auto",
    ...                  notice=timedelta(days=30), at=datetime(2026, 12, 1, tzinfo=UTC))
    >>> reads = []
    >>> found = ExpiringContracts([(k.id, k.ends_on)], lambda ids: reads.append(ids) or [k])
    >>> len(found), found.ends_on, reads
    (1, (datetime.date(2027, 12, 31),), [])
    >>> [c.title for c in found], len(reads)
    (['Support'], 1)
    >>> found == [k], found[0] is found[-1]
    (True, True)
    """

    __slots__ = ("_load", "_loaded", "ends_on", "ids")

    def __init__(
        self,
        found: Sequence[tuple[str, date]],
        load: Callable[[list[str]], Sequence[Contract]],
    ) -> None:
        self.ids: tuple[str, ...] = tuple(i for i, _ in found)
        self.ends_on: tuple[date, ...] = tuple(d for _, d in found)
        self._load = load
        self._loaded: dict[str, Contract] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _page(self, start: int) -> None:
        wanted = [i for i in self.ids[start : start + PAGE] if i not in self._loaded]
        if wanted:
            self._loaded.update((k.id, k) for k in self._load(wanted))

    def _get(self, index: int) -> Contract:
        contract_id = self.ids[index]
        if contract_id not in self._loaded:
            self._page(index - index % PAGE)
        found = self._loaded.get(contract_id)
        if found is None:  # removed from the store since it was found
            raise RecordNotFoundError("contract", contract_id)
        return found

    @overload
    def __getitem__(self, index: int) -> Contract: ...

    @overload
    def __getitem__(self, index: slice) -> list[Contract]: ...

    def __getitem__(self, index: int | slice) -> Contract | list[Contract]:
        if isinstance(index, slice):
            return [self._get(i) for i in range(len(self.ids))[index]]
        return self._get(range(len(self.ids))[index])

    def __iter__(self) -> Iterator[Contract]:
        for i in range(len(self.ids)):
            yield self._get(i)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ExpiringContracts):
            return self.ids == other.ids and list(self) == list(other)
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(other) == len(self) and list(self) == list(other)
        return NotImplemented

    __hash__: Any = None  # like a list: equal to a list of the same contracts

    def __repr__(self) -> str:
        return repr(list(self))
