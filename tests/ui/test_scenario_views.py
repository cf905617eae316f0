"""A trainee plays a scenario with the keyboard alone; meters, feedback, debrief, resume, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Team
from tests.core.scenario_fixtures import write_scenarios
from tests.ui.conftest import sign_in
from trainer.core.services import library, practice
from trainer.ui.views.scenarios import ScenariosView


@pytest.fixture
def with_scenario(sqlite_team: Team, sqlite_db, clock, tmp_path: Path) -> Team:
    with sqlite_db.begin() as session:
        library.import_bundled(session, write_scenarios(tmp_path / "bundle"), now=clock.now())
    return sqlite_team


def _scenarios(qtbot, make_window) -> ScenariosView:
    window = make_window()
    sign_in(qtbot, window, "tom")
    return window.workspace.show_screen("Scenarios")


def test_keyboard_only_assessment_to_an_ending(
    qtbot, make_window, with_scenario: Team, sqlite_db
) -> None:
    view = _scenarios(qtbot, make_window)
    assert view.list.model.rows[0].title == "A dispute on the corner"
    view.list.table.setFocus()
    qtbot.keyClick(view.list.table, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    if view.stack.currentWidget() is not view.player:  # no window manager: use the button
        view.list.assess.click()
    player = view.player
    assert view.stack.currentWidget() is player
    assert player.mode.text().startswith("Assessment") and not player.undo.isVisible()
    tension = player.meters["tension"]
    assert tension.bar.value() == 6 and tension.title.text() == "Tension (lower is better)"
    assert player.choice_buttons[0].text().startswith("1. Stand at an angle")
    qtbot.keyClick(player, Qt.Key.Key_1)
    assert tension.bar.value() == 4 and tension.change.text() == "▼ down 2"
    assert player.feedback.text().startswith("<b>Feedback:</b> Greeting someone")
    assert "down 2" in tension.bar.accessibleName()
    qtbot.keyClick(player, Qt.Key.Key_1)
    assert view.stack.currentWidget() is view.debrief
    text = view.debrief.text.toPlainText()
    assert "Outcome: Resolved well. Passed (assessment): 6 of 6 points" in text
    assert "Separating the parties" in text and "Critical errors\nNone." in text
    with sqlite_db.begin() as session:
        [record] = practice.history(session, with_scenario.trainee, with_scenario.trainee.id)
    assert (record.steps, record.passed, record.mode) == (2, True, "assessment")


def test_practice_has_undo_and_critical_errors_reach_the_debrief(
    qtbot, make_window, with_scenario: Team
) -> None:
    view = _scenarios(qtbot, make_window)
    view.list.practice.click()
    player = view.player
    assert player.undo.isVisible() and not player.undo.isEnabled()
    qtbot.keyClick(player, Qt.Key.Key_2)  # grab the chain
    assert player.undo.isEnabled() and player.meters["tension"].bar.value() == 10
    player.undo.click()
    assert player.meters["tension"].bar.value() == 6
    qtbot.keyClick(player, Qt.Key.Key_2)
    qtbot.keyClick(player, Qt.Key.Key_1)  # back off: the bad ending
    text = view.debrief.text.toPlainText()
    assert "Went badly. Not passed (practice)" in text
    assert "At arrive: Physical intervention in an armed dispute." in text


def test_an_interrupted_attempt_resumes_after_a_restart(
    qtbot, make_window, with_scenario: Team
) -> None:
    view = _scenarios(qtbot, make_window)
    view.list.practice.click()
    qtbot.keyClick(view.player, Qt.Key.Key_1)
    again = _scenarios(qtbot, make_window)  # a new window on the same database
    assert again.list.model.rows[0].unfinished_attempt is not None
    assert again.list.resume.isEnabled()
    again.list.resume.click()
    assert again.player.choice_buttons[0].text().startswith("1. Suggest the chain")
    assert again.player.meters["trust"].bar.value() == 5


def test_admin_sets_the_police_policy_and_new_attempts_follow_it(
    qtbot, make_window, with_scenario: Team, sqlite_db, clock
) -> None:
    window = make_window()
    sign_in(qtbot, window, "ada")
    org = window.workspace.show_screen("Organization")
    box = org.policy_boxes["share_names_with_police"]
    assert not box.isChecked() and "default" in box.text()
    box.setChecked(True)
    with sqlite_db.begin() as session:
        play = practice.start(
            session, with_scenario.trainee, "t-corner", practice.PRACTICE, now=clock.now()
        )
        play = practice.choose(session, with_scenario.trainee, play.attempt_id, 0, now=clock.now())
    assert [i for i, _ in play.offered] == [0, 1, 2]
    assert org.audit_model.rows[0].action == "policy.changed"


def test_the_trainee_sees_their_own_attempt_history(
    qtbot, make_window, with_scenario: Team
) -> None:
    view = _scenarios(qtbot, make_window)
    view.list.assess.click()
    qtbot.keyClick(view.player, Qt.Key.Key_1)
    qtbot.keyClick(view.player, Qt.Key.Key_1)
    qtbot.mouseClick(view.debrief.back, Qt.MouseButton.LeftButton)
    [attempt] = view.list.history_model.rows
    row = [view.list.history_model.data(view.list.history_model.index(0, c)) for c in range(1, 7)]
    assert row == ["A dispute on the corner", "Assessment", "Resolved well", "100%", "Passed", "2"]
    assert attempt.passed
