"""``IdentityIndex``: an in-memory blocking index kept up to date one record at a time, so an
inbound touchpoint finds its likely contacts in about the time of a few dict lookups."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from crmkit.identity.blocking import IDENTITY_PREFIXES, block_keys
from crmkit.identity.features import compare_records, strangers_by_name
from crmkit.identity.model import MatchModel
from crmkit.identity.prepare import PreparedRecord, prepare
from crmkit.text import DEFAULT_NICKNAMES, Nicknames

__all__ = ["IdentityIndex"]


class IdentityIndex:
    """Blocking keys -> record ids, updated incrementally; scores candidates with a model.

    >>> index = IdentityIndex()
    >>> index.add("c1", {"full_name": "Besa Kola", "phone": "+355691234567"})
    >>> index.add("c2", {"full_name": "Arben Hoxha", "email": "arben@example.al"})
    >>> query = {"phone": "069 123 4567", "first_name": "Besa", "region": "AL"}
    >>> [(cid, round(score, 3)) for cid, score, _ in index.candidates(query)]
    [('c1', 0.986)]
    >>> index.remove("c1"); index.candidates({"phone": "+355691234567"})
    []
    """

    def __init__(
        self,
        *,
        model: MatchModel | None = None,
        nicknames: Nicknames = DEFAULT_NICKNAMES,
        default_region: str | None = None,
        max_block: int = 100,
        max_fuzzy_block: int = 12,
    ) -> None:
        self.model = model or MatchModel.default()
        self.nicknames = nicknames
        self.default_region = default_region
        self.max_block = max_block
        self.max_fuzzy_block = max_fuzzy_block
        self._records: dict[Hashable, PreparedRecord] = {}
        # Most keys name one record; a list only when shared keeps a million records small.
        self._keys: dict[str, list[Hashable]] = {}

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def _prepare(self, record_id: Hashable, record: Mapping[str, Any]) -> PreparedRecord:
        return prepare(
            {**record, "__id": record_id},
            id_field="__id",
            nicknames=self.nicknames,
            default_region=self.default_region,
        )

    def add(self, record_id: Hashable, record: Mapping[str, Any]) -> None:
        """Index *record* under *record_id* (replacing what was indexed under that id)."""
        if record_id in self._records:
            self.remove(record_id)
        prepared = self._prepare(record_id, record)
        self._records[record_id] = prepared
        for key in block_keys(prepared):
            ids = self._keys.get(key)
            if ids is None:
                self._keys[key] = [record_id]
            elif record_id not in ids:
                ids.append(record_id)

    update = add

    def remove(self, record_id: Hashable) -> None:
        """Forget *record_id*; unknown ids are ignored."""
        prepared = self._records.pop(record_id, None)
        if prepared is None:
            return
        for key in block_keys(prepared):
            ids = self._keys.get(key)
            if ids is not None and record_id in ids:
                ids.remove(record_id)
                if not ids:
                    del self._keys[key]

    def candidates(
        self, record: Mapping[str, Any], *, limit: int = 10, min_score: float = 0.01
    ) -> list[tuple[Hashable, float, tuple[str, ...]]]:
        """Indexed records that may be the person of *record*: ``(id, score, reasons)``, best
        first; pairs with two different first names are left out."""
        query = self._prepare(None, record)
        if query.is_empty:
            return []
        seen: set[Hashable] = set()
        for key in block_keys(query):
            ids = self._keys.get(key)
            limit = self.max_block if key[:2] in IDENTITY_PREFIXES else self.max_fuzzy_block
            if ids and len(ids) <= limit:
                seen.update(ids)
        out = []
        for record_id in seen:
            vector = compare_records(query, self._records[record_id])
            if strangers_by_name(vector):
                continue
            score = self.model.probability(vector)
            if score >= min_score:
                out.append((record_id, score, self.model.explain(vector)))
        out.sort(key=lambda c: (-c[1], str(c[0])))
        return out[:limit]
