"""The story map: build a small scenario on it, link cards by dragging, move, undo and redo,
fit, find, and see broken targets drawn as missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QTransform

from tests.core.scenario_fixtures import SCENARIO
from trainer.core.scenario_doc import ScenarioDoc
from trainer.ui.story_map import NodeCard, StoryMapView

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def make_map(qtbot):
    def make(doc: ScenarioDoc) -> StoryMapView:
        view = StoryMapView(doc)
        qtbot.addWidget(view)
        view.resize(1100, 720)
        view.show()
        view.activateWindow()
        qtbot.waitActive(view)
        return view

    return make


def _at(view: StoryMapView, card: NodeCard, where: QPointF) -> QPoint:
    """A viewport point on `card`, `where` being relative to the card's top-left."""
    return view.canvas.mapFromScene(card.pos() + where)


def _drag(qtbot, view: StoryMapView, start: QPoint, end: QPoint, modifier=None) -> None:
    viewport = view.canvas.viewport()
    mods = modifier or Qt.KeyboardModifier.NoModifier
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, mods, start)
    steps = 6
    for k in range(1, steps + 1):
        point = start + (end - start) * k / steps
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, mods, end)


def test_build_a_scenario_link_by_dragging_move_undo_and_redo(qtbot, make_map) -> None:
    doc = ScenarioDoc.blank("corner", "Corner")
    view = make_map(doc)
    canvas = view.canvas
    doc.add_node("hallway", text="A quiet hallway.\n", position=(0, 150))
    doc.add_choice("start", "hallway")
    hallway, end = canvas.card("hallway"), canvas.card("end")
    assert hallway is not None and end is not None
    assert [a.target for a in canvas.arrows_from("start")] == ["end", "hallway"]
    view.fit()
    # drag from the hallway card's handle onto the ending: a new choice and its arrow
    handle = QPointF(hallway.handle_center())
    _drag(qtbot, view, _at(view, hallway, handle), _at(view, end, QPointF(60, 40)))
    assert doc.targets("hallway") == ["end"]
    assert doc.undo_text == "Link 'hallway' → 'end'"
    assert [a.target for a in canvas.arrows_from("hallway")] == ["end"]
    assert hallway in [a.source for a in canvas.arrows_to("end")]
    assert doc.check()[1] == []
    # move a card: the position is saved in the file, and the card's arrows follow it
    arrow = canvas.arrows_from("hallway")[0]
    before = arrow.path().elementAt(0)
    _drag(qtbot, view, _at(view, hallway, QPointF(60, 30)), _at(view, hallway, QPointF(60, 130)))
    x, y = doc.position("hallway")
    assert (y > 150 and x == 0) or abs(x) <= 2
    assert f"  position: {{x: {x}, y: {y}}}\n" in doc.to_yaml()
    assert arrow.path().elementAt(0).y > before.y
    # undo puts the card back, redo moves it again; undo the link removes its arrow
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.position("hallway") == (0, 150) and hallway.pos() == QPointF(0, 150)
    qtbot.keyClick(
        view.canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert hallway.pos() == QPointF(x, y)
    doc.undo()
    doc.undo()
    assert canvas.arrows_from("hallway") == [] and doc.targets("hallway") == []
    doc.redo()
    assert [a.target for a in canvas.arrows_from("hallway")] == ["end"]


def test_shift_drag_from_anywhere_on_a_card_links_it(qtbot, make_map) -> None:
    doc = ScenarioDoc.blank("corner", "Corner")
    view = make_map(doc)
    doc.add_node("side", position=(280, 150))
    start, side = view.canvas.card("start"), view.canvas.card("side")
    _drag(
        qtbot,
        view,
        _at(view, start, QPointF(40, 30)),
        _at(view, side, QPointF(40, 30)),
        Qt.KeyboardModifier.ShiftModifier,
    )
    assert doc.targets("start") == ["end", "side"]
    assert start.pos() == QPointF(0, 0)  # linking never moves the card


def test_a_first_move_saves_the_whole_map_as_shown_in_one_step(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    talk = view.canvas.card("talk")
    shown = {i: view.canvas.card(i).pos() for i in doc.ids()}
    _drag(qtbot, view, _at(view, talk, QPointF(50, 30)), _at(view, talk, QPointF(50, 90)))
    assert doc.history == ["Move 'talk'"]
    for node_id, pos in shown.items():
        if node_id != "talk":
            assert doc.position(node_id) == (round(pos.x()), round(pos.y()))
    doc.undo()
    assert doc.to_yaml() == SCENARIO
    assert view.canvas.card("talk").pos() == shown["talk"]


def test_a_removed_node_leaves_a_missing_card_and_undo_restores_it(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    canvas = view.canvas
    canvas.select_node("grab")
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert not doc.has("grab") and canvas.card("grab") is None
    ghost = canvas.ghost("grab")
    assert ghost is not None and ghost.title == "missing: grab" and ghost.badge == "Missing"
    broken = [a for a in canvas.arrows_from("arrive") if a.target == "grab"]
    assert broken[0].broken and broken[0].pen().style() == Qt.PenStyle.DashLine
    assert "node arrive: choice leads to 'grab', which does not exist" in [
        p.message for p in doc.check()[1]
    ]
    doc.undo()
    assert canvas.ghost("grab") is None and canvas.card("grab") is not None
    assert broken[0].scene() is not None and not broken[0].broken  # the same arrow, whole again
    assert broken[0].pen().style() == Qt.PenStyle.SolidLine
    assert all(not a.broken for a in canvas.arrows_to("grab"))


def test_selected_nodes_arrows_are_highlighted_and_described(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    canvas = view.canvas
    canvas.select_node("talk")
    lit = {(a.source.node_id, a.target) for a in canvas.arrows_to("talk")}
    lit |= {(a.source.node_id, a.target) for a in canvas.arrows_from("talk")}
    for arrow in canvas.scene().items():
        if hasattr(arrow, "highlighted"):
            key = (arrow.source.node_id, arrow.target)
            assert arrow.highlighted == (key in lit)
            assert (arrow.pen().widthF() > 2) == (key in lit)
    assert canvas.accessibleDescription() == "talk: node, 3 choices out, 2 in"


def test_finder_centres_and_selects_a_node(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml((BUNDLED / "s01-ed-waiting-room.yaml").read_text())
    view = make_map(doc)
    qtbot.keyClick(view.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.focusWidget() is view.finder
    qtbot.keyClicks(view.finder, "calm-hand")
    qtbot.keyClick(view.finder, Qt.Key.Key_Return)
    assert view.selected_ids() == ["calm-handoff"]
    card = view.canvas.card("calm-handoff")
    centre = view.canvas.mapToScene(view.canvas.viewport().rect().center())
    assert card.sceneBoundingRect().adjusted(-20, -20, 20, 20).contains(centre)
    assert view.finder.accessibleName() == "Go to node"


def test_fit_shows_every_card_and_zoom_keys_zoom(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml((BUNDLED / "s01-ed-waiting-room.yaml").read_text())
    view = make_map(doc)
    canvas = view.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_F)
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    for node_id in doc.ids():
        assert visible.contains(canvas.card(node_id).sceneBoundingRect()), node_id
    scale = canvas.transform().m11()
    qtbot.keyClick(canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.transform().m11() > scale
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert canvas.transform().m11() == pytest.approx(scale)


def test_arrow_keys_follow_choices_enter_edits(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    canvas = view.canvas
    canvas.select_node("arrive")
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    first = view.selected_ids()
    assert first[0] in ("talk", "grab")
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    second = view.selected_ids()
    assert {first[0], second[0]} == {"talk", "grab"}
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert view.selected_ids() in (["arrive"], ["talk"], ["grab"])
    canvas.select_node("talk")
    with qtbot.waitSignal(view.node_activated) as signal:
        qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert signal.args == ["talk"]


def test_double_click_asks_to_edit_the_node(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    card = view.canvas.card("talk")
    with qtbot.waitSignal(view.node_activated) as signal:
        qtbot.mouseDClick(
            view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_at(view, card, QPointF(40, 40))
        )
    assert signal.args == ["talk"]


def test_a_rename_keeps_the_card_selected_and_arrows_attached(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    view.select_node("talk")
    doc.rename_node("talk", "side-talk")
    assert view.selected_ids() == ["side-talk"]
    assert view.canvas.card("talk") is None and view.canvas.ghost("talk") is None
    assert {a.source.node_id for a in view.canvas.arrows_to("side-talk")} == {"arrive", "grab"}


def test_marks_show_findings_on_cards(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml(SCENARIO)
    view = make_map(doc)
    view.set_marks({"talk": "one plausible choice"})
    assert view.canvas.card("talk").mark == "one plausible choice"
    view.set_marks({})
    assert view.canvas.card("talk").mark == ""


def test_the_bundled_scenario_map_is_readable(qtbot, make_map, tmp_path) -> None:
    doc = ScenarioDoc.from_yaml((BUNDLED / "s01-ed-waiting-room.yaml").read_text())
    view = make_map(doc)
    view.canvas.select_node("staff-huddle")
    view.grab().save(str(tmp_path / "s01-map.png"))
    cards = [view.canvas.card(i) for i in doc.ids()]
    for i, a in enumerate(cards):
        for b in cards[i + 1 :]:
            assert (
                not a.sceneBoundingRect()
                .adjusted(2, 2, -9, -2)
                .intersects(b.sceneBoundingRect().adjusted(2, 2, -9, -2))
            ), (a.node_id, b.node_id)
    assert view.canvas.transform() == QTransform() or view.canvas.transform().m11() >= 0.55
    start = view.canvas.card(doc.start)
    visible = view.canvas.mapToScene(view.canvas.viewport().rect()).boundingRect()
    assert visible.contains(start.sceneBoundingRect())
    assert start.badge == "Start"
    assert all(view.canvas.card(e).badge == "Ending" for e in doc.ending_ids())


def _dark_near(canvas, scene_point: QPointF, radius: int = 2) -> list[QColor]:
    """The painted pixels around a scene point that are darker than the canvas background."""
    image = canvas.viewport().grab().toImage()
    centre = canvas.mapFromScene(scene_point)
    found = []
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            colour = image.pixelColor(centre.x() + dx, centre.y() + dy)
            if colour.lightness() < 200:
                found.append(colour)
    return found


def _far_doc() -> ScenarioDoc:
    """Start -> a far-off node -> the ending (and start -> ending), with open ground around
    each arrow's middle."""
    doc = ScenarioDoc.blank("corner", "Corner")
    doc.move_nodes({"start": (0, 0), "end": (3200, 0)})
    doc.add_node("far", text="Far off.\n", position=(1600, 1200))
    doc.add_choice("start", "far")
    doc.add_choice("far", "end")
    return doc


def test_zoomed_far_out_every_arrow_is_drawn_and_follows_a_dragged_card(qtbot, make_map) -> None:
    doc = _far_doc()
    view = make_map(doc)
    canvas = view.canvas
    canvas.set_scale(0.1)
    canvas.centerOn(canvas.content_rect().center())
    assert canvas.far
    arrows = [*canvas.arrows_from("start"), *canvas.arrows_from("far")]
    assert len(arrows) == 3
    for arrow in arrows:  # drawn by the layer, not item by item, and still on screen
        assert not arrow.isVisible()
        assert _dark_near(canvas, arrow.path().pointAtPercent(0.5)), arrow.target
    into = canvas.arrows_to("far")[0]
    old_middle = into.path().pointAtPercent(0.5)
    far = canvas.card("far")
    viewport, press, end = canvas.viewport(), _at(view, far, QPointF(100, 38)), None
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=press)
    for k in range(1, 5):  # mid-drag, every frame shows the arrow where the card now is
        end = _at(view, far, QPointF(100, 38 + 200))
        qtbot.mouseMove(viewport, end)
        new_middle = into.path().pointAtPercent(0.5)
        assert new_middle.y() - old_middle.y() > 80 * k  # the arrow's end goes with the card
        assert _dark_near(canvas, new_middle)
        assert not _dark_near(canvas, old_middle)  # and nothing is left where it was
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert doc.position("far")[1] > 1800
    assert _dark_near(canvas, new_middle) and not _dark_near(canvas, old_middle)
    assert into.highlighted  # the dropped card is selected; once it is not, the layer draws it
    canvas.scene().clearSelection()
    assert not into.isVisible() and _dark_near(canvas, new_middle)
    # an edit made while zoomed out shows at once, and so does its undo
    doc.add_node("side", position=(1600, -1200))
    doc.add_choice("start", "side")
    middle = canvas.arrows_to("side")[0].path().pointAtPercent(0.5)
    assert _dark_near(canvas, middle)
    doc.undo()
    assert not _dark_near(canvas, middle)


def test_zoomed_far_out_the_selection_and_broken_targets_still_show(qtbot, make_map) -> None:
    doc = _far_doc()
    view = make_map(doc)
    canvas = view.canvas
    canvas.set_scale(0.1)
    canvas.centerOn(canvas.content_rect().center())
    canvas.select_node("far")
    lit = canvas.arrows_to("far")[0]
    assert lit.isVisible() and lit.highlighted
    blue = _dark_near(canvas, lit.path().pointAtPercent(0.5))
    assert blue and all(c.blue() > c.red() + 60 for c in blue)
    doc.remove_node("end")
    broken = canvas.arrows_to("end")[0]
    assert broken.broken and canvas.ghost("end") is not None
    red = [
        c
        for k in range(5, 100, 5)
        for c in _dark_near(canvas, broken.path().pointAtPercent(k / 100), 1)
        if c.red() > c.blue() + 60
    ]
    assert red  # the dashed red line of a missing target, drawn by the layer


def test_long_arrows_run_between_the_cards_they_pass(qtbot, make_map) -> None:
    doc = ScenarioDoc.from_yaml((BUNDLED / "s01-ed-waiting-room.yaml").read_text())
    view = make_map(doc)
    canvas = view.canvas
    rects = {i: canvas.card(i).sceneBoundingRect().adjusted(2, 2, -9, -2) for i in doc.ids()}

    def behind(arrow) -> set[str]:
        path = arrow.path()
        points = [path.pointAtPercent(k / 400) for k in range(401)]
        ends = {arrow.source.node_id, arrow.target}
        return {i for i, r in rects.items() if i not in ends and any(r.contains(p) for p in points)}

    long_arrows = [
        a
        for n in doc.node_ids()
        for a in canvas.arrows_from(n)
        if canvas.card(a.target).pos().x() - a.source.pos().x() > 2 * 300
    ]
    assert len(long_arrows) >= 5
    assert {(a.source.node_id, a.target): behind(a) for a in long_arrows if behind(a)} == {}
    # a card dropped across a long arrow's way: the arrow goes round it once it lands
    arrow = long_arrows[0]
    middle = arrow.path().pointAtPercent(0.5)
    mover = next(i for i in doc.node_ids() if i not in (arrow.source.node_id, arrow.target))
    doc.move_nodes({mover: (round(middle.x() - 100), round(middle.y() - 38))})
    rects[mover] = canvas.card(mover).sceneBoundingRect().adjusted(2, 2, -9, -2)
    assert rects[mover].contains(middle) and mover not in behind(arrow)


def test_the_link_handle_says_what_it_does_and_a_hint_says_how_to_link(qtbot, make_map) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    view = make_map(ScenarioDoc.from_yaml(SCENARIO))
    card = view.canvas.card("arrive")
    viewport = view.canvas.viewport()

    def tip_at(where: QPointF) -> str:
        QToolTip.hideText()
        point = _at(view, card, where)
        event = QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
        QApplication.sendEvent(viewport, event)
        return QToolTip.text() if QToolTip.isVisible() else ""

    assert tip_at(card.handle_center()) == "Drag to another card to add a choice leading there"
    # elsewhere on the card: the card's own tooltip (its id and text), not the handle's
    assert tip_at(QPointF(60, 40)).startswith("arrive")
    assert view.hint.isVisible()
    assert view.hint.text() == (
        "Drag from ⊕ (or Shift-drag a card) onto another card to link them; double-click a "
        "card to edit it."
    )
    assert view.hint.geometry().top() >= view.canvas.geometry().bottom()
