"""Referrals: who brought whom, as a forest without cycles.

>>> from datetime import UTC, datetime
>>> t = datetime(2026, 1, 1, tzinfo=UTC)
>>> links = {"b": ("a", t), "c": ("a", t), "d": ("b", t)}
>>> would_cycle(lambda c: links[c][0] if c in links else None, referrer_id="d", referred_id="a")
True
>>> [(n.contact_id, [k.contact_id for k in n.children]) for n in build_tree("a", links)]
[('b', ['d']), ('c', [])]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

__all__ = ["Links", "Referral", "ReferralNode", "build_tree", "would_cycle"]


@attrs.frozen
class Referral:
    """``referrer_id`` brought ``contact_id`` (the referred contact) at ``at``. The record
    belongs to the referred contact: it moves with their merges and goes with their
    erasure (and with the referrer's, see :mod:`crmkit._api.marketing.loyalty_kinds`)."""

    id: str
    contact_id: str
    referrer_id: str
    at: datetime


@attrs.frozen
class ReferralNode:
    """A contact someone referred, with those they referred in turn."""

    contact_id: str
    at: datetime
    children: tuple[ReferralNode, ...] = ()


# referred contact id -> (referrer id, when)
Links = Mapping[str, tuple[str, datetime]]


def would_cycle(
    referrer_of: Callable[[str], str | None], *, referrer_id: str, referred_id: str
) -> bool:
    """Whether ``referrer_id`` brought in ``referred_id`` would close a loop: the referred
    contact is already the referrer's referrer, or theirs, and so on (or the same contact).
    ``referrer_of(contact_id)`` says who brought a contact (``None``: nobody)."""
    seen: set[str] = set()
    current: str | None = referrer_id
    while current is not None and current not in seen:
        if current == referred_id:
            return True
        seen.add(current)
        current = referrer_of(current)
    return False


def build_tree(root: str, links: Links) -> tuple[ReferralNode, ...]:
    """Those *root* referred, each with their own, oldest first. A contact already shown
    is not shown again (merges can join two branches, see docs/marketing.md)."""
    children: dict[str, list[tuple[datetime, str]]] = {}
    for referred, (referrer, at) in links.items():
        children.setdefault(referrer, []).append((at, referred))
    seen = {root}

    def grow(contact_id: str) -> tuple[ReferralNode, ...]:
        nodes = []
        for at, child in sorted(children.get(contact_id, [])):
            if child in seen:
                continue
            seen.add(child)
            nodes.append(ReferralNode(child, at, grow(child)))
        return tuple(nodes)

    return grow(root)
