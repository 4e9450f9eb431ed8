"""The versioned JSON form of a segment, for filters built in a UI and stored by apps.

``{"version": 1, "segment": node}``; a node is an object with a ``"type"``. Values that JSON
cannot carry are tagged: ``{"date": "2026-05-01"}``, ``{"datetime": "...+00:00"}``,
``{"money": {"amount": "10.00", "currency": "EUR"}}``. Every node read back is validated
exactly as the builders validate it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from crmkit._types import Money
from crmkit.errors import InvalidMoneyError, InvalidSegmentError
from crmkit.segments import _check

__all__ = ["FORMAT_VERSION", "MAX_DEPTH", "dump", "load"]

FORMAT_VERSION = 1
#: How deeply ``and``, ``or`` and ``not`` may nest (a UI's filters need a handful of levels);
#: deeper segments are refused, so no walk over one can exhaust Python's stack.
MAX_DEPTH = 100

#: Node class -> its ``"type"`` name. The node module passes its table in, so this module
#: needs no node class (and the node module can import it).
Kinds = Mapping[type, str]


def _enc(value: Any, kinds: Kinds) -> Any:
    if type(value) in kinds:
        return _node(value, kinds)
    if isinstance(value, tuple):
        return [_enc(v, kinds) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Money):
        return {"money": value.to_dict()}
    return value


def _dec(value: Any, depth: int = 1) -> Any:
    if isinstance(value, list):
        if depth > MAX_DEPTH:
            raise InvalidSegmentError("depth", depth, f"values nest at most {MAX_DEPTH} levels")
        return tuple(_dec(v, depth + 1) for v in value)
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


def _node(seg: Any, kinds: Kinds) -> dict[str, Any]:
    kind = kinds.get(type(seg))
    if kind is None:
        raise InvalidSegmentError("segment", seg, "not a segment node")
    out: dict[str, Any] = {"type": kind}
    for f in attrs.fields(type(seg)):
        value = getattr(seg, f.name)
        if f.init and not (value is None and f.metadata.get("optional")):
            out[f.name] = _enc(value, kinds)
    return out


def dump(seg: Any, kinds: Kinds) -> dict[str, Any]:
    """The JSON-safe form of *seg*."""
    return {"version": FORMAT_VERSION, "segment": _node(seg, kinds)}


Read = Callable[[Any], Any]  # reads one child node


def _children(d: Mapping[str, Any], read: Read) -> tuple[tuple[Any, ...]]:
    items = d["children"]
    if not isinstance(items, list) or len(items) < 2:
        raise InvalidSegmentError("children", items, "and/or join a list of two or more")
    return (tuple(read(c) for c in items),)


#: Keys a node may leave out (a field added later, written only when set).
_OPTIONAL: dict[str, frozenset[str]] = {"interactions": frozenset({"outcome"})}

#: type -> (its keys, the checked constructor arguments of a node of that type).
_READERS: dict[str, tuple[frozenset[str], Callable[[Mapping[str, Any], Read], tuple[Any, ...]]]] = {
    "everyone": (frozenset(), lambda d, read: ()),
    "condition": (
        frozenset({"field", "op", "value"}),
        lambda d, read: _check.condition(d["field"], d["op"], _dec(d["value"])),
    ),
    "date_window": (
        frozenset({"field", "from_days", "to_days"}),
        lambda d, read: _check.date_window(d["field"], d["from_days"], d["to_days"]),
    ),
    "anniversary": (
        frozenset({"field", "days"}),
        lambda d, read: _check.anniversary(d["field"], d["days"]),
    ),
    "tag": (frozenset({"tag"}), lambda d, read: _check.tag(d["tag"])),
    "in_list": (frozenset({"list_name"}), lambda d, read: _check.in_list(d["list_name"])),
    "interactions": (
        frozenset({"metric", "op", "value", "channel", "direction", "within_days", "outcome"}),
        lambda d, read: _check.interaction_metric(
            d["metric"],
            d["op"],
            _dec(d["value"]),
            d["channel"],
            d["direction"],
            d["within_days"],
            d.get("outcome"),
        ),
    ),
    "purchases": (
        frozenset({"metric", "op", "value", "within_days"}),
        lambda d, read: _check.purchase_metric(
            d["metric"], d["op"], _dec(d["value"]), d["within_days"]
        ),
    ),
    "bought": (
        frozenset({"sku", "category", "within_days"}),
        lambda d, read: _check.bought(d["sku"], d["category"], d["within_days"]),
    ),
    "open_deal": (
        frozenset({"pipeline_id", "stage"}),
        lambda d, read: _check.open_deal(d["pipeline_id"], d["stage"]),
    ),
    "case": (
        frozenset({"open", "reason", "rated_below"}),
        lambda d, read: _check.has_case(d["open"], d["reason"], d["rated_below"]),
    ),
    "rfm_group": (frozenset({"groups"}), lambda d, read: _check.rfm_groups(d["groups"])),
    "rfm_score": (
        frozenset({"component", "op", "value"}),
        lambda d, read: _check.rfm_score_node(d["component"], d["op"], _dec(d["value"])),
    ),
    "not": (frozenset({"child"}), lambda d, read: (read(d["child"]),)),
    "and": (frozenset({"children"}), _children),
    "or": (frozenset({"children"}), _children),
}


def _read(d: Any, nodes: Mapping[str, Callable[..., Any]], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidSegmentError("depth", depth, f"segments nest at most {MAX_DEPTH} levels")
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
    missing = keys - set(d) - _OPTIONAL.get(kind, frozenset())
    if missing:
        raise InvalidSegmentError(sorted(missing)[0], None, f"a {kind} node needs it")
    return nodes[kind](*reader(d, lambda child: _read(child, nodes, depth + 1)))


def load(data: Any, nodes: Mapping[str, Callable[..., Any]]) -> Any:
    """Read what :func:`dump` wrote; *nodes* maps each ``"type"`` to its node class."""
    if not isinstance(data, Mapping):
        raise InvalidSegmentError("segment", data, "expected a mapping")
    if data.get("version") != FORMAT_VERSION:
        raise InvalidSegmentError("version", data.get("version"), f"expected {FORMAT_VERSION}")
    if set(data) != {"version", "segment"}:
        raise InvalidSegmentError("segment", data, "expected keys 'version' and 'segment'")
    return _read(data["segment"], nodes, 1)
