"""A trainer edits a module with live validation, publishes a version; invalid edits can't."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Team
from tests.core.curriculum_fixtures import write_curriculum
from tests.ui.conftest import sign_in
from trainer.core.services import library, training
from trainer.ui import dialogs
from trainer.ui.views.authoring import AuthoringView


@pytest.fixture
def authoring(
    qtbot, make_window, sqlite_team: Team, sqlite_db, clock, tmp_path: Path
) -> AuthoringView:
    with sqlite_db.begin() as session:
        library.import_bundled(session, write_curriculum(tmp_path / "bundle"), now=clock.now())
    window = make_window()
    sign_in(qtbot, window, "tina")
    view = window.workspace.show_screen("Authoring")
    view.select_key("basics-1")
    return view


def _replace(view: AuthoringView, old: str, new: str) -> None:
    text = view.editor.toPlainText()
    assert old in text
    view.editor.setPlainText(text.replace(old, new, 1))


def test_trainer_publishes_a_new_version_that_new_learners_get(
    qtbot, authoring: AuthoringView, sqlite_team: Team, sqlite_db, clock
) -> None:
    assert "Showing published version 1" in authoring.state.text()
    _replace(authoring, "title: First steps", "title: First steps in the field")
    qtbot.waitUntil(lambda: "First steps in the field" in authoring.preview.toPlainText())
    assert authoring.problems.item(0).text() == "No problems."
    shown = [authoring.problems.item(i).text() for i in range(authoring.problems.count())]
    # The figures of the knowledge check, and the warning that this 4-question check is no pool.
    assert "Knowledge check: pool of 4 questions, 4 drawn per attempt" in shown
    assert any(t.startswith("Quality warning: the pool has 4 questions") for t in shown)
    assert authoring.publish.isEnabled()  # warnings do not block publishing
    qtbot.keyClicks(authoring.note, "Clearer title")
    qtbot.mouseClick(authoring.publish, Qt.MouseButton.LeftButton)
    assert authoring.state.text().startswith("Published version 2.")
    with sqlite_db.begin() as session:
        doc = library.find_document(session, sqlite_team.trainer, "module", "basics-1")
        live = library.live_version(session, sqlite_team.trainer, doc.id)
        opened = training.open_module(session, sqlite_team.trainee, "basics-1", now=clock.now())
    assert (live.number, live.note, live.author_name) == (2, "Clearer title", "Tina Person")
    assert opened.module.title == "First steps in the field"


def test_invalid_edit_is_flagged_with_its_line_and_cannot_be_published(
    qtbot, authoring: AuthoringView, sqlite_team: Team, sqlite_db, monkeypatch
) -> None:
    _replace(authoring, "estimated_minutes: 20", "estimated_minutes: twenty")
    qtbot.waitUntil(lambda: not authoring.publish.isEnabled())
    assert authoring.problems.item(0).text() == (
        "line 6: estimated_minutes: 'twenty' is not of type 'integer'"
    )
    authoring.problems.setCurrentRow(0)
    qtbot.keyClick(authoring.problems, Qt.Key.Key_Return)
    assert authoring.editor.textCursor().blockNumber() == 5
    # Even if the button were pressed, the service refuses and the live version stays.
    errors: list[str] = []
    monkeypatch.setattr("trainer.ui.messages.error", lambda p, t, text: errors.append(text))
    authoring._on_publish_clicked()
    assert errors and "cannot be published" in errors[0]
    with sqlite_db.begin() as session:
        doc = library.find_document(session, sqlite_team.trainer, "module", "basics-1")
        assert library.live_version(session, sqlite_team.trainer, doc.id).number == 1
        draft = library.versions(session, sqlite_team.trainer, doc.id)[0]
    assert draft.is_draft and "twenty" in draft.body  # the edit is kept as the draft


def test_moving_to_another_module_keeps_unsaved_edits_as_a_draft(
    qtbot, authoring: AuthoringView, sqlite_team: Team, sqlite_db
) -> None:
    _replace(authoring, "Listen before you speak.", "Listen first, always.")
    authoring.select_key("basics-2")
    authoring.select_key("basics-1")
    assert "Listen first, always." in authoring.editor.toPlainText()
    assert authoring.state.text().startswith("Editing the draft")


def test_ctrl_s_saves_the_draft(
    qtbot, authoring: AuthoringView, sqlite_team: Team, sqlite_db
) -> None:
    authoring.editor.setFocus()
    _replace(authoring, "Follow up the next day.", "Follow up within a day.")
    qtbot.keyClick(authoring.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not authoring.dirty
    with sqlite_db.begin() as session:
        doc = library.find_document(session, sqlite_team.trainer, "module", "basics-1")
        assert "within a day" in library.versions(session, sqlite_team.trainer, doc.id)[0].body


def test_new_module_starts_from_a_valid_template(
    qtbot, authoring: AuthoringView, monkeypatch
) -> None:
    monkeypatch.setattr(
        dialogs.NewModuleDialog,
        "ask",
        staticmethod(
            lambda parent, submit: submit(("basics-3", "Our referral partners", "basics"))
        ),
    )
    qtbot.mouseClick(authoring.new, Qt.MouseButton.LeftButton)
    assert "id: basics-3" in authoring.editor.toPlainText()
    authoring.validate()
    assert authoring.problems.item(0).text() == "No problems."
    assert authoring.publish.isEnabled()


def test_an_alias_bomb_typed_in_is_a_problem_line_and_the_text_is_kept(
    qtbot, authoring: AuthoringView, sqlite_team: Team, sqlite_db, monkeypatch
) -> None:
    from tests.reliability.test_hostile_content import ALIAS_MESSAGE, BOMB

    _replace(authoring, "objectives: [Explain the basics]\n", BOMB)
    qtbot.waitUntil(lambda: not authoring.publish.isEnabled())
    assert (
        authoring.problems.item(0)
        .text()
        .startswith(f"line 8: YAML cannot be read: {ALIAS_MESSAGE}")
    )
    assert BOMB in authoring.editor.toPlainText()
    errors: list[str] = []
    monkeypatch.setattr("trainer.ui.messages.error", lambda p, t, text: errors.append(text))
    authoring._on_publish_clicked()
    assert errors and ALIAS_MESSAGE in errors[0]
    with sqlite_db.begin() as session:
        doc = library.find_document(session, sqlite_team.trainer, "module", "basics-1")
        assert library.live_version(session, sqlite_team.trainer, doc.id).number == 1
        assert BOMB in library.versions(session, sqlite_team.trainer, doc.id)[0].body


def test_after_publishing_the_editor_shows_the_new_version_number(
    qtbot, authoring: AuthoringView
) -> None:
    _replace(authoring, "title: First steps", "title: First steps in the field")
    qtbot.mouseClick(authoring.publish, Qt.MouseButton.LeftButton)
    assert authoring.state.text().startswith("Published version 2.")
    assert "\nversion: 2\n" in authoring.editor.toPlainText()


def test_publishing_with_nothing_changed_says_so(
    qtbot, authoring: AuthoringView, monkeypatch
) -> None:
    said: list[tuple[str, str]] = []
    monkeypatch.setattr("trainer.ui.messages.info", lambda p, t, text: said.append((t, text)))
    qtbot.mouseClick(authoring.publish, Qt.MouseButton.LeftButton)
    assert said == [
        ("Nothing to publish", "Nothing has changed since version 1; nothing was published.")
    ]
