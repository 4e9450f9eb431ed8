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
from crmkit.errors import ConflictError, RecordNotFoundError, ValidationError

__all__ = ["PAGE", "ExpiringContracts"]

#: How many contracts one read brings in.
PAGE = 100


class ExpiringContracts(Sequence[Contract]):
    """Contracts in order of end date (then id), read by *load* a page at a time.

    *found* are ``(id, end date)`` pairs in that order; *later*, ids of contracts known to
    end after all of them (found by their notice day) whose end dates *ends_of* looks up,
    the first time the order past *found* is needed. ``len()`` needs neither; ``ids`` and
    ``ends_on`` need no contract read. A contract is read as it is when its page is first
    asked for (a read of its own), and kept.

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

    __slots__ = ("_ends_of", "_found", "_later", "_load", "_loaded")

    def __init__(
        self,
        found: Sequence[tuple[str, date]],
        load: Callable[[list[str]], Sequence[Contract]],
        *,
        later: Sequence[str] = (),
        ends_of: Callable[[list[str]], Sequence[tuple[str, date]]] | None = None,
    ) -> None:
        if later and ends_of is None:
            raise ValidationError("ends_of", ends_of, "needed to order the later contracts")
        self._found = list(found)
        self._later = list(later)
        self._ends_of = ends_of
        self._load = load
        self._loaded: dict[str, Contract] = {}

    def _order(self, upto: int | None = None) -> list[tuple[str, date]]:
        """The ``(id, end date)`` pairs in order: all of them, or enough to hold position
        *upto* (the later ones are looked up once, when first needed)."""
        if self._later and (upto is None or upto >= len(self._found)):
            assert self._ends_of is not None
            tail = sorted(self._ends_of(self._later), key=lambda p: (p[1], p[0]))
            gone = set(self._later) - {i for i, _ in tail}
            if gone:  # terminated (or unsigned) since it was found: the order has no place
                raise ConflictError(f"contract {min(gone)!r} is no longer signed; ask again")
            self._found += tail
            self._later = []
        return self._found

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i for i, _ in self._order())

    @property
    def ends_on(self) -> tuple[date, ...]:
        return tuple(d for _, d in self._order())

    def __len__(self) -> int:
        return len(self._found) + len(self._later)

    def _page(self, start: int) -> None:
        # Within the order known so far: a page never looks up the later ones by itself.
        page = self._found[start : start + PAGE]
        wanted = [i for i, _ in page if i not in self._loaded]
        if wanted:
            self._loaded.update((k.id, k) for k in self._load(wanted))

    def _get(self, index: int) -> Contract:
        contract_id = self._order(index)[index][0]
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
            return [self._get(i) for i in range(len(self))[index]]
        return self._get(range(len(self))[index])

    def __iter__(self) -> Iterator[Contract]:
        for i in range(len(self)):
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
