"""A trainee plays a scenario with the keyboard alone; meters, feedback, debrief, resume, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Team
from tests.core.scenario_fixtures import write_scenarios
from tests.ui.conftest import sign_in
from trainer.core.paths import bundled_content_root
from trainer.core.services import library, practice
from trainer.ui import messages
from trainer.ui.views.scenarios import ScenariosView


@pytest.fixture
def with_scenario(sqlite_team: Team, sqlite_db, clock, tmp_path: Path) -> Team:
    with sqlite_db.begin() as session:
        library.import_bundled(session, write_scenarios(tmp_path / "bundle"), now=clock.now())
    return sqlite_team


@pytest.fixture(autouse=True)
def confirmations(monkeypatch) -> list[str]:
    """Answer Start in every confirmation, and keep what each one said."""
    said: list[str] = []

    def confirm(_parent, _title, text, yes="OK"):
        said.append(text)
        return True

    monkeypatch.setattr(messages, "confirm", confirm)
    return said


def _scenarios(qtbot, make_window) -> ScenariosView:
    window = make_window()
    sign_in(qtbot, window, "tom")
    return window.workspace.show_screen("Scenarios")


def press(qtbot, player, text: str) -> None:
    """Press the number key of the choice that starts with `text` (the order is shuffled)."""
    [number] = [n for n, b in enumerate(player.choice_buttons, 1) if b.words()[3:].startswith(text)]
    qtbot.keyClick(player, getattr(Qt.Key, f"Key_{number}"))


def test_keyboard_only_assessment_to_an_ending(
    qtbot, make_window, with_scenario: Team, sqlite_db, confirmations
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
    [said] = confirmations
    assert "counts toward your credentials" in said and "used 0 of 3" in said
    assert sorted(b.words()[3:] for b in player.choice_buttons) == [
        "Grab the chain.",
        "Stand at an angle and greet the one you know.",
    ]
    press(qtbot, player, "Stand at an angle")
    assert tension.bar.value() == 4 and tension.change.text() == "▼ down 2"
    assert "Greeting someone" not in player.feedback.text()  # no feedback mid-assessment
    assert "appear in the debrief" in player.feedback.text()
    assert "down 2" in tension.bar.accessibleName()
    press(qtbot, player, "Suggest the chain")
    assert view.stack.currentWidget() is view.debrief
    text = view.debrief.text.toPlainText()
    assert "Outcome: Resolved well. Passed (assessment): 6 of 6 points" in text
    assert "Separating the parties" in text and "Critical errors\nNone." in text
    assert "You chose: Stand at an angle" in text and "Greeting someone" in text
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
    press(qtbot, player, "Grab the chain")
    assert player.undo.isEnabled() and player.meters["tension"].bar.value() == 10
    assert player.feedback.text().startswith("<b>Feedback:</b>")  # practice: at once
    player.undo.click()
    assert player.meters["tension"].bar.value() == 6
    press(qtbot, player, "Grab the chain")
    press(qtbot, player, "Back off")  # the bad ending
    text = view.debrief.text.toPlainText()
    assert "Went badly. Not passed (practice)" in text
    assert "At “Two men shout over a chain while friends…”: Physical intervention" in text


def test_an_interrupted_attempt_resumes_after_a_restart(
    qtbot, make_window, with_scenario: Team
) -> None:
    view = _scenarios(qtbot, make_window)
    view.list.practice.click()
    press(qtbot, view.player, "Stand at an angle")
    again = _scenarios(qtbot, make_window)  # a new window on the same database
    assert again.list.model.rows[0].unfinished_attempt is not None
    assert again.list.resume.isEnabled()
    again.list.resume.click()
    assert any(b.words()[3:].startswith("Suggest the chain") for b in again.player.choice_buttons)
    assert again.player.meters["trust"].bar.value() == 5


def test_admin_sets_the_police_policy_and_new_attempts_follow_it(
    qtbot, make_window, with_scenario: Team, sqlite_db, clock
) -> None:
    window = make_window()
    sign_in(qtbot, window, "ada")
    org = window.workspace.show_screen("Organization")
    box = org.policy_boxes["share_names_with_police"]
    assert not box.isChecked() and "default" in box.parentWidget().text()  # WrappingChoice
    box.setChecked(True)
    with sqlite_db.begin() as session:
        play = practice.start(
            session, with_scenario.trainee, "t-corner", practice.PRACTICE, now=clock.now()
        )
        play = practice.choose(session, with_scenario.trainee, play.attempt_id, 0, now=clock.now())
    assert sorted(i for i, _ in play.offered) == [0, 1, 2]
    assert org.audit_model.rows[0].action == "policy.changed"


def test_the_trainee_sees_their_own_attempt_history(
    qtbot, make_window, with_scenario: Team
) -> None:
    view = _scenarios(qtbot, make_window)
    view.list.assess.click()
    press(qtbot, view.player, "Stand at an angle")
    press(qtbot, view.player, "Suggest the chain")
    qtbot.mouseClick(view.debrief.back, Qt.MouseButton.LeftButton)
    [attempt] = view.list.history_model.rows
    row = [view.list.history_model.data(view.list.history_model.index(0, c)) for c in range(1, 7)]
    assert row == ["A dispute on the corner", "Assessment", "Resolved well", "100%", "Passed", "2"]
    assert attempt.passed


def test_an_assessment_not_allowed_now_says_why_and_starts_nothing(
    qtbot, make_window, with_scenario: Team, sqlite_db, clock, confirmations
) -> None:
    view = _scenarios(qtbot, make_window)
    view.list.assess.click()
    press(qtbot, view.player, "Grab the chain")  # critical: fails
    press(qtbot, view.player, "Back off")
    view.debrief.back.click()
    view.list.assess.click()
    assert view.stack.currentWidget() is view.list
    assert "opens 24 hours later" in view.error.text()
    assert len(confirmations) == 1  # no confirmation for an attempt that cannot start


def test_declining_the_confirmation_starts_nothing(
    qtbot, make_window, with_scenario: Team, sqlite_db, monkeypatch
) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *a, **k: False)
    view = _scenarios(qtbot, make_window)
    view.list.assess.click()
    assert view.stack.currentWidget() is view.list
    with sqlite_db.begin() as session:
        assert practice.history(session, with_scenario.trainee, with_scenario.trainee.id) == []


@pytest.fixture
def bundled(sqlite_team: Team, sqlite_db, clock) -> Team:
    with sqlite_db.begin() as session:
        library.import_bundled(session, bundled_content_root(), now=clock.now())
    return sqlite_team
