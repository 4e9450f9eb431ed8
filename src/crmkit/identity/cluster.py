"""Clustering scored pairs into people without chaining.

Plain connected components glue a whole household together through one shared landline.
Here edges are taken strongest first, and two groups join only when every pair across them is
acceptable: no veto (two different first names) and no net evidence against being one person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["constrained_clusters"]

# (i, j) -> 0 when records i and j may be one person, 1 when that is doubtful (a soft
# conflict, tolerated in a small share of pairs), 2 when they cannot be (a hard conflict).
Compatible = Callable[[int, int], int]


def constrained_clusters(
    n: int,
    edges: Iterable[tuple[float, int, int]],
    compatible: Compatible,
    *,
    max_size: int = 50,
    tolerance: float = 0.0,
) -> list[list[int]]:
    """Groups of record indices ``0..n-1``, every index exactly once.

    Two groups join when no pair across them is a hard conflict and the share of soft
    conflicts is at most *tolerance* (0: none). A little tolerance lets one garbled record join
    its person while a family (every pair across in conflict) stays apart.

    >>> edges = [(0.99, 0, 1), (0.98, 1, 2), (0.97, 3, 4)]
    >>> constrained_clusters(5, edges, lambda i, j: 2 if {i, j} == {0, 2} else 0)
    [[0, 1], [2], [3, 4]]
    """
    parent = list(range(n))
    members: dict[int, list[int]] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Strongest first; equal strengths by index, so the result depends on the order of the
    # records (which the caller makes canonical), never on the order edges were found in.
    for _, i, j in sorted(edges, key=lambda e: (-e[0], min(e[1], e[2]), max(e[1], e[2]))):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        a = members.get(ri, [ri])
        b = members.get(rj, [rj])
        if len(a) + len(b) > max_size:
            continue
        soft = 0
        for x in a:
            for y in b:
                verdict = compatible(x, y)
                if verdict == 2:
                    soft = -1
                    break
                soft += verdict
            if soft < 0:
                break
        if 0 <= soft <= tolerance * len(a) * len(b):
            if len(a) < len(b):
                ri, rj, a, b = rj, ri, b, a
            parent[rj] = ri
            members[ri] = a + b
            members.pop(rj, None)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
