"""Who gets a task nobody named an assignee for: small, deterministic routing policies.

A policy looks at a :class:`RoutingRequest` (eligible people, their current load, the contact)
and returns a :class:`Choice` or ``None`` to let the next policy decide; :func:`route` tries
policies in order. Policies hold no hidden state: round robin returns its next state inside
the choice, a tiny JSON-safe value the caller persists, so rotation stays fair across restarts.
Randomness is only used to break ties, from a seed, so results are reproducible.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import attrs

from crmkit.contacts import Contact
from crmkit.errors import ValidationError
from crmkit.segments import Segment, SegmentData

__all__ = [
    "Choice",
    "ContactOwnerFirst",
    "InSegment",
    "LeastLoaded",
    "Policy",
    "RoundRobin",
    "RoundRobinState",
    "RoutingRequest",
    "Territory",
    "Weighted",
    "route",
]


@attrs.frozen
class RoutingRequest:
    """What a policy may look at.

    ``candidates`` are the people eligible for the task (usually the active members of the
    team); ``active`` is everyone who may receive work at all (``None``: not known, anyone);
    ``load`` is the number of open tasks each person holds.
    """

    candidates: tuple[str, ...]
    team: str | None = None
    contact: Contact | None = None
    load: Mapping[str, int] = attrs.field(factory=dict)
    active: frozenset[str] | None = None

    def may_receive(self, user: str | None) -> bool:
        return user is not None and (self.active is None or user in self.active)


@attrs.frozen
class Choice:
    """The chosen assignee, which policy chose, and (round robin) the state to persist."""

    assignee: str
    policy: str
    state: RoundRobinState | None = None


class Policy(Protocol):
    """Anything with ``choose(request) -> Choice | None``."""

    def choose(self, request: RoutingRequest) -> Choice | None: ...


def route(request: RoutingRequest, policies: Iterable[Policy]) -> Choice:
    """The first choice any of *policies* makes, in order.

    >>> req = RoutingRequest(("ana", "ivan", "mira"), team="sales", load={"ana": 3, "ivan": 1})
    >>> route(req, [ContactOwnerFirst(), LeastLoaded()]).assignee
    'mira'
    """
    for policy in policies:
        choice = policy.choose(request)
        if choice is not None:
            return choice
    raise ValidationError("assignee", None, f"no routing policy chose anyone for {request.team!r}")


@attrs.frozen
class RoundRobinState:
    """Who got the last task in each team (JSON-safe through :meth:`to_dict`).

    Remembering the last person (not a position) keeps the rotation fair when people join or
    leave: the next one is the next id in sorted order.
    """

    last: Mapping[str, str] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, str]:
        return dict(self.last)

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> RoundRobinState:
        return cls(dict(data))


@attrs.frozen
class RoundRobin:
    """Take turns within the team.

    >>> rr = RoundRobin()
    >>> req = RoutingRequest(("mira", "ana", "ivan"), team="sales")
    >>> picks = []
    >>> for _ in range(4):
    ...     choice = rr.choose(req)
    ...     picks.append(choice.assignee)
    ...     rr = RoundRobin(choice.state)  # persist choice.state.to_dict() between runs
    >>> picks
    ['ana', 'ivan', 'mira', 'ana']
    """

    state: RoundRobinState = attrs.field(factory=RoundRobinState)

    def choose(self, request: RoutingRequest) -> Choice | None:
        people = sorted(set(request.candidates))
        if not people:
            return None
        key = request.team or ""
        last = self.state.last.get(key)
        at = 0 if last is None else bisect.bisect_right(people, last)
        pick = people[at % len(people)]
        return Choice(pick, "round_robin", RoundRobinState({**self.state.last, key: pick}))


def _tie_break(tied: Sequence[str], seed: int | None, salt: int) -> str:
    if seed is None or len(tied) == 1:
        return min(tied)
    # Seeded from the total load so repeated calls on a changing team spread ties around,
    # while the same situation always gives the same answer.
    return random.Random(f"{seed}:{salt}").choice(sorted(tied))


@attrs.frozen
class LeastLoaded:
    """The candidate with the fewest open tasks (ties: lowest id, or a seeded draw).

    ``quotas`` caps how many open tasks one person may hold; people at their cap are skipped.
    """

    seed: int | None = None
    quotas: Mapping[str, int] = attrs.field(factory=dict)

    def choose(self, request: RoutingRequest) -> Choice | None:
        load = request.load
        free = [c for c in set(request.candidates) if load.get(c, 0) < self.quotas.get(c, 1 << 62)]
        if not free:
            return None
        least = min(load.get(c, 0) for c in free)
        tied = [c for c in free if load.get(c, 0) == least]
        return Choice(_tie_break(tied, self.seed, sum(load.values())), "least_loaded")


@attrs.frozen
class Weighted:
    """Share work in proportion to ``weights`` (a senior at 2 gets twice a junior's 1): pick
    whoever is furthest below their share of the current open work. People without a
    positive weight get nothing; ``quotas`` cap open tasks per person.

    >>> w = Weighted({"ana": 2, "ivan": 1})
    >>> load = {"ana": 0, "ivan": 0}
    >>> for _ in range(6):
    ...     who = w.choose(RoutingRequest(("ana", "ivan"), load=load)).assignee
    ...     load = {**load, who: load[who] + 1}
    >>> load
    {'ana': 4, 'ivan': 2}
    """

    weights: Mapping[str, float]
    quotas: Mapping[str, int] = attrs.field(factory=dict)
    seed: int | None = None

    def __attrs_post_init__(self) -> None:
        for who, weight in self.weights.items():
            if not isinstance(weight, int | float) or weight < 0:
                raise ValidationError("weights", {who: weight}, "weights are numbers >= 0")

    def choose(self, request: RoutingRequest) -> Choice | None:
        load = request.load
        free = [
            c
            for c in set(request.candidates)
            if self.weights.get(c, 0) > 0 and load.get(c, 0) < self.quotas.get(c, 1 << 62)
        ]
        if not free:
            return None
        # Pick the largest deficit against the ideal share once one more task is handed out
        # (smooth weighted round robin, driven by the live load): everyone stays within one
        # task of their share, which the "smallest load / weight" rule does not guarantee.
        # Scores are multiplied by the total weight to stay exact for integer weights.
        total = sum(load.get(c, 0) for c in free) + 1
        weight = sum(self.weights[c] for c in free)
        score = {c: total * self.weights[c] - load.get(c, 0) * weight for c in free}
        best = max(score.values())
        tied = [c for c in free if score[c] == best]
        return Choice(_tie_break(tied, self.seed, sum(load.values())), "weighted")


@attrs.frozen
class ContactOwnerFirst:
    """A customer reaches their own salesperson: the contact's ``owner``, if they may receive
    work (in any team); otherwise the next policy decides."""

    def choose(self, request: RoutingRequest) -> Choice | None:
        owner = request.contact.owner if request.contact is not None else None
        if owner is not None and request.may_receive(owner):
            return Choice(owner, "contact_owner")
        return None


TerritoryRule = tuple[Callable[[Contact], bool], str]


@attrs.frozen
class InSegment:
    """A territory predicate from a :class:`~crmkit.segments.Segment`: is the contact in it?

    Only what the contact itself holds is seen (profile fields, tags, custom fields, dates
    relative to the moment of routing); behaviour conditions (interactions, purchases, deals)
    see no events here, so keep territories to profile conditions.
    """

    segment: Segment

    def __call__(self, contact: Contact) -> bool:
        return SegmentData([contact]).count(self.segment, now=datetime.now(UTC)) == 1


def _rules(value: Iterable[tuple[Any, str]]) -> tuple[TerritoryRule, ...]:
    rules = []
    for rule in value:
        if len(rule) == 2 and isinstance(rule[0], Segment):
            rule = (InSegment(rule[0]), rule[1])
        if len(rule) != 2 or not callable(rule[0]) or not isinstance(rule[1], str):
            raise ValidationError("rules", rule, "expected (predicate or segment, assignee) pairs")
        rules.append(rule)
    return tuple(rules)


@attrs.frozen
class Territory:
    """Rules ``(predicate, assignee)`` tried in order on the contact; the first match wins.

    A predicate is any ``Callable[[Contact], bool]`` (a city test) or a
    :class:`~crmkit.segments.Segment` (see :class:`InSegment`).

    >>> from crmkit.segments import field, tag
    >>> t = Territory([(field("city") == "Tiranë", "arta"), (tag("vip"), "mira"),
    ...                (lambda c: True, "ivan")])
    >>> t.choose(RoutingRequest((), contact=Contact.new(name="Besa", city="Tiranë"))).assignee
    'arta'
    >>> t.choose(RoutingRequest((), contact=Contact.new(name="Leo", tags={"vip"}))).assignee
    'mira'
    """

    rules: tuple[TerritoryRule, ...] = attrs.field(converter=_rules)

    def choose(self, request: RoutingRequest) -> Choice | None:
        if request.contact is None:
            return None
        for predicate, assignee in self.rules:
            if predicate(request.contact) and request.may_receive(assignee):
                return Choice(assignee, "territory")
        return None
