"""The segment tree: a small, closed set of frozen node classes.

A compiler (the in-memory evaluator, a SQL compiler) walks a segment with ``match`` over these
classes; every node is hashable and compares equal by structure::

    Everyone()                                  every contact
    Condition(field, op, value)                 a whitelisted field compared with a value
    DateWindow(field, from_days, to_days)       a date/datetime field within days of ``now``
    Anniversary(field, days)                    a date's next anniversary within days of today
    HasTag(tag)                                 the contact carries the tag
    InList(list_name)                           the contact is a member of the static list now
    InteractionMetric(metric, op, value, channel, direction, within_days)
    PurchaseMetric(metric, op, value, within_days)
    HasOpenDeal(pipeline_id, stage)             an open deal (in that pipeline / stage)
    RFMGroupIn(groups)                          the contact's named RFM group is one of these
    RFMScore(component, op, value)              an R, F or M quintile score compared
    And(children) / Or(children) / Not(child)   boolean algebra (two-valued: see below)

Logic is two-valued: a leaf is false for a contact whose value is missing (``city != "Sofia"``
does not match a contact without a city), and ``~s`` is every contact not in ``s``.

``And``, ``Or`` and ``Not`` nest at most :data:`MAX_DEPTH` levels deep (a leaf is one level);
a deeper node is refused when it is made, so walking any segment stays far from Python's
recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from crmkit.errors import InvalidSegmentError
from crmkit.segments import _serial
from crmkit.segments._fields import Metric, Op, Scalar
from crmkit.segments._serial import MAX_DEPTH

__all__ = [
    "MAX_DEPTH",
    "And",
    "Anniversary",
    "Condition",
    "DateWindow",
    "Everyone",
    "HasOpenDeal",
    "HasTag",
    "InList",
    "InteractionMetric",
    "Metric",
    "Not",
    "Or",
    "PurchaseMetric",
    "RFMGroupIn",
    "RFMScore",
    "Segment",
]


def _typed(value: Any) -> Any:
    # Structural equality must not merge True with 1 or 1 with "1": they select differently.
    if isinstance(value, tuple):
        return tuple(_typed(v) for v in value)
    return (type(value).__name__ if isinstance(value, bool | str) else "", value)


class Segment:
    """Base of every node: combine with ``&``, ``|`` and ``~``; serialise with :meth:`to_dict`.

    >>> from crmkit.segments import field, tag
    >>> seg = (field("city") == "Sofia") & ~tag("complained")
    >>> seg == (field("city") == "Sofia") & ~tag("complained"), hash(seg) == hash(seg)
    (True, True)
    """

    __slots__ = ()

    def __and__(self, other: Segment) -> Segment:
        if not isinstance(other, Segment):
            return NotImplemented
        return And.of([self, other])

    def __or__(self, other: Segment) -> Segment:
        if not isinstance(other, Segment):
            return NotImplemented
        return Or.of([self, other])

    def __invert__(self) -> Segment:
        return self.child if isinstance(self, Not) else Not(self)

    def to_dict(self) -> dict[str, Any]:
        """A versioned, JSON-safe form that :meth:`from_dict` reads back to an equal segment."""
        return _serial.dump(self, _KIND_NAMES)

    @classmethod
    def from_dict(cls, data: Any) -> Segment:
        """Read what :meth:`to_dict` wrote; anything unknown raises ``InvalidSegmentError``."""
        segment: Segment = _serial.load(data, _KINDS)
        return segment


@attrs.frozen
class Everyone(Segment):
    """Every contact (the empty filter of a UI)."""


@attrs.frozen
class Condition(Segment):
    """``field op value``. ``value`` is a tuple for ``in`` (the set) and ``between`` (low,
    high, both inclusive), a bool for ``is_null`` (True: missing, False: present)."""

    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...] = attrs.field(eq=_typed)


@attrs.frozen
class DateWindow(Segment):
    """The field lies between ``now + from_days`` and ``now + to_days`` (inclusive; None is
    open-ended). Date fields use ``now``'s calendar date in ``now``'s own time zone."""

    field: str
    from_days: int | None
    to_days: int | None


@attrs.frozen
class Anniversary(Segment):
    """The next anniversary of a date field falls within ``days`` days from today (0: today).
    A 29 February date has its anniversary on 28 February in common years."""

    field: str
    days: int


@attrs.frozen
class HasTag(Segment):
    tag: str


@attrs.frozen
class InList(Segment):
    """A current member of the static list named ``list_name`` (see :mod:`crmkit.segments.lists`):
    the contact's latest change on that list is an addition. Names are compared exactly
    (case-sensitive), as ``crm.lists`` compares them."""

    list_name: str


@attrs.frozen
class InteractionMetric(Segment):
    """Interactions (of a channel / direction, None: any) in the last ``within_days`` days up
    to ``now`` (None: all history up to ``now``), measured by ``metric`` and compared."""

    metric: Metric
    op: Op
    value: Scalar | tuple[Scalar, ...]
    channel: str | None = None
    direction: str | None = None
    within_days: int | None = None


@attrs.frozen
class PurchaseMetric(Segment):
    """Purchases in the last ``within_days`` days up to ``now``, measured and compared."""

    metric: Metric
    op: Op
    value: Scalar | tuple[Scalar, ...]
    within_days: int | None = None


@attrs.frozen
class HasOpenDeal(Segment):
    """At least one open deal, optionally in one pipeline and/or stage."""

    pipeline_id: str | None = None
    stage: str | None = None


@attrs.frozen
class RFMGroupIn(Segment):
    """The contact's RFM group (see :mod:`crmkit.segments.rfm`) is one of ``groups``."""

    groups: tuple[str, ...]


@attrs.frozen
class RFMScore(Segment):
    """One RFM quintile score (``"recency"``, ``"frequency"`` or ``"monetary"``, 1-5)."""

    component: str
    op: Op
    value: int | tuple[int, ...]


def _nesting(node: object) -> int:
    return node._depth if isinstance(node, Not | And | Or) else 1


def _deeper(parent: object, children: Iterable[object]) -> int:
    depth = 1 + max((_nesting(c) for c in children), default=0)
    if depth > MAX_DEPTH:
        raise InvalidSegmentError(
            "depth", depth, f"a {type(parent).__name__} here would nest deeper than {MAX_DEPTH}"
        )
    return depth


@attrs.frozen
class Not(Segment):
    child: Segment
    _depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_depth", _deeper(self, (self.child,)))


@attrs.frozen
class And(Segment):
    children: tuple[Segment, ...]
    _depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_depth", _deeper(self, self.children))

    @classmethod
    def of(cls, parts: Iterable[Segment]) -> Segment:
        """Flatten nested ands; one part is returned as itself."""
        flat: list[Segment] = []
        for p in parts:
            flat.extend(p.children if isinstance(p, And) else (p,))
        return flat[0] if len(flat) == 1 else cls(tuple(flat))


@attrs.frozen
class Or(Segment):
    children: tuple[Segment, ...]
    _depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_depth", _deeper(self, self.children))

    @classmethod
    def of(cls, parts: Iterable[Segment]) -> Segment:
        """Flatten nested ors; one part is returned as itself."""
        flat: list[Segment] = []
        for p in parts:
            flat.extend(p.children if isinstance(p, Or) else (p,))
        return flat[0] if len(flat) == 1 else cls(tuple(flat))


#: Each node class by its ``"type"`` in the JSON form (see :mod:`crmkit.segments._serial`).
_KINDS: dict[str, type[Segment]] = {
    "everyone": Everyone,
    "condition": Condition,
    "date_window": DateWindow,
    "anniversary": Anniversary,
    "tag": HasTag,
    "in_list": InList,
    "interactions": InteractionMetric,
    "purchases": PurchaseMetric,
    "open_deal": HasOpenDeal,
    "rfm_group": RFMGroupIn,
    "rfm_score": RFMScore,
    "not": Not,
    "and": And,
    "or": Or,
}
_KIND_NAMES: dict[type, str] = {cls: kind for kind, cls in _KINDS.items()}
