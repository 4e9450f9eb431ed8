"""The versioned JSON form of a segment, for filters built in a UI and stored by apps.

``{"version": 1, "segment": node}``; a node is an object with a ``"type"``. Values that JSON
cannot carry are tagged: ``{"date": "2026-05-01"}``, ``{"datetime": "...+00:00"}``,
``{"money": {"amount": "10.00", "currency": "EUR"}}``. Every node read back is validated
exactly as the builders validate it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from crmkit._types import Money
from crmkit.errors import InvalidMoneyError, InvalidSegmentError
from crmkit.segments import _check, _dsl
from crmkit.segments._nodes import (
    And,
    Anniversary,
    Condition,
    DateWindow,
    Everyone,
    HasOpenDeal,
    HasTag,
    InList,
    InteractionMetric,
    Not,
    Or,
    PurchaseMetric,
    RFMGroupIn,
    RFMScore,
    Segment,
)

__all__ = ["FORMAT_VERSION", "dump", "load"]

FORMAT_VERSION = 1


def _enc(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_enc(v) for v in value]
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Money):
        return {"money": value.to_dict()}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_dec(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidSegmentError("value", value, "numbers must be finite")
    if not isinstance(value, Mapping):
        return value
    if len(value) != 1:
        raise InvalidSegmentError("value", value, "a tagged value has exactly one key")
    ((tag, inner),) = value.items()
    try:
        if tag == "date" and isinstance(inner, str):
            return date.fromisoformat(inner)
        if tag == "datetime" and isinstance(inner, str):
            return datetime.fromisoformat(inner)
        if tag == "money" and isinstance(inner, Mapping):
            return Money.from_dict(inner)
    except (ValueError, KeyError, InvalidMoneyError) as exc:
        raise InvalidSegmentError("value", value, "unreadable tagged value") from exc
    raise InvalidSegmentError("value", value, "unknown value tag")


def _node(seg: Segment) -> dict[str, Any]:
    match seg:
        case Everyone():
            return {"type": "everyone"}
        case Condition(field, op, value):
            return {"type": "condition", "field": field, "op": op.value, "value": _enc(value)}
        case DateWindow(field, lo, hi):
            return {"type": "date_window", "field": field, "from_days": lo, "to_days": hi}
        case Anniversary(field, days):
            return {"type": "anniversary", "field": field, "days": days}
        case HasTag(name):
            return {"type": "tag", "tag": name}
        case InList(list_name):
            return {"type": "in_list", "list_name": list_name}
        case InteractionMetric(metric, op, value, channel, direction, within):
            return {"type": "interactions", "metric": metric.value, "op": op.value,
                    "value": _enc(value), "channel": channel, "direction": direction,
                    "within_days": within}  # fmt: skip
        case PurchaseMetric(metric, op, value, within):
            return {"type": "purchases", "metric": metric.value, "op": op.value,
                    "value": _enc(value), "within_days": within}  # fmt: skip
        case HasOpenDeal(pipeline_id, stage):
            return {"type": "open_deal", "pipeline_id": pipeline_id, "stage": stage}
        case RFMGroupIn(groups):
            return {"type": "rfm_group", "groups": list(groups)}
        case RFMScore(component, op, value):
            return {"type": "rfm_score", "component": component, "op": op.value,
                    "value": _enc(value)}  # fmt: skip
        case Not(child):
            return {"type": "not", "child": _node(child)}
        case And(children):
            return {"type": "and", "children": [_node(c) for c in children]}
        case Or(children):
            return {"type": "or", "children": [_node(c) for c in children]}
    raise InvalidSegmentError("segment", seg, "not a segment node")


def dump(seg: Segment) -> dict[str, Any]:
    """The JSON-safe form of *seg*."""
    return {"version": FORMAT_VERSION, "segment": _node(seg)}


def _children(d: Mapping[str, Any]) -> tuple[Segment, ...]:
    items = d["children"]
    if not isinstance(items, list) or len(items) < 2:
        raise InvalidSegmentError("children", items, "and/or join a list of two or more")
    return tuple(_read(c) for c in items)


_READERS: dict[str, tuple[frozenset[str], Callable[[Mapping[str, Any]], Segment]]] = {
    "everyone": (frozenset(), lambda d: Everyone()),
    "condition": (
        frozenset({"field", "op", "value"}),
        lambda d: _check.condition(d["field"], d["op"], _dec(d["value"])),
    ),
    "date_window": (
        frozenset({"field", "from_days", "to_days"}),
        lambda d: _check.date_window(d["field"], d["from_days"], d["to_days"]),
    ),
    "anniversary": (
        frozenset({"field", "days"}),
        lambda d: _check.anniversary(d["field"], d["days"]),
    ),
    "tag": (frozenset({"tag"}), lambda d: _dsl.tag(d["tag"])),
    "in_list": (frozenset({"list_name"}), lambda d: _dsl.in_list(d["list_name"])),
    "interactions": (
        frozenset({"metric", "op", "value", "channel", "direction", "within_days"}),
        lambda d: _check.interaction_metric(
            d["metric"], d["op"], _dec(d["value"]), d["channel"], d["direction"], d["within_days"]
        ),
    ),
    "purchases": (
        frozenset({"metric", "op", "value", "within_days"}),
        lambda d: _check.purchase_metric(d["metric"], d["op"], _dec(d["value"]), d["within_days"]),
    ),
    "open_deal": (
        frozenset({"pipeline_id", "stage"}),
        lambda d: _dsl.open_deal(pipeline_id=d["pipeline_id"], stage=d["stage"]),
    ),
    "rfm_group": (frozenset({"groups"}), lambda d: _check.rfm_groups(d["groups"])),
    "rfm_score": (
        frozenset({"component", "op", "value"}),
        lambda d: _check.rfm_score_node(d["component"], d["op"], _dec(d["value"])),
    ),
    "not": (frozenset({"child"}), lambda d: Not(_read(d["child"]))),
    "and": (frozenset({"children"}), lambda d: And(_children(d))),
    "or": (frozenset({"children"}), lambda d: Or(_children(d))),
}


def _read(d: Any) -> Segment:
    if not isinstance(d, Mapping):
        raise InvalidSegmentError("segment", d, "a node is an object with a 'type'")
    kind = d.get("type")
    if not isinstance(kind, str) or kind not in _READERS:
        raise InvalidSegmentError("type", kind, "not a segment node type")
    keys, reader = _READERS[kind]
    extra = set(d) - keys - {"type"}
    if extra:
        name = sorted(extra)[0]
        raise InvalidSegmentError(name, d[name], f"not a key of a {kind} node")
    missing = keys - set(d)
    if missing:
        raise InvalidSegmentError(sorted(missing)[0], None, f"a {kind} node needs it")
    return reader(d)


def load(data: Any) -> Segment:
    """Read what :func:`dump` wrote."""
    if not isinstance(data, Mapping):
        raise InvalidSegmentError("segment", data, "expected a mapping")
    if data.get("version") != FORMAT_VERSION:
        raise InvalidSegmentError("version", data.get("version"), f"expected {FORMAT_VERSION}")
    if set(data) != {"version", "segment"}:
        raise InvalidSegmentError("segment", data, "expected keys 'version' and 'segment'")
    return _read(data["segment"])
