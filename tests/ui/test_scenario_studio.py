"""The scenario studio: a trainer builds a scenario on the map, edits a choice in the side panel,
sees findings appear and clear, undoes and redoes, play-tests from a middle node, publishes
(and cannot while a finding remains); drafts survive a dropped page; a Twee import saves nothing
until the person accepts its report."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from sqlalchemy import func, select

from tests.conftest import Team
from tests.core.scenario_fixtures import SCENARIO
from tests.ui.conftest import sign_in
from trainer.core.models import ContentDocument, ScenarioAttempt
from trainer.core.services import library
from trainer.ui import dialogs
from trainer.ui.story_map import NodeCard, StoryMapView
from trainer.ui.views.scenario_studio import ScenarioStudioView

TWEE = """:: StoryTitle
Corner talk

:: StoryData
{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC", "start": "Arrive"}

:: Arrive
Two men argue. <<set $tension to 5>>
[[Greet the one you know->Talk]]
[[Walk away->Gone]]

:: Talk [ending]
He steps aside.

:: Gone [ending]
You left.
"""


def _open_studio(qtbot, make_window) -> ScenarioStudioView:
    window = make_window()
    window.resize(1100, 720)
    sign_in(qtbot, window, "tina")
    view = window.workspace.show_screen("Scenario studio")
    assert isinstance(view, ScenarioStudioView)
    return view


@pytest.fixture
def studio(qtbot, make_window, sqlite_team: Team, sqlite_db, clock) -> ScenarioStudioView:
    with sqlite_db.begin() as session:
        library.create_document(
            session, sqlite_team.trainer, "scenario", "t-corner", SCENARIO, now=clock.now()
        )
    view = _open_studio(qtbot, make_window)
    view.select_key("t-corner")
    return view


def _shown(view: ScenarioStudioView) -> list[str]:
    return [view.findings.item(i).text() for i in range(view.findings.count())]


def _problems(view: ScenarioStudioView) -> list[str]:
    return [t for t in _shown(view) if t.startswith("Problem")]


def _at(map_view: StoryMapView, card: NodeCard, where: QPointF) -> QPoint:
    return map_view.canvas.mapFromScene(card.pos() + where)


def _drag(qtbot, map_view: StoryMapView, start: QPoint, end: QPoint) -> None:
    viewport = map_view.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 7):
        qtbot.mouseMove(viewport, start + (end - start) * k / 6)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def _body(sqlite_db, team: Team, key: str) -> str:
    with sqlite_db.begin() as session:
        doc = library.find_document(session, team.trainer, "scenario", key)
        return library.versions(session, team.trainer, doc.id)[0].body


def test_build_a_scenario_on_the_map_finding_appears_and_clears_undo_redo(
    qtbot, make_window, sqlite_team: Team, sqlite_db, monkeypatch
) -> None:
    view = _open_studio(qtbot, make_window)
    monkeypatch.setattr(
        dialogs.NewScenarioDialog,
        "ask",
        classmethod(lambda cls, parent, submit: submit(("corner-talk", "Corner talk"))),
    )
    qtbot.mouseClick(view.new, Qt.MouseButton.LeftButton)
    doc = view.doc
    assert doc is not None and doc.data["id"] == "corner-talk"
    assert view.picker.currentText().startswith("Corner talk")
    assert _problems(view) == []
    # a one-path scenario: every answer strategy passes it (a quality finding, not a block)
    qtbot.waitUntil(
        lambda: "Quality: the strategy 'always the longest' passes this scenario" in _shown(view)
    )
    assert view.publish.isEnabled()
    # a new node: a dead end the validator names, in the panel and on its card in words
    qtbot.mouseClick(view.add_node, Qt.MouseButton.LeftButton)
    new = view.node_panel.node
    assert new == "node-1" and doc.has(new)
    qtbot.waitUntil(lambda: any("node node-1: dead end" in t for t in _shown(view)))
    assert view.map.canvas.card("node-1").mark == "dead end, unreachable"
    assert not view.publish.isEnabled()
    assert "Publishing is blocked" in view.blocked.text()
    # link start -> node-1 and node-1 -> end by dragging from each card's handle
    map_view = view.map
    map_view.fit()
    start, node, end = (map_view.canvas.card(i) for i in ("start", "node-1", "end"))
    _drag(
        qtbot,
        map_view,
        _at(map_view, start, start.handle_center()),
        _at(map_view, node, QPointF(60, 40)),
    )
    _drag(
        qtbot,
        map_view,
        _at(map_view, node, node.handle_center()),
        _at(map_view, end, QPointF(60, 40)),
    )
    assert doc.targets("node-1") == ["end"]
    assert view.undo.accessibleName() == "Undo Link 'node-1' → 'end' (Ctrl+Z)"
    qtbot.waitUntil(lambda: _problems(view) == [])
    assert map_view.canvas.card("node-1").mark == ""
    assert view.publish.isEnabled()
    # edit the new choice in the side panel: typing is one undo step
    map_view.select_node("node-1")
    panel = view.node_panel
    assert panel.node == "node-1" and panel.choices.count() == 1
    panel.choice_text.selectAll()
    qtbot.keyClicks(panel.choice_text, "Walk him to the corner")
    assert doc.choices("node-1")[0]["text"] == "Walk him to the corner"
    assert doc.undo_text == "Edit a choice's text in 'node-1'"
    panel.point_spins["deescalation"].setValue(2)
    assert doc.choices("node-1")[0]["points"] == {"deescalation": 2}
    # Ctrl+Z in the field undoes the document's steps, Ctrl+Shift+Z redoes them
    panel.choice_text.setFocus()
    qtbot.keyClick(panel.choice_text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "points" not in doc.choices("node-1")[0]
    qtbot.keyClick(panel.choice_text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.choices("node-1")[0]["text"] == "(Write what the trainee does.)"
    assert panel.choice_text.toPlainText() == "(Write what the trainee does.)"
    # undo the link: the dead end comes back; redo: it goes again
    view.undo.click()
    assert doc.targets("node-1") == []
    qtbot.waitUntil(lambda: any("node node-1: dead end" in t for t in _shown(view)))
    panel.text.setFocus()
    qtbot.keyClick(
        panel.text,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert doc.targets("node-1") == ["end"]
    qtbot.waitUntil(lambda: _problems(view) == [])
    assert view.redo.isEnabled()


def test_broken_target_is_named_clicking_it_selects_the_node_and_fixing_clears_it(
    qtbot, studio: ScenarioStudioView
) -> None:
    doc = studio.doc
    doc.set_choice_target("grab", 0, "nowhere")
    qtbot.waitUntil(lambda: any("'nowhere', which does not exist" in t for t in _shown(studio)))
    row = next(i for i, t in enumerate(_shown(studio)) if "nowhere" in t)
    studio.findings.setCurrentRow(row)
    qtbot.keyClick(studio.findings, Qt.Key.Key_Return)
    assert studio.map.selected_ids() == ["grab"]
    assert studio.node_panel.node == "grab"
    assert studio.map.canvas.card("grab").mark == "broken link"
    panel = studio.node_panel
    assert panel.target.currentText() == "missing: nowhere"
    panel.target.setCurrentIndex(panel.target.findData("bad"))
    panel.target.activated.emit(panel.target.currentIndex())
    assert doc.targets("grab")[0] == "bad"
    qtbot.waitUntil(lambda: not any("nowhere" in t for t in _shown(studio)))


def test_siblings_view_notes_when_the_best_choice_is_the_longest(
    qtbot, studio: ScenarioStudioView
) -> None:
    studio.map.select_node("arrive")
    text = studio.node_panel.siblings.text()
    assert "1. 10 words, 45 characters, 3 points" in text
    assert "is also the longest" in text
    studio.doc.set_choice_text(
        "arrive", 1, "Grab the chain out of his hands and tell them both off."
    )
    assert "is also the longest" not in studio.node_panel.siblings.text()


def test_play_test_from_a_middle_node_with_a_set_meter_records_no_attempt(
    qtbot, studio: ScenarioStudioView, sqlite_db
) -> None:
    play = studio.play_panel
    studio.tabs.setCurrentIndex(2)
    # tension at 10 hides "Call your partner" (it needs tension at most 9)
    play.meter_spins["tension"].setValue(10)
    studio.map.select_node("grab")
    qtbot.mouseClick(play.from_selected, Qt.MouseButton.LeftButton)
    assert [b.words() for b in play.buttons] == ["1. Back off."]
    assert "Tension 10" in play.status.text()
    play.restart.click()
    play.meter_spins["tension"].setValue(4)
    qtbot.mouseClick(play.from_selected, Qt.MouseButton.LeftButton)
    assert [b.words() for b in play.buttons] == ["1. Back off.", "2. Call your partner."]
    qtbot.mouseClick(play.buttons[1], Qt.MouseButton.LeftButton)
    assert "At talk." in play.status.text() and "1 of 1 points" in play.status.text()
    assert "Asking for help is right." in play.feedback.text()
    qtbot.mouseClick(play.buttons[0], Qt.MouseButton.LeftButton)
    assert play.status.text().startswith("Ending calm: passed.")
    assert "Tension 1" in play.status.text()
    play.restart.click()
    assert "At grab." in play.status.text()
    with sqlite_db.begin() as session:
        assert session.scalar(select(func.count()).select_from(ScenarioAttempt)) == 0


def test_publish_is_blocked_while_a_finding_remains_then_publishes(
    qtbot, studio: ScenarioStudioView, sqlite_team: Team, sqlite_db
) -> None:
    doc = studio.doc
    node = doc.add_node("stuck")
    doc.add_choice("talk", node)
    qtbot.waitUntil(lambda: not studio.publish.isEnabled())
    assert "1 problem the validator found" in studio.blocked.text()
    doc.add_choice("stuck", "calm")
    qtbot.waitUntil(studio.publish.isEnabled)
    qtbot.keyClicks(studio.note, "A new branch")
    qtbot.mouseClick(studio.publish, Qt.MouseButton.LeftButton)
    assert studio.state.text().startswith("Published version 1.")
    with sqlite_db.begin() as session:
        found = library.find_document(session, sqlite_team.trainer, "scenario", "t-corner")
        live = library.live_version(session, sqlite_team.trainer, found.id)
    assert (live.number, live.note) == (1, "A new branch")
    assert "id: stuck" in live.body


def test_autosaved_draft_survives_dropping_the_page(
    qtbot, studio: ScenarioStudioView, make_window, sqlite_team: Team, sqlite_db
) -> None:
    studio.map.select_node("talk")
    qtbot.keyClicks(studio.node_panel.speaker, "Marcus")
    qtbot.waitUntil(lambda: "Draft saved" in studio.state.text(), timeout=6000)
    assert "speaker: Marcus" in _body(sqlite_db, sqlite_team, "t-corner")
    # the page goes without being closed or hidden (a crash): the draft is there next time
    studio.doc.unsubscribe(studio._on_doc_changed)
    studio.autosave_timer.stop()
    again = _open_studio(qtbot, make_window)
    again.select_key("t-corner")
    assert again.doc.entry("talk")["speaker"] == "Marcus"
    assert "Editing the draft" in again.state.text()


def test_import_twee_shows_the_report_and_saves_nothing_until_accepted(
    qtbot, studio: ScenarioStudioView, sqlite_db, tmp_path: Path, monkeypatch
) -> None:
    story = tmp_path / "Corner Talk.twee"
    story.write_text(TWEE)
    reports: list[list[str]] = []

    def decline(cls, parent, lines, can_import, **clash):
        reports.append(lines)
        return None

    monkeypatch.setattr(dialogs.ImportReportDialog, "ask", classmethod(decline))
    assert studio.import_file(story) is None
    assert reports[0][0].startswith("Corner Talk.twee: 3 passages: 1 node with 2 choices")
    assert any("story-format code kept as text" in line for line in reports[0])
    with sqlite_db.begin() as session:
        assert session.scalar(select(func.count()).select_from(ContentDocument)) == 1
    monkeypatch.setattr(
        dialogs.ImportReportDialog, "ask", classmethod(lambda cls, p, lines, ok, key: ("new", key))
    )
    assert studio.import_file(story) is not None
    assert studio.doc.data["id"] == "corner-talk"
    assert studio.doc.ids() == ["Arrive", "Talk", "Gone"]
    with sqlite_db.begin() as session:
        assert session.scalar(select(func.count()).select_from(ContentDocument)) == 2


def test_import_report_of_a_broken_file_offers_no_import(
    qtbot, studio: ScenarioStudioView, tmp_path: Path
) -> None:
    story = tmp_path / "broken.twee"
    story.write_text("no passages here\n")
    dialog = dialogs.ImportReportDialog(studio, ["broken.twee: error: no passages"], False)
    qtbot.addWidget(dialog)
    assert not hasattr(dialog, "import_button")
    assert "cannot be imported" in dialog.findChildren(type(studio.state))[0].text()


def test_importing_a_story_whose_id_exists_offers_a_new_draft_or_another_id(
    qtbot, studio: ScenarioStudioView, sqlite_db, tmp_path: Path, monkeypatch
) -> None:
    """The loop export → edit in Twine → import back: the report says up front that the id
    exists, and nothing is saved until a button is pressed."""
    story = tmp_path / "T Corner.twee"
    story.write_text(TWEE)
    existing_title = studio.doc.data["title"]
    dialogs_seen: list[dialogs.ImportReportDialog] = []

    def answer(press):
        def ask(cls, parent, lines, can_import, **clash):
            dialog = cls(parent, lines, can_import, **clash)
            qtbot.addWidget(dialog)
            dialogs_seen.append(dialog)
            press(dialog)
            return dialog.choice

        monkeypatch.setattr(dialogs.ImportReportDialog, "ask", classmethod(ask))

    def count() -> int:
        with sqlite_db.begin() as session:
            return session.scalar(select(func.count()).select_from(ContentDocument))

    answer(lambda d: d.reject())
    assert studio.import_file(story) is None
    dialog = dialogs_seen[-1]
    intro = dialog.findChildren(type(studio.state))[0].text()
    assert "A scenario with id 't-corner' already exists" in intro
    assert dialog.draft_button.text() == f"Save as a new &draft of '{existing_title}'"
    assert dialog.new_id.text() == "t-corner-2"
    assert count() == 1

    # another id: the project's id rule and the ids taken are checked as they type
    def bad_then_good(d):
        d.new_id.setText("Corner Bus")
        assert not d.import_button.isEnabled()
        assert "lowercase letters, digits and hyphens" in d.id_problem.text()
        d.new_id.setText("t-corner")
        assert not d.import_button.isEnabled()
        assert "already exists" in d.id_problem.text()
        d.new_id.setText("corner-talk-2")
        assert d.import_button.isEnabled()
        qtbot.mouseClick(d.import_button, Qt.MouseButton.LeftButton)

    answer(bad_then_good)
    created = studio.import_file(story)
    assert created is not None and count() == 2
    assert studio.doc.data["id"] == "corner-talk-2"
    assert studio.doc.ids() == ["Arrive", "Talk", "Gone"]

    # a new draft of the existing scenario: its published version stays live
    with sqlite_db.begin() as session:
        doc_id = library.find_document(session, studio.person, "scenario", "t-corner").id
        library.publish(session, studio.person, doc_id, now=studio.ctx.clock.now())
    answer(lambda d: qtbot.mouseClick(d.draft_button, Qt.MouseButton.LeftButton))
    assert studio.import_file(story) == doc_id
    assert count() == 2
    assert studio.document_id == doc_id
    assert studio.doc.data["id"] == "t-corner"
    assert studio.doc.ids() == ["Arrive", "Talk", "Gone"]
    with sqlite_db.begin() as session:
        found = library.versions(session, studio.person, doc_id)
    assert [v.is_draft for v in found] == [True, False]  # nothing published automatically
    assert "Editing the draft" in studio.state.text()


def test_new_cards_go_beside_the_selected_card_in_a_column_and_arrange_lays_out_all(
    qtbot, studio: ScenarioStudioView
) -> None:
    from trainer.core.story_layout import CARD_HEIGHT, CARD_WIDTH, GAP_X, layered_layout

    map_view, doc = studio.map, studio.doc
    canvas = map_view.canvas
    talk = canvas.card("talk")
    map_view.go_to("talk")
    for _ in range(4):
        qtbot.mouseClick(studio.add_node, Qt.MouseButton.LeftButton)
    added = ["node-1", "node-2", "node-3", "node-4"]
    cards = [canvas.card(i) for i in added]
    # all four right of 'talk' (not a row running off to the right), none on another card
    assert {c.pos().x() for c in cards} == {talk.pos().x() + CARD_WIDTH + GAP_X}
    tops = sorted(c.pos().y() for c in cards)
    assert all(b - a >= CARD_HEIGHT for a, b in itertools.pairwise(tops))
    for card in cards:
        others = [
            o
            for o in canvas.scene().items(card.sceneBoundingRect().adjusted(2, 2, -2, -2))
            if isinstance(o, NodeCard) and o is not card
        ]
        assert others == []
    # nothing selected: the new card is in the part of the map in view
    canvas.scene().clearSelection()
    qtbot.mouseClick(studio.add_ending, Qt.MouseButton.LeftButton)
    ending = canvas.card(studio.node_panel.node)
    seen = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert seen.contains(ending.sceneBoundingRect().center())
    # Arrange: every card where the layered layout puts it, in one undo step
    before = {i: canvas.card(i).pos() for i in doc.ids()}
    arrange = next(b for b in map_view.findChildren(type(studio.add_node)) if b.text() == "Arrange")
    assert arrange.accessibleName() == "Arrange all cards by the story (Ctrl+Shift+R)"
    qtbot.mouseClick(arrange, Qt.MouseButton.LeftButton)
    edges = {n: doc.targets(n) for n in doc.node_ids()}
    laid = layered_layout(doc.ids(), edges, doc.start, doc.ending_ids())
    assert {i: doc.position(i) for i in doc.ids()} == laid
    assert {i: (canvas.card(i).pos().x(), canvas.card(i).pos().y()) for i in doc.ids()} == laid
    assert studio.undo.accessibleName() == "Undo Arrange the map (Ctrl+Z)"
    qtbot.mouseClick(studio.undo, Qt.MouseButton.LeftButton)
    assert {i: canvas.card(i).pos() for i in doc.ids()} == before
    # the shortcut works from the side panel too
    studio.node_panel.text.setFocus()
    qtbot.keyClick(
        studio.node_panel.text,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert {i: doc.position(i) for i in doc.ids()} == laid


def test_play_test_choices_are_in_view_at_1100x720(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock
) -> None:
    """The scene text scrolls itself (a few lines) so the choices under it are not pushed below
    the fold, with a bundled scenario's three meters set up above."""
    bundled = Path(__file__).resolve().parents[2] / "scenarios" / "s01-ed-waiting-room.yaml"
    with sqlite_db.begin() as session:
        library.create_document(
            session,
            sqlite_team.trainer,
            "scenario",
            "s01-ed-waiting-room",
            bundled.read_text(),
            now=clock.now(),
        )
    view = _open_studio(qtbot, make_window)
    view.select_key("s01-ed-waiting-room")
    window = view.window()
    play = view.play_panel
    view.tabs.setCurrentIndex(2)
    assert len(play.meter_spins) == 3
    qtbot.mouseClick(play.from_start, Qt.MouseButton.LeftButton)
    assert len(play.buttons) >= 2
    # Wholly shown, once the layout has settled (on a busy machine it takes a few event
    # loops): not clipped by the panel's scroll area nor by the page or the window.
    qtbot.waitUntil(
        lambda: all(b.visibleRegion().boundingRect() == b.rect() for b in play.buttons),
        timeout=3000,
    )
    lines = play.scene.fontMetrics().lineSpacing()
    assert 4 * lines <= play.scene.height() <= 12 * lines
    for b in play.buttons:
        top_left = b.mapTo(window, QPoint(0, 0))
        assert window.rect().contains(top_left + QPoint(b.width() - 1, b.height() - 1))
