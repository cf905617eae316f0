"""The story map's layout for cards without positions: left to right along choices, never
overlapping, the same every time."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.core.scenario_doc import ScenarioDoc
from trainer.core.story_layout import (
    CARD_HEIGHT,
    CARD_WIDTH,
    Columns,
    layered_layout,
    place_cards,
)

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"


def _story(doc: ScenarioDoc) -> tuple[list[str], dict[str, list[str]], str, list[str]]:
    return doc.ids(), {n: doc.targets(n) for n in doc.node_ids()}, doc.start, doc.ending_ids()


def _overlaps(places: dict[str, tuple[int, int]]) -> list[tuple[str, str]]:
    items = sorted(places.items(), key=lambda kv: kv[1])
    found = []
    for i, (a, (ax, ay)) in enumerate(items):
        for b, (bx, by) in items[i + 1 :]:
            if bx >= ax + CARD_WIDTH:
                break
            if abs(by - ay) < CARD_HEIGHT and abs(bx - ax) < CARD_WIDTH:
                found.append((a, b))
    return found


def _random_dag(seed: int, size: int) -> tuple[list[str], dict[str, list[str]], list[str]]:
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(size)]
    endings = [f"end{i}" for i in range(max(1, size // 10))]
    edges = {
        n: [rng.choice(nodes[i + 1 :] + endings) for _ in range(rng.randint(1, 3))]
        for i, n in enumerate(nodes)
    }
    return nodes + endings, edges, endings


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_scenarios_lay_out_without_overlap(path: Path) -> None:
    doc = ScenarioDoc.from_yaml(path.read_text(encoding="utf-8"))
    nodes, edges, start, endings = _story(doc)
    places = layered_layout(nodes, edges, start, endings)
    assert set(places) == set(nodes)
    assert _overlaps(places) == []
    assert places[start][0] == 0  # the start is in the first layer
    last = max(x for x, _ in places.values())
    assert all(places[e][0] == last for e in endings)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 60))
def test_in_a_loop_free_story_every_choice_points_right(seed: int, size: int) -> None:
    nodes, edges, endings = _random_dag(seed, size)
    places = layered_layout(nodes, edges, "n0", endings)
    for source, targets in edges.items():
        for target in targets:
            assert places[target][0] > places[source][0], (source, target)
    assert _overlaps(places) == []


def test_loops_are_broken_and_every_card_is_placed() -> None:
    edges = {"a": ["b"], "b": ["c", "a"], "c": ["a", "end", "c"], "lost": ["b"]}
    places = layered_layout(["a", "b", "c", "lost", "end"], edges, "a", ["end"])
    assert places["a"][0] < places["b"][0] < places["c"][0] < places["end"][0]
    assert set(places) == {"a", "b", "c", "lost", "end"}
    assert _overlaps(places) == []


def test_the_layout_is_the_same_every_time() -> None:
    nodes, edges, endings = _random_dag(7, 300)
    first = layered_layout(nodes, edges, "n0", endings)
    assert layered_layout(list(nodes), dict(edges), "n0", list(endings)) == first


def test_crossings_are_reduced_for_a_simple_tree() -> None:
    # b's children are listed after c's in the file; the sweeps keep each family together
    edges = {"a": ["b", "c"], "b": ["b2", "b1"], "c": ["c1"], "c1": ["e"], "b1": ["e"]}
    edges |= {"b2": ["e"]}
    places = layered_layout(["a", "c", "c1", "b", "b1", "b2", "e"], edges, "a", ["e"])
    b_family = sorted(places[n][1] for n in ("b1", "b2"))
    assert (places["b"][1] < places["c"][1]) == (b_family[1] < places["c1"][1])


def test_saved_positions_stay_and_new_cards_go_below_them() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["d"]}
    fixed = {"a": (500, 300), "b": (800, 340)}
    places = place_cards(["a", "b", "c", "d"], edges, "a", ["d"], fixed)
    assert places["a"] == (500, 300) and places["b"] == (800, 340)
    assert min(places["c"][1], places["d"][1]) >= 340 + CARD_HEIGHT
    assert places["c"][0] < places["d"][0]
    assert _overlaps(places) == []


def _crossed(places: dict[str, tuple[int, int]], lane: list[tuple[float, float]]) -> list[str]:
    """The cards a lane's level runs (entry to exit of each column) pass through."""
    hit = []
    for (x0, y), (x1, _) in zip(lane[::2], lane[1::2], strict=True):
        for card, (cx, cy) in places.items():
            if cx < x1 and cx + CARD_WIDTH > x0 and cy <= y <= cy + CARD_HEIGHT:
                hit.append(card)
    return hit


def test_a_long_arrow_runs_through_the_gaps_of_the_columns_it_passes() -> None:
    pitch = CARD_HEIGHT + 24
    places = {"from": (0, pitch), "to": (900, pitch)}
    places |= {f"c{k}": (300, k * pitch) for k in range(4)}  # a full column in between
    places |= {f"d{k}": (600, k * pitch) for k in (0, 2)}  # a column with a hole at row 1
    columns = Columns(places.values())
    start, end = (CARD_WIDTH, pitch + 38), (898, pitch + 38)
    lane = columns.lane(start, end)
    assert [x for x, _ in lane] == [294, 506, 594, 806]
    assert _crossed(places, lane) == []
    assert lane[2][1] == lane[1][1]  # kept level where it can: through d's gap, not its hole
    assert columns.lane(start, (280, 0)) == []  # nothing between: no lane
    assert columns.lane((0, 500), (900, 500)) == [(294, 500), (506, 500), (594, 500), (806, 500)]


def test_cards_placed_anywhere_are_not_routed_around() -> None:
    staggered = [(k * 120, k * 40) for k in range(8)]  # x ranges overlap into one wide group
    assert Columns(staggered).lane((-300, 100), (2000, 100)) == []


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 80))
def test_laid_out_long_arrows_pass_no_card(seed: int, size: int) -> None:
    nodes, edges, endings = _random_dag(seed, size)
    places = layered_layout(nodes, edges, "n0", endings)
    columns = Columns(places.values())
    for source, targets in edges.items():
        sx, sy = places[source]
        for target in targets:
            tx, ty = places[target]
            lane = columns.lane((sx + CARD_WIDTH, sy + 38), (tx - 2, ty + 38))
            assert _crossed(places, lane) == [], (source, target)
            assert len(lane) == 2 * ((tx - sx) // (CARD_WIDTH + 100) - 1)
