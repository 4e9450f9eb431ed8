"""``Matcher``: deduplicate or link plain records (mappings), e.g. a CSV import or a notebook."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from crmkit._progress import ProgressCallback, ProgressOption, progress_callback, quiet
from crmkit._types import paused_gc
from crmkit.errors import ValidationError
from crmkit.identity.blocking import candidate_pairs
from crmkit.identity.cluster import constrained_clusters
from crmkit.identity.features import batch_comparer, compare_records
from crmkit.identity.model import MatchModel
from crmkit.identity.pair_vectors import PairVectors
from crmkit.identity.prepare import PreparedRecord, prepare
from crmkit.identity.scoring import CONFLICT_FIELDS, DEFAULT_CONFLICTS, PairJudge
from crmkit.identity.training import estimate_u
from crmkit.text import DEFAULT_NICKNAMES, Nicknames

__all__ = ["DEDUPE_THRESHOLD", "Cluster", "Matcher", "Progress", "ScoredPair"]

# The posterior above which batch matching links two records. Chosen on the dev set and one
# seed of the independent generator at 100k records, then checked on a second seed of each
# generator (benchmarks/README.md, issue #12): the lowest value that kept pairwise precision
# above 0.97 and no cluster above 12 records on all four; 0.88 gave a 15-record cluster at 100k.
DEDUPE_THRESHOLD = 0.89

# progress(stage, done, total): called now and then during long calls; total 0 = unknown
# (crmkit's convention, see crmkit._progress; the public methods also take True for a bar).
Progress = ProgressCallback


@attrs.frozen
class ScoredPair:
    """Two records, the probability they are one person, and why."""

    left_id: Hashable
    right_id: Hashable
    score: float
    reasons: tuple[str, ...] = ()


@attrs.frozen
class Cluster:
    """Records judged to be one person; ``score`` is the weakest link that joined them."""

    ids: tuple[Hashable, ...]
    score: float = 1.0
    reasons: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)


def _id_key(value: Hashable) -> tuple[str, str]:
    return (type(value).__name__, str(value))


def _canonical_order(records: Sequence[PreparedRecord]) -> list[int]:
    """Positions of *records* sorted by what they say (their folded fields), then by id.

    Everything order-sensitive in matching (which of two equally strong links is taken first,
    the random pairs that estimate u, the sums EM adds up) runs on this order, so the people
    found do not depend on the order the records arrived in.
    """

    def key(n: int) -> tuple[object, ...]:
        r = records[n]
        return (
            r.phone,
            r.email,
            r.handles,
            r.first,
            r.last,
            r.slugs,
            r.birthday,
            r.city,
            r.postcode,
            r.address,
            r.company,
            r.external_id,
            r.region,
            r.source,
            _id_key(r.id),
        )

    return sorted(range(len(records)), key=key)


def _arrival_order(groups: Iterable[list[int]], order: Sequence[int]) -> Iterable[list[int]]:
    """*groups* of canonical positions (``order[i]`` is where record *i* arrived), their
    members in arrival order and the groups in the order of their first member.

    >>> list(_arrival_order([[0, 2], [1]], [2, 0, 1]))
    [[1], [2, 0]]
    """
    group_of = [0] * len(order)
    for g, group in enumerate(groups):
        for i in group:
            group_of[i] = g
    position = [0] * len(order)
    for i, arrived in enumerate(order):
        position[arrived] = i
    out: dict[int, list[int]] = {}  # in the order groups are first met
    for i in position:
        out.setdefault(group_of[i], []).append(i)
    return out.values()


def _check_conflicts(value: frozenset[str]) -> None:
    unknown = set(value) - set(CONFLICT_FIELDS)
    if unknown:
        raise ValidationError(
            "conflicts", sorted(unknown), f"expected some of {sorted(CONFLICT_FIELDS)}"
        )


@attrs.frozen(kw_only=True)
class Matcher:
    """Finds the records of one person among plain records.

    ``threshold``: posterior probability above which two records are linked.
    ``model``: fixed weights (otherwise learnt by EM on the data itself).
    ``source_field``: a field naming the system a record came from, when each system is
    already free of duplicates (two records of one source are never merged).
    ``conflicts``: disagreements that keep two records apart (see the docs page).

    >>> rows = [
    ...     {"id": 1, "first_name": "Христо", "last_name": "Стоянов", "phone": "0887 123 456",
    ...      "region": "BG"},
    ...     {"id": 2, "full_name": "Hristo Stoyanov", "phone": "+359 887 123 456"},
    ...     {"id": 3, "first_name": "Maria", "phone": "+359887123456"},
    ... ]
    >>> [c.ids for c in Matcher().dedupe(rows)]
    [(1, 2), (3,)]
    """

    threshold: float = DEDUPE_THRESHOLD
    model: MatchModel | None = None
    nicknames: Nicknames = DEFAULT_NICKNAMES
    default_region: str | None = None
    source_field: str | None = None
    conflicts: frozenset[str] = DEFAULT_CONFLICTS
    max_block: int = 100
    max_fuzzy_block: int = 12
    max_name_only_block: int = 6
    max_cluster: int = 50
    min_cross_bits: float = 0.0
    tolerance: float = 0.4

    def __attrs_post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValidationError("threshold", self.threshold, "must be between 0 and 1")
        _check_conflicts(self.conflicts)

    def prepare_all(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        id_field: str,
        progress: Progress = quiet,
    ) -> list[PreparedRecord]:
        """Fold every record; raise ``ValidationError`` on a missing or repeated id."""
        out: list[PreparedRecord] = []
        seen: set[Hashable] = set()
        for n, record in enumerate(records):
            if record.get(id_field) is None:
                raise ValidationError(id_field, None, f"record #{n} has no {id_field}")
            prepared = prepare(
                record,
                id_field=id_field,
                nicknames=self.nicknames,
                default_region=self.default_region,
                source_field=self.source_field,
            )
            if prepared.id in seen:
                raise ValidationError(id_field, prepared.id, "appears twice")
            seen.add(prepared.id)
            out.append(prepared)
            if n % 50_000 == 0:
                progress("prepare", n, 0)
        return out

    def fit(
        self,
        left: Sequence[PreparedRecord],
        right: Sequence[PreparedRecord] | None = None,
        *,
        vectors: Mapping[tuple[int, ...], int] | None = None,
    ) -> MatchModel:
        """The model for these prepared records: ``self.model`` when set, otherwise m by EM
        over the candidate pairs' comparison vectors (``{vector: count}``) and u from the
        records; the hand-set default when there is too little data to learn from."""
        if self.model is not None:
            return self.model
        if vectors is None:
            other = right if right is not None else left
            pairs = candidate_pairs(
                left, right, max_block=self.max_block, max_fuzzy_block=self.max_fuzzy_block
            )
            vectors = Counter(compare_records(left[i], other[j]) for i, j in pairs)
        n = len(left)
        total = n * len(right) if right is not None else n * (n - 1) // 2
        if sum(vectors.values()) < 50 or total < 1000:
            return MatchModel.default()
        return MatchModel.fit(vectors, u=estimate_u(left, right), total_pairs=total)

    def _judge(
        self,
        left: Sequence[PreparedRecord],
        right: Sequence[PreparedRecord] | None,
        progress: Progress,
    ) -> PairJudge:
        other = right if right is not None else left
        vectors = PairVectors(width=max(len(left), len(other)) + 1)
        pairs = candidate_pairs(
            left, right, max_block=self.max_block, max_fuzzy_block=self.max_fuzzy_block
        )
        compare = batch_comparer()
        empty_left = [r.is_empty for r in left]
        empty_other = empty_left if right is None else [r.is_empty for r in other]
        for n, (i, j) in enumerate(pairs):
            if empty_left[i] or empty_other[j]:
                continue
            vectors.add(i, j, compare(left[i], other[j]))
            if n % 100_000 == 0:
                progress("compare", n, 0)
        progress("fit", 0, 0)
        model = self.fit(left, right, vectors=vectors.vector_counts())
        return PairJudge(
            model,
            left,
            right,
            vectors,
            conflicts=self.conflicts,
            min_cross_bits=self.min_cross_bits,
            max_name_only_block=self.max_name_only_block,
        )

    # Matching builds millions of small acyclic objects (records, vectors, pair keys), and the
    # cyclic collector would scan the growing heap again and again for nothing: about a fifth
    # of the time of a large batch.
    @paused_gc()
    def dedupe(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        id_field: str = "id",
        progress: ProgressOption = None,
    ) -> list[Cluster]:
        """Group *records* into people: every record appears in exactly one cluster, in the
        order of each cluster's first record."""
        progress = progress_callback(progress)
        arrived = self.prepare_all(records, id_field=id_field, progress=progress)
        order = _canonical_order(arrived)
        prepared = [arrived[n] for n in order]
        judge = self._judge(prepared, None, progress)
        edges = []
        for i, j in judge.vectors:
            p = judge.edge(i, j)
            if p >= self.threshold:
                edges.append((p, i, j))
        progress("cluster", 0, len(edges))
        groups = constrained_clusters(
            len(prepared), edges, judge.verdict, max_size=self.max_cluster, tolerance=self.tolerance
        )
        best = {(i, j): p for p, i, j in edges}
        # A million groups: let go of the clustering's own lists (and the edges, now in
        # best) before the clusters are built, so the two sets of lists never coexist.
        del edges
        arrived_groups = _arrival_order(groups, order)
        del groups
        out = []
        for group in arrived_groups:
            if len(group) == 1:  # most records are nobody else's
                out.append(Cluster(ids=(prepared[group[0]].id,)))
                continue
            inner = sorted(group)  # edges are keyed (i, j) with i < j
            links = [
                (best[(a, b)], a, b)
                for x, a in enumerate(inner)
                for b in inner[x + 1 :]
                if (a, b) in best
            ]
            weakest = min(links) if links else None
            out.append(
                Cluster(
                    ids=tuple(prepared[i].id for i in group),
                    score=weakest[0] if weakest else 1.0,
                    reasons=judge.explain(weakest[1], weakest[2]) if weakest else (),
                )
            )
        progress("done", len(out), len(out))
        return out

    def link(
        self,
        left: Iterable[Mapping[str, Any]],
        right: Iterable[Mapping[str, Any]],
        *,
        id_field: str = "id",
        progress: ProgressOption = None,
    ) -> list[tuple[Hashable, Hashable, float]]:
        """Pairs ``(left_id, right_id, score)`` judged to be one person, best first; each
        record is linked at most once (the best-scoring pair wins)."""
        return [
            (p.left_id, p.right_id, p.score)
            for p in self.link_explained(left, right, id_field=id_field, progress=progress)
        ]

    @paused_gc()  # see dedupe
    def link_explained(
        self,
        left: Iterable[Mapping[str, Any]],
        right: Iterable[Mapping[str, Any]],
        *,
        id_field: str = "id",
        progress: ProgressOption = None,
    ) -> list[ScoredPair]:
        """Like :meth:`link`, with the reasons for each pair."""
        progress = progress_callback(progress)
        a = self.prepare_all(left, id_field=id_field, progress=progress)
        b = self.prepare_all(right, id_field=id_field, progress=progress)
        a = [a[n] for n in _canonical_order(a)]
        b = [b[n] for n in _canonical_order(b)]
        judge = self._judge(a, b, progress)
        # Best first; equal scores in the canonical order of the records, not their arrival.
        scored = sorted(((-judge.edge(i, j), i, j) for i, j in judge.vectors))
        used_a: set[int] = set()
        used_b: set[int] = set()
        out = []
        for minus_p, i, j in scored:
            p = -minus_p
            if p < self.threshold:
                break
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            out.append(ScoredPair(a[i].id, b[j].id, p, judge.explain(i, j)))
        progress("done", len(out), len(out))
        return out
