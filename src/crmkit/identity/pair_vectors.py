"""The comparison vectors of a batch's candidate pairs, stored compactly.

A million records give a couple of million candidate pairs. Keyed by ``(i, j)`` tuples, each
pair cost a tuple and two integer objects besides its dict entry (about 150 bytes, and as
many objects for the allocator to make and free); keyed by the one integer ``i * width + j``
it costs the entry and one integer. The vectors themselves are shared: one tuple per distinct
vector (a few thousand), however many pairs show it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

__all__ = ["PairVectors", "Vector"]

Vector = tuple[int, ...]


class PairVectors(Mapping[tuple[int, int], Vector]):
    """Pair ``(i, j)`` -> its comparison vector, in the order pairs were added; *width*
    exceeds every ``j`` (and ``i``) that will be added.

    >>> vectors = PairVectors(width=10)
    >>> vectors.add(3, 7, (1, 0))
    >>> vectors.add(0, 2, (1, 0))
    >>> list(vectors.items()), vectors.get((7, 3))
    ([((3, 7), (1, 0)), ((0, 2), (1, 0))], None)
    >>> vectors.vector_counts()
    Counter({(1, 0): 2})
    """

    __slots__ = ("_distinct", "by_code", "width")

    def __init__(self, width: int) -> None:
        self.width = width
        # i * width + j -> vector; read directly by PairJudge, the hottest look-up of a batch.
        self.by_code: dict[int, Vector] = {}
        self._distinct: dict[Vector, Vector] = {}  # one tuple per distinct vector

    def add(self, i: int, j: int, vector: Vector) -> None:
        """Record the vector of pair ``(i, j)``."""
        self.by_code[i * self.width + j] = self._distinct.setdefault(vector, vector)

    def vector_counts(self) -> Counter[Vector]:
        """``{vector: pairs showing it}``, vectors in the order first added."""
        return Counter(self.by_code.values())

    def __getitem__(self, key: tuple[int, int]) -> Vector:
        i, j = key
        if not (0 <= i < self.width and 0 <= j < self.width):
            raise KeyError(key)
        return self.by_code[i * self.width + j]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        width = self.width
        for code in self.by_code:
            yield divmod(code, width)

    def __len__(self) -> int:
        return len(self.by_code)
