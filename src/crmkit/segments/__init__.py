"""Segmentation: composable, serialisable filters over profile, tags, static-list membership,
behaviour and RFM.

Build segments with :func:`field`, :func:`tag`, :func:`in_list`, :func:`interactions`,
:func:`purchases`, :func:`bought`, :func:`open_deal`, :func:`rfm_group` and ``& | ~``;
evaluate them on a :class:`SegmentData`; split a population with :func:`breakdown`. The node
classes (``Condition``, ``And`` ...) are public so compilers can walk a segment with ``match``;
:mod:`crmkit.segments.compiler` registers one handler per node type for each way of running
a segment (``MEMORY_COMPILER`` is the in-memory one).
"""

from crmkit.segments._data import SegmentData
from crmkit.segments._dsl import (
    FieldRef,
    birthday_within,
    bought,
    everyone,
    field,
    has_case,
    in_list,
    interactions,
    open_deal,
    purchases,
    rfm_group,
    rfm_score,
    tag,
)
from crmkit.segments._evaluate import MEMORY_COMPILER, MemoryScope, evaluate
from crmkit.segments._fields import CONTACT_FIELDS, ORGANIZATION_FIELDS, FieldKind, Op, field_kind
from crmkit.segments._nodes import (
    MAX_DEPTH,
    And,
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
    Metric,
    Not,
    Or,
    PurchaseMetric,
    RFMGroupIn,
    RFMScore,
    Segment,
)
from crmkit.segments._predicates import anniversary_days
from crmkit.segments._serial import FORMAT_VERSION
from crmkit.segments.breakdown import Breakdown, BreakdownRow, breakdown
from crmkit.segments.rfm import (
    RFM_GROUPS,
    RFMScores,
    RFMTable,
    group_counts,
    rfm_group_of,
    rfm_scores,
)

__all__ = [
    "CONTACT_FIELDS",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "MEMORY_COMPILER",
    "ORGANIZATION_FIELDS",
    "RFM_GROUPS",
    "And",
    "Anniversary",
    "Bought",
    "Breakdown",
    "BreakdownRow",
    "Condition",
    "DateWindow",
    "Everyone",
    "FieldKind",
    "FieldRef",
    "HasCase",
    "HasOpenDeal",
    "HasTag",
    "InList",
    "InteractionMetric",
    "MemoryScope",
    "Metric",
    "Not",
    "Op",
    "Or",
    "PurchaseMetric",
    "RFMGroupIn",
    "RFMScore",
    "RFMScores",
    "RFMTable",
    "Segment",
    "SegmentData",
    "anniversary_days",
    "birthday_within",
    "bought",
    "breakdown",
    "evaluate",
    "everyone",
    "field",
    "field_kind",
    "group_counts",
    "has_case",
    "in_list",
    "interactions",
    "open_deal",
    "purchases",
    "rfm_group",
    "rfm_group_of",
    "rfm_score",
    "rfm_scores",
    "tag",
]
