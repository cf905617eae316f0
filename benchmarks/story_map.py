"""Story map speed on generated scenarios: time to the first paint of the map at 1100x720, and
the frame time of dragging a card (a synthetic mouse move, then a processed repaint of the
viewport) at 100% zoom and with the whole map in view, each beside an empty canvas (a
QGraphicsView with an empty scene) measured the same way in the same run; then the same on a fresh
map with choice analytics shown (every arrow's width by a share, a share label on each, one choice
in seven with its share withheld), and the time to switch them on. Each run is a fresh
process; the figures printed are the medians of the runs. Targets at 2,000 nodes: opening
< 1 s, a drag frame < 16 ms.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/story_map.py [NODES,...] [FRAMES] [RUNS]
     (defaults: 500,1000,2000 120 3)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's trainer

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QWidget

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


def shares_of(doc: ScenarioDoc) -> dict[tuple[str, int], float | None]:
    """A share for every choice; one in seven withheld (too few people)."""
    return {
        (n, i): None if (k + i) % 7 == 0 else ((k * 37 + i * 53) % 100) / 100
        for k, n in enumerate(doc.node_ids())
        for i in range(len(doc.choices(n)))
    }


def map_run(nodes: int, frames: int, shares: bool) -> dict[str, float]:
    """Open a fresh map (and switch choice analytics on), drag the start card at 100%, then
    fit the map and drag a card in the middle: the figures in seconds."""
    app = QApplication.instance()
    assert app is not None
    # Built from the data: the library's YAML reader refuses documents over 20,000 values
    # (trainer.core.library.MAX_VALUES), which a 2,000-node scenario is.
    doc = ScenarioDoc(scenario_data(nodes))
    map_open, widget = first_paint(lambda: StoryMapView(doc), lambda w: w.canvas.viewport())  # type: ignore[attr-defined]
    assert isinstance(widget, StoryMapView)
    canvas = widget.canvas
    shares_on = 0.0
    if shares:
        start = time.perf_counter()
        canvas.set_shares(shares_of(doc))
        canvas.viewport().repaint()
        shares_on = time.perf_counter() - start
    card = canvas.card("n0")
    assert card is not None
    if shares:
        assert canvas.arrows_from("n0")[1].label is not None, "no share label drawn"
    at = QPointF(canvas.mapFromScene(card.pos() + QPointF(60, 40)))
    before = card.pos()
    near = drag_frames(canvas, at, frames)
    assert card.pos() != before and doc.undo_text == "Move 'n0'", "the drag moved no card"

    canvas.fit()
    app.processEvents()
    scale = canvas.transform().m11()
    card = canvas.card(f"n{nodes // 2}")
    assert card is not None
    at = QPointF(canvas.mapFromScene(card.pos() + QPointF(60, 40)))
    before = card.pos()
    whole = drag_frames(canvas, at, frames)
    assert card.pos() != before, "the drag moved no card"
    widget.close()
    return {
        "choices": sum(len(doc.choices(n)) for n in doc.node_ids()),
        "scale": scale,
        "map_open": map_open,
        "shares_on": shares_on,
        "near_frame": statistics.median(near),
        "near_max": max(near),
        "whole_frame": statistics.median(whole),
        "whole_max": max(whole),
    }


def one_run(nodes: int, frames: int) -> dict[str, float]:
    """One run in this process: the figures in milliseconds."""
    QApplication.instance() or QApplication([])
    empty_open, empty = first_paint(
        lambda: QGraphicsView(QGraphicsScene()),
        lambda w: w.viewport(),  # type: ignore[attr-defined]
    )
    assert isinstance(empty, QGraphicsView)
    empty_frames = drag_frames(empty, QPointF(300, 300), frames)
    figures = map_run(nodes, frames, shares=False)
    with_shares = map_run(nodes, frames, shares=True)
    figures.update(
        {
            "empty_open": empty_open,
            "empty_frame": statistics.median(empty_frames),
            "shares_on": with_shares["shares_on"],
            "near_shares": with_shares["near_frame"],
            "near_shares_max": with_shares["near_max"],
            "whole_shares": with_shares["whole_frame"],
            "whole_shares_max": with_shares["whole_max"],
        }
    )
    empty.close()
    return {k: v * 1000 if k not in ("choices", "scale") else v for k, v in figures.items()}


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one_run(int(sys.argv[2]), int(sys.argv[3]))))
        return
    sizes = [int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "500,1000,2000").split(",")]
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print(f"medians of {runs} runs (each a fresh process), {frames} drag frames each")
    for nodes in sizes:
        results = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(nodes), str(frames)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))

        def med(key: str, found: list[dict[str, float]] = results) -> float:
            return statistics.median(r[key] for r in found)

        def line(
            label: str, key: str, base: str, note: str = "", found: list[dict[str, float]] = results
        ) -> None:
            spread = ", ".join(f"{r[key]:.1f}" for r in found)
            print(
                f"  {label:<32}{med(key):8.1f} ms   empty canvas {med(base):6.1f} ms   "
                f"x{med(key) / med(base):<6.0f} runs: {spread}{note}"
            )

        print(f"{nodes} nodes, {int(med('choices'))} choices:")
        line("open (first paint)", "map_open", "empty_open", "   (target < 1000 ms)")
        line("drag frame at 100%", "near_frame", "empty_frame", "   (target < 16 ms)")
        line(f"drag frame, all in view {med('scale'):.3f}x", "whole_frame", "empty_frame")
        print(
            f"  {'worst drag frame':<32}{med('near_max'):8.1f} ms at 100%, "
            f"{med('whole_max'):.1f} ms all in view (the first: arrows leave the layer)"
        )
        print("  with choice analytics shown (arrow widths by share, share labels):")
        line("switching them on", "shares_on", "empty_open")
        line("drag frame at 100%", "near_shares", "empty_frame", "   (target < 16 ms)")
        line("drag frame, all in view", "whole_shares", "empty_frame")
        print(
            f"  {'worst drag frame':<32}{med('near_shares_max'):8.1f} ms at 100%, "
            f"{med('whole_shares_max'):.1f} ms all in view"
        )


if __name__ == "__main__":
    main()
