"""Compiling segments: one handler per node type, for each way a backend runs a segment.

A :class:`Compiler` is a table from node type to handler. The in-memory evaluator
(``crmkit.segments.MEMORY_COMPILER``, handlers return sets of contact positions) and the SQL
backends (``crmkit.storage.sql.SQL_COMPILER``, handlers return a WHERE fragment and its
parameters) are two of them; a backend of your own makes a third. A handler receives the node
and a *context* (whatever the compiler defines: the data, ``now``, a database session) and
compiles a boolean node's children through the context. A new leaf is a node class plus one
handler per compiler that should run it; a node a compiler has no handler for raises
:class:`~crmkit.errors.UnsupportedSegmentError` naming both.

>>> from crmkit.segments import HasTag, Not, tag
>>> describe = Compiler[None, str]("describe")
>>> @describe.register(HasTag)
... def _tag(node: HasTag, context: None) -> str:
...     return f"tagged {node.tag}"
>>> describe.compile(tag("vip"), None)
'tagged vip'
>>> describe.compile(~tag("vip"), None)
Traceback (most recent call last):
...
crmkit.errors.UnsupportedSegmentError: invalid segment Not(child=HasTag(tag='vip')): the \
describe compiler has no handler for Not

Besides the registry, this module holds what a compiler needs to agree with the in-memory
evaluator: :func:`walk`, :func:`named_lists`, and the predicates :func:`compare`,
:func:`value_predicate`, :func:`anniversary_days`, :func:`fold_text` and
:func:`total_currency_error`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

from crmkit.errors import ConfigurationError, UnsupportedSegmentError
from crmkit.segments._fields import fold_text
from crmkit.segments._nodes import And, InList, Not, Or, Segment
from crmkit.segments._predicates import (
    anniversary_days,
    compare,
    measure_predicate,
    total_currency_error,
    value_predicate,
)

__all__ = [
    "Compiler",
    "anniversary_days",
    "compare",
    "fold_text",
    "measure_predicate",
    "named_lists",
    "total_currency_error",
    "value_predicate",
    "walk",
]

C = TypeVar("C")
R = TypeVar("R")
N = TypeVar("N", bound=Segment)


class Compiler(Generic[C, R]):
    """Handlers by node type: ``handler(node, context) -> R``.

    *cost* orders the children of an ``&`` (lower first; equal costs keep their order) for
    compilers whose boolean handlers sort by it (:meth:`cost`); a type registered without
    one costs *default_cost*.
    """

    __slots__ = ("_costs", "_handlers", "default_cost", "name")

    def __init__(self, name: str, *, default_cost: int = 0) -> None:
        self.name = name
        self.default_cost = default_cost
        self._handlers: dict[type[Segment], Callable[[Any, C], R]] = {}
        self._costs: dict[type[Segment], int] = {}

    def __repr__(self) -> str:
        return f"Compiler({self.name!r}, {len(self._handlers)} node types)"

    @overload
    def register(
        self, node_type: type[N], handler: Callable[[N, C], R], *, cost: int | None = None
    ) -> Callable[[N, C], R]: ...

    @overload
    def register(
        self, node_type: type[N], *, cost: int | None = None
    ) -> Callable[[Callable[[N, C], R]], Callable[[N, C], R]]: ...

    def register(
        self,
        node_type: type[N],
        handler: Callable[[N, C], R] | None = None,
        *,
        cost: int | None = None,
    ) -> Any:
        """Compile nodes of *node_type* (and its subclasses) with *handler*; without a
        handler, a decorator. A type has one handler per compiler: registering a second
        raises :class:`~crmkit.errors.ConfigurationError` (:meth:`unregister` first)."""
        if not (isinstance(node_type, type) and issubclass(node_type, Segment)):
            raise TypeError(f"expected a Segment node class, got {node_type!r}")

        def add(fn: Callable[[N, C], R]) -> Callable[[N, C], R]:
            if node_type in self._handlers:
                raise ConfigurationError(
                    f"the {self.name} compiler already has a handler for {node_type.__name__}"
                )
            self._handlers[node_type] = fn
            if cost is not None:
                self._costs[node_type] = cost
            return fn

        return add if handler is None else add(handler)

    def unregister(self, node_type: type[Segment]) -> None:
        """Forget the handler for *node_type* (a no-op when there is none)."""
        self._handlers.pop(node_type, None)
        self._costs.pop(node_type, None)

    def _lookup(self, node_type: type) -> type[Segment] | None:
        if node_type in self._handlers:
            return node_type
        return next((t for t in node_type.__mro__ if t in self._handlers), None)

    def handles(self, node_type: type) -> bool:
        """Whether nodes of *node_type* have a handler here."""
        return self._lookup(node_type) is not None

    def supports(self, segment: Segment) -> bool:
        """Whether every node of *segment* has a handler (so :meth:`compile` will not raise
        :class:`~crmkit.errors.UnsupportedSegmentError`); a backend can fall back to the
        in-memory evaluator when it does not."""
        return all(self.handles(type(node)) for node in walk(segment))

    def cost(self, node: Segment) -> int:
        """How expensive *node* is to run here, relative to the other node types."""
        found = self._lookup(type(node))
        return self._costs.get(found, self.default_cost) if found else self.default_cost

    def compile(self, node: Segment, context: C) -> R:
        """*node* compiled by its handler."""
        handler = self._handlers.get(type(node))
        if handler is None:
            found = self._lookup(type(node))
            if found is None:
                raise UnsupportedSegmentError(self.name, node)
            handler = self._handlers[found]
        return handler(node, context)


def walk(segment: Segment) -> Iterator[Segment]:
    """Every node of *segment*, parents before children, children in order (depth first).

    >>> from crmkit.segments import field, tag
    >>> [type(n).__name__ for n in walk(~tag("vip") & (field("city") == "Sofia"))]
    ['And', 'Not', 'HasTag', 'Condition']
    """
    stack = [segment]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, And | Or):
            stack.extend(reversed(node.children))


def named_lists(segment: Segment) -> list[str]:
    """The static lists *segment* names, sorted, each once. Evaluators check them all before
    anything else, so an unknown list raises the same error whichever branch would meet it.

    >>> from crmkit.segments import in_list, tag
    >>> named_lists(~in_list("b") | (tag("vip") & in_list("a")) | in_list("b"))
    ['a', 'b']
    """
    return sorted({node.list_name for node in walk(segment) if isinstance(node, InList)})
