"""Invariants of reports and the board over hypothesis-generated deal histories."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit._types import Money
from crmkit.funnel import (
    Deal,
    DealStatus,
    Pipeline,
    Stage,
    StageChange,
    StayStats,
    funnel_report,
    lose,
    move,
    open_deal,
    pipeline_as_of,
    reopen,
    win,
)

T0 = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
PIPE = Pipeline.new("Sales", ["New", Stage("Qualified", 0.25), "Proposal", "Negotiation"])
NAMES = PIPE.stage_names
ACTIONS = st.sampled_from([*NAMES, "won", "lost", "reopen", "reopen-to"])


class History:
    """Deals, their changes, and a snapshot of every deal after each instant."""

    def __init__(self) -> None:
        self.deals: list[Deal] = []
        self.changes: list[StageChange] = []
        self.snapshots: list[tuple[datetime, dict[str, Deal]]] = []


@st.composite
def histories(draw: st.DrawFn) -> History:
    h = History()
    for n in range(draw(st.integers(1, 10))):
        start = T0 + timedelta(days=draw(st.integers(0, 60)))
        deal, first = open_deal(
            PIPE,
            title=f"D{n}",
            value=Money(draw(st.integers(0, 999)), "EUR"),
            contact_id="c",
            owner=draw(st.sampled_from(["arta", "mira"])),
            at=start,
            stage=draw(st.sampled_from([None, *NAMES])),
        )
        h.changes.append(first)
        h.snapshots.append((start, {deal.id: deal}))
        at = start
        for action in draw(st.lists(ACTIONS, max_size=8)):
            at += timedelta(hours=draw(st.sampled_from([0, 1, 30, 200])))
            try:
                if action == "won":
                    deal, c = win(deal, at=at)
                elif action == "lost":
                    deal, c = lose(deal, reason=draw(st.sampled_from(["price", "timing"])), at=at)
                elif action.startswith("reopen"):
                    stage = draw(st.sampled_from(NAMES)) if action == "reopen-to" else None
                    deal, c = reopen(deal, PIPE, at=at, stage=stage)
                else:
                    deal, c = move(deal, PIPE, action, at=at)
            except ValueError:
                continue  # the rules refused this step in this state
            h.changes.append(c)
            h.snapshots.append((at, {deal.id: deal}))
        h.deals.append(deal)
    return h


def _reference(deals: list[Deal], changes: list[StageChange]) -> list[tuple[int, int, int]]:
    """(entered, moved_on, won) per stage, computed the slow, obvious way."""
    index = {n: i for i, n in enumerate(NAMES)}
    out = []
    for i in range(len(NAMES)):
        entered = moved = won = 0
        for d in deals:
            mine = sorted((c for c in changes if c.deal_id == d.id), key=lambda c: (c.at, c.id))
            stood = {index[c.to_stage] for c in mine if c.to_stage in index} | {index[d.stage]}
            top = len(NAMES) - 1 if d.status is DealStatus.WON else max(stood)
            if min(stood) <= i <= top:
                entered += 1
                moved += i < top or d.status is DealStatus.WON
                won += d.status is DealStatus.WON
        out.append((entered, moved, won))
    return out


def _stays(changes: list[StageChange]) -> list[list[timedelta]]:
    index = {n: i for i, n in enumerate(NAMES)}
    by_deal: dict[str, list[StageChange]] = {}
    for c in sorted(changes, key=lambda c: (c.at, c.id)):
        by_deal.setdefault(c.deal_id, []).append(c)
    out: list[list[timedelta]] = [[] for _ in NAMES]
    for history in by_deal.values():
        for a, b in itertools.pairwise(history):
            if a.to_stage in index:
                out[index[a.to_stage]].append(b.at - a.at)
    return out


@settings(max_examples=80, deadline=None)
@given(histories())
def test_report_counts_equal_the_obvious_computation(h: History) -> None:
    report = funnel_report(PIPE, h.deals, h.changes)
    reference = _reference(h.deals, h.changes)
    assert [(s.entered, s.moved_on, s.won) for s in report.stages] == reference
    for s, stays in zip(report.stages, _stays(h.changes), strict=True):
        expected = StayStats.of(stays)
        assert (s.stays, s.median_time_in_stage, s.p90_time_in_stage) == (
            expected.count,
            expected.median,
            expected.p90,
        )


@settings(max_examples=80, deadline=None)
@given(histories())
def test_report_invariants(h: History) -> None:
    report = funnel_report(PIPE, h.deals, h.changes)
    for s in report.stages:
        assert 0 <= s.moved_on <= s.entered
        assert 0 <= s.won <= s.entered
        assert 0 <= s.lost_here <= s.entered
        for rate in (s.conversion_rate, s.conversion_to_won, s.drop_off_rate):
            assert rate is None or 0.0 <= rate <= 1.0
        if s.median_time_in_stage is not None:
            assert s.mean_time_in_stage is not None
            assert timedelta(0) <= s.median_time_in_stage <= s.p90_time_in_stage  # type: ignore[operator]
    assert report.won + report.lost + report.open == len(h.deals)
    assert sum(c.created for c in report.cohorts) == len(h.deals)
    assert sum(s.lost_here for s in report.stages) == report.lost
    assert report.win_rate is None or 0.0 <= report.win_rate <= 1.0


@settings(max_examples=60, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_report_does_not_depend_on_the_order_of_the_history(h: History, rng: random.Random) -> None:
    shuffled = list(h.changes)
    rng.shuffle(shuffled)
    deals = list(h.deals)
    rng.shuffle(deals)
    assert funnel_report(PIPE, deals, shuffled) == funnel_report(PIPE, h.deals, h.changes)


@settings(max_examples=60, deadline=None)
@given(histories())
def test_counts_add_up_across_owners_and_cohorts(h: History) -> None:
    """What lets a backend compute the facts per group (or per shard) and add them."""
    total = funnel_report(PIPE, h.deals, h.changes)
    by_owner = [funnel_report(PIPE, h.deals, h.changes, owner=o) for o in {"arta", "mira"}]
    by_month = [funnel_report(PIPE, h.deals, h.changes, cohort=c.month) for c in total.cohorts]
    for parts in (by_owner, by_month):
        for i, s in enumerate(total.stages):
            assert s.entered == sum(p.stages[i].entered for p in parts)
            assert s.moved_on == sum(p.stages[i].moved_on for p in parts)
            assert s.stays == sum(p.stages[i].stays for p in parts)
        assert total.won == sum(p.won for p in parts)


@settings(max_examples=60, deadline=None)
@given(histories())
def test_board_as_of_any_instant_matches_the_deals_as_they_were(h: History) -> None:
    state: dict[str, Deal] = {}
    by_time: dict[datetime, dict[str, Deal]] = {}
    for at, snap in sorted(h.snapshots, key=lambda s: s[0]):
        state.update(snap)
        by_time[at] = dict(state)
    for at, deals in by_time.items():
        board = pipeline_as_of(PIPE, h.deals, h.changes, at)
        for stage in NAMES:
            expected = sorted(
                d.id for d in deals.values() if d.status is DealStatus.OPEN and d.stage == stage
            )
            assert list(board.column(stage)) == expected
        assert board.won == sum(d.status is DealStatus.WON for d in deals.values())
        assert board.lost == sum(d.status is DealStatus.LOST for d in deals.values())
