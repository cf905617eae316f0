"""Story map speed on a generated 2,000-node scenario: time to the first paint of the map at
1100x720, and the frame time of dragging a card (a synthetic mouse move, then a processed
repaint of the viewport), each beside an empty canvas (a QGraphicsView with an empty scene)
measured the same way in the same run. Targets: opening < 1 s, a drag frame < 16 ms.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/story_map.py [NODES] [FRAMES]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QWidget

from trainer.core.scenario import scenario_yaml
from trainer.core.scenario_doc import ScenarioDoc
from trainer.ui.story_map import StoryMapView

SIZE = (1100, 720)
WIDTH = 20  # nodes per scene: a story 100 scenes deep at 2,000 nodes


def scenario_data(nodes: int) -> dict:
    """A branching story in scenes of WIDTH nodes: each node leads to 3 nodes of the next scene
    (every 25th to an ending instead of one of them), the last scene to the endings."""
    endings = max(2, nodes // 100)
    data = ScenarioDoc.blank("bench", "Benchmark").data
    data["nodes"], data["endings"] = [], []
    for i in range(nodes):
        scene = i // WIDTH + 1
        targets = [
            f"n{j}"
            for j in (scene * WIDTH + (i * 7 + k * 5) % WIDTH for k in range(3))
            if j < nodes
        ]
        if i % 25 == 0 or not targets:
            targets = [*targets[:2], f"end{i % endings}"]
        choices = [
            {
                "text": f"Choice {k + 1} at scene {i}: say something calm.",
                "target": t,
                "effects": {"tension": -1 if k == 0 else 1},
                "feedback": "Why this helps or hurts.",
            }
            for k, t in enumerate(dict.fromkeys(targets))
        ]
        text = f"Scene {i}: you stand at the corner; somebody is shouting about what happened.\n"
        data["nodes"].append({"id": f"n{i}", "text": text, "choices": choices})
    for e in range(endings):
        outcome = ("success", "partial", "failure")[e % 3]
        data["endings"].append(
            {"id": f"end{e}", "outcome": outcome, "title": f"Ending {e}", "debrief": "Debrief.\n"}
        )
    data["start"] = "n0"
    return data


def first_paint(
    make: Callable[[], QWidget], viewport: Callable[[QWidget], QWidget]
) -> tuple[float, QWidget]:
    app = QApplication.instance()
    assert app is not None
    start = time.perf_counter()
    widget = make()
    widget.resize(*SIZE)
    widget.show()
    app.processEvents()
    viewport(widget).repaint()
    return time.perf_counter() - start, widget


def drag_frames(view: QGraphicsView, at: QPointF, frames: int) -> list[float]:
    """Press at `at` (viewport coordinates), then move the mouse a few pixels per frame,
    repainting after each move; the frame times in seconds."""
    viewport = view.viewport()

    def send(kind: QEvent.Type, point: QPointF, buttons: Qt.MouseButton) -> None:
        event = QMouseEvent(
            kind,
            point,
            viewport.mapToGlobal(point),
            Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, event)

    send(QEvent.Type.MouseButtonPress, at, Qt.MouseButton.LeftButton)
    times = []
    point = QPointF(at)
    for k in range(frames):
        point += QPointF(2, 1 if k % 2 else -1)
        start = time.perf_counter()
        send(QEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
        viewport.repaint()
        times.append(time.perf_counter() - start)
    send(QEvent.Type.MouseButtonRelease, point, Qt.MouseButton.NoButton)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    app = QApplication.instance() or QApplication([])
    data = scenario_data(nodes)
    text = scenario_yaml(data)
    # Built from the data: the library's YAML reader refuses documents over 20,000 values
    # (trainer.core.library.MAX_VALUES), which a 2,000-node scenario is.
    doc = ScenarioDoc(data)
    choices = sum(len(doc.choices(n)) for n in doc.node_ids())

    empty_open, empty = first_paint(
        lambda: QGraphicsView(QGraphicsScene()),
        lambda w: w.viewport(),  # type: ignore[attr-defined]
    )
    assert isinstance(empty, QGraphicsView)
    empty_frames = drag_frames(empty, QPointF(300, 300), frames)

    map_open, widget = first_paint(lambda: StoryMapView(doc), lambda w: w.canvas.viewport())  # type: ignore[attr-defined]
    assert isinstance(widget, StoryMapView)
    canvas = widget.canvas
    card = canvas.card("n0")
    assert card is not None
    at = QPointF(canvas.mapFromScene(card.pos() + QPointF(60, 40)))
    before = card.pos()
    near = drag_frames(canvas, at, frames)
    moved = f"{doc.undo_text!r}, {card.pos() - before}"

    canvas.fit()
    app.processEvents()
    card = canvas.card(f"n{nodes // 2}")
    assert card is not None
    at = QPointF(canvas.mapFromScene(card.pos() + QPointF(60, 40)))
    whole = drag_frames(canvas, at, frames)

    print(
        f"{nodes} nodes, {len(doc.ending_ids())} endings, {choices} choices, {len(text):,} bytes as YAML"
    )
    print(f"first paint, empty canvas:           {ms(empty_open)}")
    print(f"first paint, story map ({nodes}):     {ms(map_open)}   (target < 1000 ms)")
    print(
        f"drag frame, empty canvas:            {ms(statistics.median(empty_frames))}  median of "
        f"{frames} (max {max(empty_frames) * 1000:.1f})"
    )
    print(
        f"drag frame, map at 100%:             {ms(statistics.median(near))}  median "
        f"(max {max(near) * 1000:.1f})   (target < 16 ms); saved: {moved}"
    )
    print(
        f"drag frame, whole map in view ({canvas.transform().m11():.3f}x): "
        f"{ms(statistics.median(whole))}  median (max {max(whole) * 1000:.1f})"
    )
    widget.close()
    empty.close()
    del app


if __name__ == "__main__":
    main()
