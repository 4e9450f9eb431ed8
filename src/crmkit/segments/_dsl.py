"""Builders: the readable way to write segments (``field("city") == "Sofia"``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crmkit.errors import InvalidSegmentError
from crmkit.segments import _check
from crmkit.segments._check import RFM_COMPONENTS, window_days
from crmkit.segments._fields import Metric, Op, field_kind
from crmkit.segments._nodes import (
    Anniversary,
    Bought,
    Condition,
    DateWindow,
    Everyone,
    HasCase,
    HasOpenDeal,
    HasTag,
    InList,
    InteractionMetric,
    PurchaseMetric,
    RFMGroupIn,
    RFMScore,
    Segment,
)

__all__ = [
    "FieldRef",
    "MetricRef",
    "RFMGroupRef",
    "RFMScoreRef",
    "birthday_within",
    "bought",
    "everyone",
    "field",
    "has_case",
    "in_list",
    "interactions",
    "open_deal",
    "purchases",
    "rfm_group",
    "rfm_score",
    "tag",
]


def condition(name: str, op: Any, value: Any) -> Condition:
    return Condition(*_check.condition(name, op, value))


def date_window(name: str, from_days: Any, to_days: Any) -> DateWindow:
    return DateWindow(*_check.date_window(name, from_days, to_days))


def anniversary(name: str, days: Any) -> Anniversary:
    return Anniversary(*_check.anniversary(name, days))


def interaction_metric(
    metric: Any,
    op: Any,
    value: Any,
    channel: Any,
    direction: Any,
    within_days: Any,
    outcome: Any = None,
) -> InteractionMetric:
    return InteractionMetric(
        *_check.interaction_metric(metric, op, value, channel, direction, within_days, outcome)
    )


def purchase_metric(metric: Any, op: Any, value: Any, within_days: Any) -> PurchaseMetric:
    return PurchaseMetric(*_check.purchase_metric(metric, op, value, within_days))


def rfm_groups(groups: Any) -> RFMGroupIn:
    return RFMGroupIn(*_check.rfm_groups(groups))


def rfm_score_node(component: Any, op: Any, value: Any) -> RFMScore:
    return RFMScore(*_check.rfm_score_node(component, op, value))


class FieldRef:
    """A field to compare: ``field("city") == "Sofia"`` builds a segment.

    >>> field("custom.vat_registered") == True
    Condition(field='custom.vat_registered', op=<Op.EQ: 'eq'>, value=True)
    >>> field("shoe_size") == 42
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidSegmentError: invalid field 'shoe_size': not a field segments can \
filter on
    """

    __slots__ = ("name",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str) -> None:
        field_kind(name)
        self.name = name

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        return condition(self.name, Op.EQ, value)

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        return condition(self.name, Op.NE, value)

    def __lt__(self, value: Any) -> Condition:
        return condition(self.name, Op.LT, value)

    def __le__(self, value: Any) -> Condition:
        return condition(self.name, Op.LE, value)

    def __gt__(self, value: Any) -> Condition:
        return condition(self.name, Op.GT, value)

    def __ge__(self, value: Any) -> Condition:
        return condition(self.name, Op.GE, value)

    def is_in(self, values: Iterable[Any]) -> Condition:
        return condition(self.name, Op.IN, values)

    def between(self, low: Any, high: Any) -> Condition:
        """Both ends inclusive."""
        return condition(self.name, Op.BETWEEN, (low, high))

    def is_null(self, value: bool = True) -> Condition:
        """Missing (``is_null()``) or present (``is_null(False)``)."""
        return condition(self.name, Op.IS_NULL, value)

    def contains(self, text: str) -> Condition:
        return condition(self.name, Op.CONTAINS, text)

    def startswith(self, text: str) -> Condition:
        return condition(self.name, Op.STARTSWITH, text)

    def within_last(self, days: int) -> DateWindow:
        """Between ``days`` days before ``now`` and ``now``."""
        return date_window(self.name, -days if isinstance(days, int) else days, 0)

    def within_next(self, days: int) -> DateWindow:
        return date_window(self.name, 0, days)

    def older_than(self, days: int) -> DateWindow:
        """At least ``days`` days before ``now``."""
        return date_window(self.name, None, -days if isinstance(days, int) else days)

    def anniversary_within(self, days: int) -> Anniversary:
        return anniversary(self.name, days)


def field(name: str) -> FieldRef:
    """A contact field (``"city"``), organization field (``"organization.industry"``) or
    custom field (``"custom.vat_registered"``)."""
    return FieldRef(name)


def tag(name: str) -> HasTag:
    """Contacts carrying tag *name* (tags are case-folded, like ``Contact.tags``)."""
    return HasTag(*_check.tag(name))


def in_list(name: str) -> InList:
    """Current members of the static list *name* (``crm.lists``): contacts whose latest
    change on it is an addition. The name is matched exactly, as ``crm.lists`` matches it
    (case-sensitive; surrounding spaces dropped, as ``crm.lists.create`` drops them).

    >>> in_list(" June launch ")
    InList(list_name='June launch')
    >>> in_list("")
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidSegmentError: invalid list_name '': a non-empty list name
    """
    return InList(*_check.in_list(name))


def birthday_within(days: int) -> Anniversary:
    """Birthday today or in the next *days* days: ``field("birthday").anniversary_within``."""
    return anniversary("birthday", days)


def everyone() -> Everyone:
    return Everyone()


def has_case(
    *, open: bool | None = None, reason: str | None = None, rated_below: int | None = None
) -> HasCase:
    """Contacts with a service case that is open (``open=False``: resolved or closed), of
    that contact *reason*, rated below *rated_below* (CSAT); each condition optional, all
    on the same case.

    >>> has_case(open=True, reason="Complaint")
    HasCase(open=True, reason='complaint', rated_below=None)
    """
    return HasCase(*_check.has_case(open, reason, rated_below))


def open_deal(*, pipeline_id: str | None = None, stage: str | None = None) -> HasOpenDeal:
    """Contacts with an open deal (in that pipeline and/or stage)."""
    return HasOpenDeal(*_check.open_deal(pipeline_id, stage))


class MetricRef:
    """A behaviour measure to compare: ``interactions(channel="phone").count >= 3``."""

    __slots__ = ("_build",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, build: Any) -> None:
        self._build = build

    def __eq__(self, value: object) -> Segment:  # type: ignore[override]
        return self._build(Op.EQ, value)  # type: ignore[no-any-return]

    def __ne__(self, value: object) -> Segment:  # type: ignore[override]
        return self._build(Op.NE, value)  # type: ignore[no-any-return]

    def __lt__(self, value: Any) -> Segment:
        return self._build(Op.LT, value)  # type: ignore[no-any-return]

    def __le__(self, value: Any) -> Segment:
        return self._build(Op.LE, value)  # type: ignore[no-any-return]

    def __gt__(self, value: Any) -> Segment:
        return self._build(Op.GT, value)  # type: ignore[no-any-return]

    def __ge__(self, value: Any) -> Segment:
        return self._build(Op.GE, value)  # type: ignore[no-any-return]

    def between(self, low: Any, high: Any) -> Segment:
        return self._build(Op.BETWEEN, (low, high))  # type: ignore[no-any-return]


class _Events:
    def __init__(self, make: Any) -> None:
        self._make = make

    @property
    def count(self) -> MetricRef:
        return MetricRef(lambda op, v: self._make(Metric.COUNT, op, v))

    @property
    def last_at(self) -> MetricRef:
        return MetricRef(lambda op, v: self._make(Metric.LAST_AT, op, v))

    @property
    def total(self) -> MetricRef:
        return MetricRef(lambda op, v: self._make(Metric.TOTAL, op, v))

    def exist(self) -> Segment:
        """At least one event in the window."""
        return self._make(Metric.COUNT, Op.GE, 1)  # type: ignore[no-any-return]


def interactions(
    *,
    channel: str | None = None,
    direction: str | None = None,
    within_days: int | None = None,
    outcome: str | None = None,
) -> _Events:
    """Interactions in the last *within_days* days: ``.count``, ``.last_at``, ``.exist()``;
    *outcome* keeps those whose outcome is that text exactly (``"complaint"``).

    >>> (interactions(channel="phone", within_days=90).count >= 3).metric
    <Metric.COUNT: 'count'>
    >>> interactions(outcome=" complaint ").exist().outcome
    'complaint'
    """
    args = (channel, direction, within_days, outcome)
    interaction_metric(Metric.COUNT, Op.GE, 0, *args)  # validate now
    return _Events(lambda m, op, v: interaction_metric(m, op, v, *args))


def purchases(*, within_days: int | None = None) -> _Events:
    """Purchases in the last *within_days* days: ``.count``, ``.total``, ``.last_at``."""
    window_days(within_days)
    return _Events(lambda m, op, v: purchase_metric(m, op, v, within_days))


def bought(
    *, sku: str | None = None, category: str | None = None, within_days: int | None = None
) -> Bought:
    """Contacts who bought the product *sku*, or a product of *category* (as the catalogue
    files it when the segment is evaluated), in the last *within_days* days (None: ever);
    SKUs and categories compare without case and outer spaces.

    >>> bought(category=" Packages", within_days=365)
    Bought(sku=None, category='packages', within_days=365)
    """
    return Bought(*_check.bought(sku, category, within_days))


class RFMGroupRef:
    """``rfm_group() == "champions"`` or ``rfm_group().is_in([...])``."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, value: object) -> RFMGroupIn:  # type: ignore[override]
        return rfm_groups([value])

    def is_in(self, values: Iterable[str]) -> RFMGroupIn:
        return rfm_groups(values)


def rfm_group() -> RFMGroupRef:
    return RFMGroupRef()


class RFMScoreRef(MetricRef):
    """``rfm_score("recency") >= 4``."""

    __slots__ = ()

    def is_in(self, values: Iterable[int]) -> Segment:
        return self._build(Op.IN, values)  # type: ignore[no-any-return]


def rfm_score(component: str) -> RFMScoreRef:
    if component not in RFM_COMPONENTS:
        raise InvalidSegmentError("component", component, "recency, frequency or monetary")
    return RFMScoreRef(lambda op, v: rfm_score_node(component, op, v))
