"""Pages fit the default 1100x720 window at 100% and 200% text: no sideways scrolling, nothing cut
off; the debrief opens at its top and names the path in words, not node ids."""

from __future__ import annotations

import html
import os
import re
from itertools import pairwise

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from tests.conftest import Team
from tests.ui.conftest import sign_in
from trainer.core.paths import bundled_content_root
from trainer.core.services import library
from trainer.ui.main_window import MainWindow

ZOOMS = pytest.mark.parametrize("zoom", [0, 10], ids=["100%", "200%"])  # zoom steps of 10%
SHOTS = os.environ.get("TRAINER_LAYOUT_SHOTS")  # a folder: save what each test saw, to look at


def settle(window: MainWindow, name: str) -> None:
    for _ in range(3):  # zoom re-fonts on the next turn of the loop, then layouts follow
        QApplication.processEvents()
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, f"{name}.png"))


def sideways(window: MainWindow) -> bool:
    bar = window.centralWidget().horizontalScrollBar()
    return bar.isVisible() and bar.maximum() > 0


def page_fits(window: MainWindow, page: QWidget) -> bool:
    """The page's narrowest layout fits beside the navigation list in the window: the whole
    window scrolls sideways while any page (even one not shown) is wider, see the closing note."""
    margins = window.workspace.layout().contentsMargins()
    room = (
        window.centralWidget().viewport().width()
        - window.workspace.nav.width()
        - margins.left()
        - margins.right()
        - window.workspace.layout().spacing()
    )
    return page.minimumSizeHint().width() <= room


@pytest.fixture(autouse=True)
def _default_text_size():
    """Zoom sets the application's font: give the next test (in this worker) its default."""
    font = QApplication.font()
    yield
    QApplication.setFont(font)


@pytest.fixture
def bundled(sqlite_team: Team, sqlite_db, clock) -> Team:
    with sqlite_db.begin() as session:
        library.import_bundled(session, bundled_content_root(), now=clock.now())
    return sqlite_team


@ZOOMS
def test_long_choices_wrap_and_the_debrief_fits_and_opens_at_its_top(
    qtbot, make_window, bundled: Team, zoom: int
) -> None:
    window = make_window()
    sign_in(qtbot, window, "tom")
    window.zoom(zoom)
    view = window.workspace.show_screen("Scenarios")
    view.start("s01-ed-waiting-room", "practice")
    settle(window, f"player-{zoom}")
    player = view.player
    longest = max(player.choice_buttons, key=lambda b: len(b.words()))
    assert len(longest.words()) > 90
    # The whole choice is shown: its label is as tall as its wrapped words need.
    label = longest.label
    assert label.height() >= label.heightForWidth(label.width())
    assert page_fits(window, view)
    player.pick(1)
    settle(window, f"player-after-choice-{zoom}")
    assert page_fits(window, view)
    while view.stack.currentWidget() is player:
        player.pick(1)
    settle(window, f"debrief-{zoom}")
    assert page_fits(window, view)
    assert window.centralWidget().verticalScrollBar().value() == 0
    assert view.debrief.text.verticalScrollBar().value() == 0
    assert view.debrief.title.visibleRegion().boundingRect().height() == view.debrief.title.height()
    if zoom == 0:  # and no sideways scrollbar stays behind on other pages
        for page in window.workspace.labels():
            window.workspace.show_screen(page)
            settle(window, f"after-{page}-{zoom}")
            assert not sideways(window), page


def test_the_debrief_names_each_step_by_its_words(qtbot, make_window, bundled: Team) -> None:
    window = make_window()
    sign_in(qtbot, window, "tom")
    view = window.workspace.show_screen("Scenarios")
    view.start("s01-ed-waiting-room", "practice")
    view.player.pick(1)
    while view.stack.currentWidget() is view.player:
        view.player.pick(1)
    text = view.debrief.text.toPlainText()
    path = text.split("Your path")[1].split("Expert path")[0]
    scenario = view.player.play.scenario
    visited = [step.node for step in view.player.play.state.path]
    first = scenario.nodes[visited[0]].choices[view.player.play.state.path[0].choice]
    assert first.text in path  # the choice taken at the first step, in its own words
    assert "Ending: " + scenario.endings[view.player.play.state.node].title in path
    for node in visited:
        assert f"{node} →" not in text and f"\n{node}\n" not in text
    assert "→" not in path


def test_the_debrief_path_names_the_choices_actually_taken(
    qtbot, make_window, bundled: Team
) -> None:
    """In s11 several choices lead to the same situation; the path named the first one listed
    (often the worst) instead of the one taken, and the expert path a 0-point choice."""
    window = make_window()
    sign_in(qtbot, window, "tom")
    view = window.workspace.show_screen("Scenarios")
    view.start("s11-family-support-group", "practice")
    player = view.player
    while view.stack.currentWidget() is player:
        player.pick(len(player.play.offered))  # the last choice offered each time
    play = player.play
    scenario = play.scenario
    taken = [scenario.nodes[step.node].choices[step.choice].text for step in play.state.path]
    items = view.debrief.text.toHtml().split("Your path")[1].split("Expert path")
    yours = [html.unescape(i) for i in re.findall(r"<li[^>]*>(?:<[^>]+>)*([^<]*)", items[0])]
    assert yours[: len(taken)] == taken
    expert = [html.unescape(i) for i in re.findall(r"<li[^>]*>(?:<[^>]+>)*([^<]*)", items[1])]
    best = play.best_path
    for number, (here, there) in enumerate(pairwise(best)):
        if here not in scenario.nodes:
            continue
        leading = [c for c in scenario.nodes[here].choices if c.target == there]
        named = next(c for c in leading if c.text == expert[number])
        assert named.total_points == max(c.total_points for c in leading)


@pytest.mark.parametrize("zoom", [0, 10, 15], ids=["100%", "200%", "250%"])
def test_the_scene_shows_six_lines_of_text_at_any_size(
    qtbot, make_window, bundled: Team, zoom: int
) -> None:
    """At large text the scene box shrank to one line (only the speaker) while the page
    scrolled anyway; now it keeps six lines and the page scrolls down to the choices. At 100%
    the choices and Undo/Leave are still in view without scrolling."""
    window = make_window()
    window.resize(1100, 720)
    sign_in(qtbot, window, "tom")
    window.zoom(zoom)
    view = window.workspace.show_screen("Scenarios")
    view.start("s01-ed-waiting-room", "practice")
    player = view.player
    player.pick(1)
    settle(window, f"scene-{zoom}")
    scene = player.scene
    six_lines = 6 * scene.fontMetrics().lineSpacing()
    assert scene.viewport().height() >= six_lines
    if zoom == 0:
        area = window.centralWidget()
        assert area.verticalScrollBar().maximum() == 0  # nothing to scroll down to
        for widget in [*player.choice_buttons, player.undo, player.leave]:
            assert widget.visibleRegion().boundingRect().height() == widget.height()
