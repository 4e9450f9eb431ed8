"""Pipelines: named, ordered stages a deal moves through on its way to won or lost."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from crmkit._text_limits import SHORT_TEXT, check_text
from crmkit._types import check_duration, ensure_aware, new_id, utcnow
from crmkit.errors import DuplicateNameError, ValidationError

__all__ = ["CLOSED_STAGES", "Pipeline", "Stage", "pipeline_name_key"]

# Won and lost are outcomes, not stages a pipeline may name.
CLOSED_STAGES = frozenset({"won", "lost"})


def pipeline_name_key(name: str) -> str:
    """What two pipeline names of one workspace must not share: the name with its runs of
    white space made one space, in canonical composition (NFC), case-folded. Every backend
    keeps names unique by it.

    >>> pipeline_name_key("  Sales  Team ") == pipeline_name_key("sales team")
    True
    >>> pipeline_name_key("Caf\u00e9") == pipeline_name_key("CAFE\u0301")
    True
    """
    return unicodedata.normalize("NFC", " ".join(name.split()).casefold())


@attrs.frozen
class Stage:
    """One step of a pipeline: how likely a deal here is to be won, and when it goes stale."""

    name: str
    probability: float | None = None
    rotting_after: timedelta | None = None

    @classmethod
    def parse(cls, value: Any) -> Stage:
        if isinstance(value, Stage):
            stage = value
        elif isinstance(value, str):
            stage = cls(value)
        elif isinstance(value, Mapping):
            stage = cls(value.get("name", ""), value.get("probability"), value.get("rotting_after"))
        else:
            raise ValidationError("stages", value, "a name, a Stage or a mapping")
        if isinstance(stage.name, str):
            check_text("stage", stage.name, limit=SHORT_TEXT)
        name = " ".join(stage.name.split()) if isinstance(stage.name, str) else ""
        if not name or name.casefold() in CLOSED_STAGES:
            raise ValidationError("stage", stage.name, "a non-empty name other than won/lost")
        p = stage.probability
        if p is not None and (
            isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1
        ):
            raise ValidationError("probability", p, "a number between 0 and 1")
        r = stage.rotting_after
        if r is not None:
            check_duration(r, "rotting_after", allow_zero=False)
        return cls(name, None if p is None else float(p), r)


@attrs.frozen
class Pipeline:
    """Ordered stages; several pipelines may live in one workspace, each under its own name
    (no two share a :func:`pipeline_name_key`).

    >>> p = Pipeline.new("Sales", ["New", "Qualified", {"name": "Proposal", "probability": 0.5}])
    >>> p.stage_names, p.index("Proposal"), p.stage("Proposal").probability
    (('New', 'Qualified', 'Proposal'), 2, 0.5)
    """

    id: str
    name: str
    stages: tuple[Stage, ...]
    created_at: datetime = attrs.field(factory=utcnow)
    version: int = 1

    @classmethod
    def new(
        cls,
        name: str,
        stages: Iterable[Any],
        *,
        id: str | None = None,
        now: datetime | None = None,
    ) -> Pipeline:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name", name, "a pipeline needs a name")
        check_text("name", name, limit=SHORT_TEXT)
        if isinstance(stages, str):
            raise ValidationError("stages", stages, "a list of stages, not one string")
        parsed = tuple(Stage.parse(s) for s in stages)
        if not parsed:
            raise ValidationError("stages", [], "a pipeline needs at least one stage")
        names = [s.name.casefold() for s in parsed]
        if len(set(names)) != len(names):
            raise ValidationError("stages", [s.name for s in parsed], "stage names repeat")
        at = ensure_aware(now, "now") if now is not None else utcnow()
        return cls(id or new_id(), " ".join(name.split()), parsed, at)

    @property
    def name_key(self) -> str:
        """:func:`pipeline_name_key` of the name: unique in the workspace."""
        return pipeline_name_key(self.name)

    def check_name_free(self, holder: Pipeline | None) -> None:
        """Refuse the name if *holder*, the pipeline a backend holds under it, is another:
        :class:`crmkit.errors.DuplicateNameError` names the name and the holder."""
        if holder is not None and holder.id != self.id:
            raise DuplicateNameError("pipeline", "name", self.name, holder.id)

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def index(self, stage: str) -> int:
        """Position of *stage*; ``ValidationError`` naming it when the pipeline lacks it."""
        for i, s in enumerate(self.stages):
            if s.name == stage:
                return i
        raise ValidationError("stage", stage, f"not a stage of pipeline {self.name!r}")

    def stage(self, name: str) -> Stage:
        return self.stages[self.index(name)]
