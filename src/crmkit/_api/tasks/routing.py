"""Routing policies run against the workspace's own data: its users directory, the open-task
load of each candidate and the round robin turns kept in storage."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from crmkit.contacts import Contact
from crmkit.storage.protocols import UnitOfWork
from crmkit.tasks.routing import Choice, Policy, RoundRobin, RoundRobinState, RoutingRequest, route
from crmkit.tasks.users import UserDirectory

__all__ = ["Router", "directory_of"]


def directory_of(uow: UnitOfWork) -> UserDirectory | None:
    """The workspace's users directory, or ``None`` while it keeps none.

    User ids are plain strings until a workspace keeps a directory; from then on unknown and
    inactive users are refused.
    """
    users = list(uow.users.iter_all())
    return UserDirectory.of(users) if users else None


class Router:
    """Chooses assignees with *policies* and remembers what must be saved.

    Candidates are the active members of the requested team (from the directory); the load
    of each is read once from storage and then counted up as tasks are handed out, so a long
    automation pass keeps balancing. Round robin turns start from the stored state; call
    :meth:`save` in the transaction that stores the routed task.
    """

    def __init__(
        self, policies: Iterable[Policy], directory: UserDirectory | None, state: RoundRobinState
    ) -> None:
        self.policies = tuple(policies)
        self.directory = directory
        self.state = state
        self._load: dict[str, int] = {}
        self._counted: set[str] = set()
        self._changed: dict[str, str] = {}
        self._active = None if directory is None else frozenset(u.id for u in directory if u.active)

    @classmethod
    def load(cls, uow: UnitOfWork, policies: Iterable[Policy]) -> Router:
        return cls(policies, directory_of(uow), uow.routing.round_robin())

    def choose(self, uow: UnitOfWork, team: str | None, contact: Contact | None) -> Choice:
        """The first policy's choice, or :class:`~crmkit.errors.ValidationError`."""
        directory = self.directory
        candidates = directory.members(team) if directory is not None and team else ()
        missing = [c for c in candidates if c not in self._counted]
        if missing:
            self._load.update(uow.tasks.open_counts(missing))
            self._counted.update(missing)
        policies = [
            attrs.evolve(p, state=self.state) if isinstance(p, RoundRobin) else p
            for p in self.policies
        ]
        request = RoutingRequest(candidates, team, contact, self._load, self._active)
        choice = route(request, policies)
        self._load[choice.assignee] = self._load.get(choice.assignee, 0) + 1
        if choice.state is not None:
            key = team or ""
            self.state = choice.state
            self._changed[key] = choice.state.last[key]
        return choice

    def save(self, uow: UnitOfWork) -> None:
        """Write the round robin turns taken since the last save."""
        for team, last in sorted(self._changed.items()):
            uow.routing.save_round_robin(team, last)
        self._changed.clear()
