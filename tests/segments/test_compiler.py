"""crmkit.segments.compiler: handlers by node type, dispatch, costs and clear errors."""

from __future__ import annotations

import attrs
import pytest

from crmkit.errors import ConfigurationError, InvalidSegmentError, UnsupportedSegmentError
from crmkit.segments import MEMORY_COMPILER, And, HasTag, Not, Or, Segment, field, in_list, tag
from crmkit.segments.compiler import Compiler, named_lists, walk


def _describe() -> Compiler[None, str]:
    c = Compiler[None, str]("describe", default_cost=7)
    c.register(HasTag, lambda node, ctx: f"#{node.tag}", cost=1)

    @c.register(Not)
    def _not(node: Not, ctx: None) -> str:
        return f"not {c.compile(node.child, ctx)}"

    return c


def test_dispatches_each_node_to_the_handler_of_its_type() -> None:
    assert _describe().compile(~tag("vip"), None) == "not #vip"


def test_register_returns_the_handler_so_it_works_as_a_decorator() -> None:
    c = Compiler[None, str]("x")

    def handler(node: HasTag, ctx: None) -> str:
        return node.tag

    def negated(node: Not, ctx: None) -> str:
        return "not"

    assert c.register(HasTag, handler) is handler
    assert c.register(Not)(negated) is negated


def test_a_node_without_a_handler_names_the_compiler_and_the_node() -> None:
    with pytest.raises(UnsupportedSegmentError) as info:
        _describe().compile(tag("a") & tag("b"), None)
    assert info.value.compiler == "describe"
    assert info.value.field == "segment"
    assert isinstance(info.value.value, And)
    assert "the describe compiler has no handler for And" in str(info.value)
    assert isinstance(info.value, InvalidSegmentError)  # what callers caught before


def test_a_second_handler_for_one_type_is_refused() -> None:
    c = _describe()
    with pytest.raises(ConfigurationError, match="already has a handler for HasTag"):
        c.register(HasTag, lambda node, ctx: "again")
    c.unregister(HasTag)
    c.register(HasTag, lambda node, ctx: "again")
    assert c.compile(tag("x"), None) == "again"


def test_only_segment_node_classes_can_be_registered() -> None:
    with pytest.raises(TypeError):
        Compiler[None, str]("x").register(int, lambda node, ctx: "")  # type: ignore[type-var]


def test_subclasses_use_their_base_class_handler() -> None:
    @attrs.frozen
    class LoudTag(HasTag):
        pass

    assert _describe().compile(LoudTag("vip"), None) == "#vip"


def test_costs_default_for_types_registered_without_one() -> None:
    c = _describe()
    assert c.cost(tag("x")) == 1
    assert c.cost(~tag("x")) == 7
    assert c.cost(field("city") == "x") == 7  # no handler at all


def test_supports_checks_every_node_of_the_tree() -> None:
    c = _describe()
    assert c.supports(~tag("x"))
    assert not c.supports(~(tag("x") | tag("y")))
    assert MEMORY_COMPILER.supports((field("city") == "Sofia") | ~in_list("a"))


def test_walk_visits_parents_before_children_in_order() -> None:
    seg = Or.of([~tag("a"), tag("b") & in_list("l")])
    assert [type(n).__name__ for n in walk(seg)] == [
        "Or",
        "Not",
        "HasTag",
        "And",
        "HasTag",
        "InList",
    ]


def test_walk_does_not_recurse_so_deep_trees_are_fine() -> None:
    seg: Segment = tag("x")
    for i in range(99):
        seg = Not(seg) if i % 2 else Or((seg, tag("y")))
    assert sum(1 for _ in walk(seg)) == 1 + 99 + 50


def test_named_lists_are_sorted_and_unique() -> None:
    assert named_lists(in_list("b") | (in_list("a") & ~in_list("b"))) == ["a", "b"]
