"""``crm.breakdown``: how the contacts (or a segment's members) split, several ways at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crmkit._api._base import Context
from crmkit._api.segments.api import rates_option
from crmkit._types import ensure_aware
from crmkit.errors import InvalidSegmentError
from crmkit.segments import Everyone, Segment
from crmkit.segments.breakdown import (
    Breakdown,
    Dimension,
    assemble,
    check_dimension,
    check_top,
)
from crmkit.storage import segment_value_counts
from crmkit.value.rates import RatesTable

__all__ = ["build_breakdowns"]


def _dimensions(by: tuple[str, ...], flags: Mapping[str, Segment]) -> dict[str, Dimension]:
    """Each breakdown's name and what it splits by, checked before anything is read."""
    if not isinstance(flags, Mapping):
        raise InvalidSegmentError("flags", flags, "a mapping of names to segments")
    named: dict[str, Dimension] = {}
    for name in by:
        check_dimension(name)
        if name in named:
            raise InvalidSegmentError("by", name, "asked for twice")
        named[name] = name
    for name, flag in flags.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidSegmentError("flags", name, "a flag needs a name")
        if not isinstance(flag, Segment):
            raise InvalidSegmentError(name, flag, "expected a crmkit.segments.Segment")
        if name in named:
            raise InvalidSegmentError("flags", name, "already the name of a breakdown")
        named[name] = flag
    if not named:
        raise InvalidSegmentError("by", by, "name at least one field or flag")
    return named


def build_breakdowns(
    ctx: Context,
    by: tuple[str, ...],
    *,
    flags: Mapping[str, Segment],
    segment: Segment | None,
    top: int | None,
    now: datetime | None,
    other_label: str,
    rates: RatesTable | None,
) -> dict[str, Breakdown]:
    """:meth:`crmkit.CRM.breakdown`, from one read-only unit of work."""
    named = _dimensions(by, flags)
    check_top(top)
    if segment is not None and not isinstance(segment, Segment):
        raise InvalidSegmentError("segment", segment, "expected a crmkit.segments.Segment")
    when = ctx.clock() if now is None else ensure_aware(now, "now")
    checked = rates_option(rates).get("rates")
    with ctx.read() as uow:
        chosen = Everyone() if segment is None else segment
        dimensions = list(named.values())
        counts = segment_value_counts(uow, chosen, dimensions, now=when, rates=checked)
    return {
        name: assemble(name, pairs, top=top, other_label=other_label)
        for name, pairs in zip(named, counts, strict=True)
    }
