"""Where the story map puts cards that have no saved position: a left-to-right layered layout.

A Sugiyama-style layout, kept small: cycles are broken at the back edges of a depth-first search
from the start; each node goes one layer right of its furthest predecessor (longest path), so
every choice of a loop-free story points right; endings share the last layer; a few barycenter
sweeps order each layer to cut crossings. Linear in nodes + choices per sweep (2,000 nodes take
a few milliseconds). Deterministic: the same story always gets the same map. Qt-free.

    layered_layout(nodes, edges, start, endings) -> {id: (x, y)}   top-left of each card
    place_cards(nodes, edges, start, endings, fixed) -> {id: (x, y)}
        cards with a saved position keep it; the others are laid out below them
    Columns(cards).lane(start, end) -> [(x, y), ...]
        where an arrow that passes other cards' columns runs through the gaps between them
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping, Sequence

CARD_WIDTH = 200
CARD_HEIGHT = 76
GAP_X = 100  # room for the arrows between layers
GAP_Y = 24
SWEEPS = 4
CLEARANCE = 6  # how near a routed arrow may pass a card


def layered_layout(
    nodes: Sequence[str],
    edges: Mapping[str, Sequence[str]],
    start: str | None,
    endings: Collection[str] = (),
) -> dict[str, tuple[int, int]]:
    """Top-left corners of cards CARD_WIDTH x CARD_HEIGHT, the first layer at x = 0 and the
    tallest layer from y = 0. Edges to ids not in `nodes` (broken targets) are ignored."""
    if not nodes:
        return {}
    index = {n: i for i, n in enumerate(dict.fromkeys(nodes))}
    names = list(index)
    count = len(names)
    succ: list[list[int]] = [[] for _ in range(count)]
    for source, targets in edges.items():
        s = index.get(source)
        if s is None:
            continue
        seen: set[int] = set()
        for target in targets:
            t = index.get(target)
            if t is not None and t != s and t not in seen:
                seen.add(t)
                succ[s].append(t)
    succ = _without_back_edges(succ, index.get(start) if start is not None else None)
    pred: list[list[int]] = [[] for _ in range(count)]
    for source_index, target_indexes in enumerate(succ):
        for t in target_indexes:
            pred[t].append(source_index)
    layer = _longest_path_layers(succ, pred)
    is_ending = [False] * count
    for e in endings:
        if e in index:
            is_ending[index[e]] = True
    last = max((layer[i] for i in range(count) if not is_ending[i]), default=-1) + 1
    for i in range(count):
        if is_ending[i]:
            layer[i] = last
    rows = _initial_order(succ, layer, index.get(start) if start is not None else None)
    _reduce_crossings(rows, succ, pred)
    pitch_x, pitch_y = CARD_WIDTH + GAP_X, CARD_HEIGHT + GAP_Y
    tallest = max(len(row) for row in rows)
    out: dict[str, tuple[int, int]] = {}
    for depth, row in enumerate(rows):
        top = (tallest - len(row)) * pitch_y / 2
        for k, i in enumerate(row):
            out[names[i]] = (depth * pitch_x, round(top + k * pitch_y))
    return out


def place_cards(
    nodes: Sequence[str],
    edges: Mapping[str, Sequence[str]],
    start: str | None,
    endings: Collection[str],
    fixed: Mapping[str, tuple[int, int]],
) -> dict[str, tuple[int, int]]:
    """Every card's top-left: saved positions as they are, the rest laid out among themselves
    and put below the saved ones, so no new card lands on a placed one."""
    loose = [n for n in nodes if n not in fixed]
    placed = {n: fixed[n] for n in nodes if n in fixed}
    if not loose:
        return placed
    laid = layered_layout(loose, edges, start if start in loose else None, endings)
    if placed:
        dx = min(x for x, _ in placed.values())
        dy = max(y for _, y in placed.values()) + CARD_HEIGHT + 3 * GAP_Y
        laid = {n: (x + dx, y + dy) for n, (x, y) in laid.items()}
    return placed | laid


def _without_back_edges(succ: list[list[int]], start: int | None) -> list[list[int]]:
    """The edges minus those that close a cycle in a depth-first search (from the start, then
    from each node not yet visited, in order)."""
    count = len(succ)
    state = [0] * count  # 0 new, 1 on the stack, 2 done
    kept: list[list[int]] = [[] for _ in range(count)]
    roots = ([start] if start is not None else []) + list(range(count))
    for root in roots:
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, 0)]
        while stack:
            node, k = stack[-1]
            if k < len(succ[node]):
                stack[-1] = (node, k + 1)
                target = succ[node][k]
                if state[target] == 1:
                    continue  # a back edge: it closes a loop
                kept[node].append(target)
                if state[target] == 0:
                    state[target] = 1
                    stack.append((target, 0))
            else:
                state[node] = 2
                stack.pop()
    return kept


def _longest_path_layers(succ: list[list[int]], pred: list[list[int]]) -> list[int]:
    layer = [0] * len(succ)
    waiting = [len(p) for p in pred]
    ready = [i for i, w in enumerate(waiting) if w == 0]
    while ready:
        node = ready.pop()
        for target in succ[node]:
            layer[target] = max(layer[target], layer[node] + 1)
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return layer


def _initial_order(succ: list[list[int]], layer: list[int], start: int | None) -> list[list[int]]:
    """Each layer's nodes in the order a breadth-first walk from the start meets them (then
    the nodes it never meets, in file order): a tree-like story starts nearly uncrossed."""
    count = len(succ)
    seen = [False] * count
    order: list[int] = []
    for root in ([start] if start is not None else []) + list(range(count)):
        if seen[root]:
            continue
        seen[root] = True
        queue = [root]
        for node in queue:
            order.append(node)
            for target in succ[node]:
                if not seen[target]:
                    seen[target] = True
                    queue.append(target)
    rows: list[list[int]] = [[] for _ in range(max(layer) + 1)]
    for node in order:
        rows[layer[node]].append(node)
    return [row for row in rows if row]


def _reduce_crossings(rows: list[list[int]], succ: list[list[int]], pred: list[list[int]]) -> None:
    """Barycenter sweeps: order each layer by the mean place of its neighbours in the layers
    before it (left to right), then after it (right to left). Places are centred, as drawn."""
    place = [0.0] * len(succ)

    def measure(row: list[int]) -> None:
        middle = (len(row) - 1) / 2
        for k, node in enumerate(row):
            place[node] = k - middle

    for row in rows:
        measure(row)
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        ordering = range(1, len(rows)) if forward else range(len(rows) - 2, -1, -1)
        neighbours = pred if forward else succ
        for depth in ordering:
            row = rows[depth]

            def key(item: tuple[int, int], near: list[list[int]] = neighbours) -> tuple[float, int]:
                k, node = item
                around = near[node]
                if not around:
                    return (place[node], k)
                return (sum(place[n] for n in around) / len(around), k)

            row[:] = [node for _, node in sorted(enumerate(row), key=key)]
            measure(row)


class Columns:
    """The cards grouped into columns (runs of cards whose x ranges overlap), for routing long
    arrows: an arrow from one layer to a layer further right would otherwise run behind the
    cards of the layers between. A group wider than two cards is not a column (cards placed
    by hand anywhere) and is not routed through. Built in O(n log n); a lane in
    O(columns passed x log cards)."""

    def __init__(
        self,
        cards: Iterable[tuple[float, float]],
        width: float = CARD_WIDTH,
        height: float = CARD_HEIGHT,
    ) -> None:
        self.height = height
        spans: list[tuple[float, float, list[float]]] = []  # x0, x1, top of each card
        for x, y in sorted(cards):
            if spans and x < spans[-1][1]:
                x0, x1, tops = spans[-1]
                spans[-1] = (x0, max(x1, x + width), tops)
                tops.append(y)
            else:
                spans.append((x, x + width, [y]))
        self._columns: list[tuple[float, float, list[tuple[float, float]]]] = []
        for x0, x1, tops in spans:
            if x1 - x0 <= 2 * width:
                self._columns.append((x0, x1, _merged(tops, height)))
        self._x0s = [c[0] for c in self._columns]

    def lane(
        self, start: tuple[float, float], end: tuple[float, float]
    ) -> list[tuple[float, float]]:
        """Where an arrow from `start` (the source's right edge) to `end` (the target's left
        edge) enters and leaves each column it passes: two points a column, at a height clear
        of its cards, kept level while it can. Empty when no column lies between."""
        points: list[tuple[float, float]] = []
        y = start[1]
        k = bisect.bisect_right(self._x0s, start[0])
        while k < len(self._columns) and self._columns[k][1] < end[0]:
            x0, x1, blocked = self._columns[k]
            y = _clear_height(blocked, y, end[1])
            points += [(x0 - CLEARANCE, y), (x1 + CLEARANCE, y)]
            k += 1
        return points


def _merged(tops: list[float], height: float) -> list[tuple[float, float]]:
    """The heights the cards of a column block (with clearance), merged and in order."""
    merged: list[tuple[float, float]] = []
    for top in sorted(tops):
        low, high = top - CLEARANCE, top + height + CLEARANCE
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _clear_height(blocked: list[tuple[float, float]], y: float, towards: float) -> float:
    """`y` when it passes the column clear, else the middle of the nearest gap (above the
    column or below it when there is none); of two as near, the one towards the target."""
    k = bisect.bisect_right(blocked, (y, float("inf"))) - 1
    if k < 0 or blocked[k][1] <= y:
        return y
    low, high = blocked[k]
    above = (blocked[k - 1][1] + low) / 2 if k > 0 else low - 2 * CLEARANCE
    below = (high + blocked[k + 1][0]) / 2 if k + 1 < len(blocked) else high + 2 * CLEARANCE
    if abs(y - above) != abs(y - below):
        return above if abs(y - above) < abs(y - below) else below
    return above if towards < y else below
