"""Referral rules as pure functions: loops and trees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crmkit.marketing.referrals import Links, build_tree
from crmkit.marketing.referrals import would_cycle as _would_cycle

T = datetime(2026, 1, 1, tzinfo=UTC)


def would_cycle(links: Links, *, referrer_id: str, referred_id: str) -> bool:
    return _would_cycle(
        lambda c: links[c][0] if c in links else None,
        referrer_id=referrer_id,
        referred_id=referred_id,
    )


def test_a_referral_back_up_the_chain_is_a_cycle() -> None:
    links = {"b": ("a", T), "c": ("b", T)}
    assert would_cycle(links, referrer_id="c", referred_id="a")
    assert would_cycle(links, referrer_id="a", referred_id="a")
    assert not would_cycle(links, referrer_id="c", referred_id="d")


def test_a_loop_already_in_the_links_does_not_hang() -> None:
    links = {"a": ("b", T), "b": ("a", T)}  # a merge can leave one
    assert not would_cycle(links, referrer_id="a", referred_id="z")
    nodes = build_tree("a", links)
    assert [(n.contact_id, n.children) for n in nodes] == [("b", ())]


def test_children_come_oldest_first() -> None:
    links = {"late": ("a", T + timedelta(days=2)), "early": ("a", T)}
    assert [n.contact_id for n in build_tree("a", links)] == ["early", "late"]
